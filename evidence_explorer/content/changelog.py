"""The content directory's git history → which entities each commit added, changed or removed.

One ``git log`` call reads everything. When git is missing, or the content
directory is not inside a git work tree, or no commit touches it, there is
no changelog (None) and ``/changes/`` is omitted.
"""
from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .walk import COLLECTIONS, is_content_path

MAX_COMMITS = 200
"""Newest commits shown; older history stays in git."""
_ACTIONS = {"A": "added", "M": "changed", "D": "removed", "T": "changed"}


@dataclass(frozen=True)
class EntityChange:
    action: str
    """added, changed or removed."""
    kind: str
    id: str
    """The file stem (an entity's id unless its front matter sets another)."""
    rel: str
    """Path relative to the content directory."""


@dataclass(frozen=True)
class Commit:
    sha: str
    date: str
    """Author date, ISO 8601."""
    author: str
    subject: str
    changes: tuple[EntityChange, ...]


@dataclass(frozen=True)
class Changelog:
    commits: tuple[Commit, ...]
    """Newest first; only commits that touched an entity file."""


def read_history(content_dir: Path, max_commits: int = MAX_COMMITS) -> Changelog | None:
    git = shutil.which("git")
    if git is None or not Path(content_dir).is_dir():
        return None
    try:
        proc = subprocess.run(
            [git, "-C", str(content_dir), "log", f"-n{max_commits}", "--no-renames", "--name-status", "--relative",
             "--no-color", "--format=%x1e%H%x1f%aI%x1f%an%x1f%s", "--", "."],
            capture_output=True, text=True, encoding="utf-8", errors="replace", timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    commits = tuple(c for c in (_parse(record) for record in proc.stdout.split("\x1e") if record.strip()) if c)
    return Changelog(commits) if commits else None


def _parse(record: str) -> Commit | None:
    header, _, body = record.partition("\n")
    parts = header.split("\x1f")
    if len(parts) != 4:
        return None
    sha, date, author, subject = parts
    changes = []
    for line in body.splitlines():
        status, _, path = line.partition("\t")
        change = _entity_change(status[:1], path)
        if change:
            changes.append(change)
    order = {"added": 0, "changed": 1, "removed": 2}
    changes.sort(key=lambda c: (order[c.action], list(COLLECTIONS.values()).index(c.kind), c.id.lower()))
    return Commit(sha, date, author, subject, tuple(changes)) if changes else None


def _entity_change(status: str, path: str) -> EntityChange | None:
    p = PurePosixPath(path)
    kind = is_content_path(path) if status in _ACTIONS else None  # the names a build reads
    if kind is None:
        return None
    return EntityChange(_ACTIONS[status], kind, p.stem, path)
