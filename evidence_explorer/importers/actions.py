"""What an import is asked to do and what it did: options, the target directory, one action per record."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..content.config import SiteConfig
from .existing import Existing


@dataclass(frozen=True)
class ImportOptions:
    file: Path
    content: Path = Path("content")
    format: str | None = None
    kind: str = "papers"
    mapping: tuple[tuple[str, str], ...] = ()
    update: bool = False
    dry_run: bool = False


@dataclass(frozen=True)
class Action:
    action: str
    """'create', 'update', 'skip' or 'fail'."""
    where: str
    path: str | None = None
    reason: str = ""


@dataclass(frozen=True)
class ImportResult:
    actions: tuple[Action, ...] = ()
    dry_run: bool = False
    created_site_yaml: bool = False
    read: int = 0
    """Records read from the file: every one of them is created, updated, skipped or failed."""

    def count(self, action: str) -> int:
        return sum(1 for a in self.actions if a.action == action)

    def accounting(self, file: str) -> str:
        return f"{file}: {self.read} record{'s' if self.read != 1 else ''} read"

    def summary(self) -> str:
        head = "dry run, nothing written: would have " if self.dry_run else "import: "
        verbs = ("created", "updated", "skipped", "failed")
        counts = [self.count(a) for a in ("create", "update", "skip", "fail")]
        return head + ", ".join(f"{n} {v}" for n, v in zip(counts, verbs))


@dataclass(frozen=True)
class Target:
    """The content directory an import writes to."""

    content: Path
    shown: str
    config: SiteConfig
    existing: Existing
    new_site: bool = False
    taken: set[str] = field(default_factory=set)
