"""What a build is asked to do: :class:`BuildOptions`, read by the pipeline, the accelerators and the CLI."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class BuildOptions:
    content: Path = Path("content")
    output: Path = Path("site")
    base_url: str | None = None
    strict: bool = False
    search: bool = True
    jobs: int = 1
    cache: bool = True
    """Reuse Markdown rendered by earlier builds (cache.py); off = a cold build."""
