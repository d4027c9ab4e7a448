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
    """Worker processes for loading and rendering (speed/parallel_load.py, speed/parallel.py)."""
    cache: bool = True
    """Reuse Markdown rendered by earlier builds (speed/cache.py); off = a cold build."""
    fast_paths: bool = True
    """libyaml for front matter where it can (content/load.py) and Python-Markdown's inline shortcuts
    (site/markup.py); off = the pure-Python YAML loader and Markdown's stock inline processor."""
    tune_memory: bool = True
    """Freeze the corpus for the collector and trim the C heap before forking (speed/memory.py)."""
