"""Located diagnostics: every problem has a path, a line, a severity and a stable code.

Stages never print and never stop at the first problem: they add to a
:class:`Report`, and the CLI prints it once, sorted, with a count.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from enum import Enum
from typing import Iterable

from .textsafe import escape_controls


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"
    """Informational: printed, never fails a build (integrity findings below the warning level)."""


@dataclass(frozen=True, order=True, slots=True)
class Location:
    """Where a problem is: a path as the author would type it, and a 1-based line."""

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True)
class Diagnostic:
    severity: Severity
    code: str
    message: str
    location: Location | None = None
    after: str | None = None
    """The path of the file whose problems caused this one (a reference to a file that failed):
    printed right after that file's diagnostics, not before them."""

    def format(self) -> str:
        """``path:line: severity: message [code]`` on one line: control characters in the path or
        the message (a file name, a key, a value) are escaped, so content cannot forge a line."""
        where = f"{self.location}: " if self.location else ""
        return escape_controls(f"{where}{self.severity.value}: {self.message} [{self.code}]")

    def sort_key(self) -> tuple:
        loc = self.location or Location("")
        if self.after is not None:
            return (self.after, 1, loc.path, loc.line or 0, self.code, self.message)
        return (loc.path, 0, loc.line or 0, self.code, self.message)


@dataclass
class Report:
    """Collects diagnostics of one run. One instance per build; never global."""

    items: list[Diagnostic] = field(default_factory=list)

    def error(self, code: str, message: str, location: Location | None = None, after: str | None = None) -> None:
        self.items.append(Diagnostic(Severity.ERROR, code, message, location, after))

    def warning(self, code: str, message: str, location: Location | None = None) -> None:
        self.items.append(Diagnostic(Severity.WARNING, code, message, location))

    def note(self, code: str, message: str, location: Location | None = None) -> None:
        self.items.append(Diagnostic(Severity.NOTE, code, message, location))

    def extend(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.items.extend(diagnostics)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.severity is Severity.WARNING]

    def failed(self, strict: bool = False) -> bool:
        return bool(self.errors) or (strict and bool(self.warnings))

    def sorted(self) -> list[Diagnostic]:
        seen: set[str] = set()
        out = []
        for d in sorted(self.items, key=Diagnostic.sort_key):
            text = d.format()
            if text not in seen:
                seen.add(text)
                out.append(d)
        return out

    def summary(self, strict: bool = False, verb: str = "build") -> str:
        """``build failed: 1 error, 2 warnings`` (``check failed: …`` for ``verb="check"``) or ``ok: …``."""
        n_err, n_warn = len({d.format() for d in self.errors}), len({d.format() for d in self.warnings})
        counts = f"{_plural(n_err, 'error')}, {_plural(n_warn, 'warning')}"
        if self.failed(strict):
            return f"{verb} failed: {counts}"
        return f"ok: {counts}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` or an empty string; case-insensitive."""
    pool = {c.lower(): c for c in candidates}
    match = difflib.get_close_matches(word.lower(), list(pool), n=1, cutoff=0.6)
    return f" (did you mean '{pool[match[0]]}'?)" if match else ""


class BuildError(Exception):
    """A problem with configuration or usage (exit code 2), not with content."""
