"""Reading the content files an edit changed, as a full build would load them, in load order."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from ..content.diagnostics import Location, Report
from ..content.load import COLLECTIONS, ContentError, SourceFile, display_path, read_source
from ..content.walk import file_problem, is_content_path


def read_changed(content: Path, rels: Iterable[str], report: Report,
                 follow_outside: bool = False) -> list[SourceFile]:
    """Read the changed files a build would load, without walking the whole tree (the names and
    checks of walk.py: links outside, FIFOs, devices refused). Files that are gone are skipped."""
    out = []
    root = os.path.realpath(content)
    for rel in sorted(rels, key=walk_key):
        kind = is_content_path(rel)
        if kind is None:
            continue
        path = content / rel
        if path.is_dir() or not os.path.lexists(path):
            continue
        shown = display_path(content, str(content), rel)
        problem = file_problem(str(path), rel, root, follow_outside, folder_checked=False)
        if problem is not None:
            report.error(problem.code, problem.message, Location(shown))
            continue
        try:
            out.append(read_source(path, shown, rel, kind))
        except ContentError as exc:
            report.error(exc.code, exc.message, Location(shown, exc.line))
    return out


def walk_key(rel: str) -> tuple:
    """Sort key reproducing load order: collection, then os.walk order (files before subfolders)."""
    parts = rel.split("/")
    order = list(COLLECTIONS).index(parts[0]) if parts[0] in COLLECTIONS else len(COLLECTIONS)
    return (order, tuple((1, p) for p in parts[1:-1]) + ((0, parts[-1]),))
