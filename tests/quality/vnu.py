"""Run the Nu Html Checker (vnu.jar) over files or a whole directory."""
from __future__ import annotations

import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path


JVM_OPTIONS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC")
"""The quick compiler only, one GC thread: a vnu run is short, and the optimising compiler's
background work cost more than it saved (the demo: 13 s of CPU -> 5 s; a one-page run 3.3 s ->
1.8 s, on 2 cores). Only how fast the JVM runs vnu changes, not what vnu reports."""


@dataclass(frozen=True)
class HtmlError:
    file: str
    line: int | None
    message: str
    extract: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}  [{self.extract.strip()[:80]!r}]"


HTML_SUFFIXES = {".html", ".htm", ".xhtml", ".xht"}
"""What ``--skip-non-html`` checks."""
SPLIT_FROM = 200
"""From this many pages on, two vnu processes share them (it checks one file after the other)."""


def validate(jar: Path, targets: list[Path], root: Path | None = None,
             timeout: float = 600, css: bool = False) -> list[HtmlError]:
    """Errors (not warnings) vnu reports for ``targets`` (HTML files or directories).

    Non-HTML files in a directory are skipped (with ``css``: the targets are stylesheets).
    Paths in the result are relative to ``root``. Many pages are split between two vnu
    processes running side by side; their reports are joined.
    """
    mode = ["--css"] if css else ["--skip-non-html"]
    groups: list[list[Path]] = [list(targets)]
    if not css:
        files = sorted(p for t in targets for p in ([t] if t.is_file() else t.rglob("*"))
                       if p.suffix.lower() in HTML_SUFFIXES and p.is_file())
        if len(files) >= SPLIT_FROM:
            groups = [files[0::2], files[1::2]]
    with ThreadPoolExecutor(len(groups)) as pool:
        messages = [m for ms in pool.map(lambda g: _run(jar, mode, g, timeout), groups) for m in ms]
    errors = []
    for m in messages:
        if m.get("type") not in ("error", "non-document-error"):
            continue
        path = m.get("url", "").removeprefix("file:")
        if root is not None and path.startswith(str(root)):
            path = path[len(str(root)):].lstrip("/")
        errors.append(HtmlError(path, m.get("lastLine"), m.get("message", ""), m.get("extract", "")))
    return errors


def _run(jar: Path, mode: list[str], targets: list[Path], timeout: float) -> list[dict]:
    """vnu's messages for ``targets``, from one JVM."""
    proc = subprocess.run(
        ["java", "-Xss8m", *JVM_OPTIONS, "-jar", str(jar), "--errors-only", *mode, "--format", "json",
         *map(str, targets)],
        capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"vnu failed (exit {proc.returncode}): {proc.stderr[-2000:]}")
    try:
        messages = json.loads(proc.stderr or proc.stdout or '{"messages": []}')["messages"]
    except (ValueError, KeyError) as exc:
        raise RuntimeError(f"vnu printed no JSON report: {proc.stderr[-2000:]}") from exc
    if proc.returncode == 1 and not any(m.get("type") in ("error", "non-document-error") for m in messages):
        raise RuntimeError(f"vnu exited 1 without errors in its report: {proc.stderr[-2000:]}")
    return messages
