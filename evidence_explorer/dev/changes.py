"""What changed since the last good build, sorted by what it affects (``serve``'s file events)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ..content.walk import is_content_path
from ..site.environment import STATIC_DIR, TEMPLATES_DIR


@dataclass(frozen=True)
class Changes:
    """What changed since the last good build, sorted by what it affects."""

    content: frozenset[str] = frozenset()
    """Content-relative paths of Markdown files (added, edited or deleted)."""
    config: bool = False
    templates: frozenset[str] = frozenset()
    static: bool = False

    def __bool__(self) -> bool:
        return bool(self.content or self.config or self.templates or self.static)

    def __or__(self, other: "Changes") -> "Changes":
        return Changes(self.content | other.content, self.config or other.config,
                       self.templates | other.templates, self.static or other.static)


def classify(paths: Iterable[Path], content: Path) -> Changes:
    """Sort changed absolute paths into content files, site.yaml, templates and static files."""
    content = content.resolve()
    md, templates, config, static = set(), set(), False, False
    for path in paths:
        path = Path(path).resolve()
        if path == content / "site.yaml":
            config = True
        elif path.is_relative_to(content):
            rel = path.relative_to(content).as_posix()
            if is_content_path(rel):
                md.add(rel)
        elif path.is_relative_to(TEMPLATES_DIR):
            templates.add(path.relative_to(TEMPLATES_DIR).as_posix())
        elif path.is_relative_to(STATIC_DIR):
            static = True
    return Changes(frozenset(md), config, frozenset(templates), static)
