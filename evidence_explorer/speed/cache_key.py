"""Where a build's caches live, and the versioned folder's name (:func:`code_fingerprint`).

Kept apart from :mod:`.cache` (the Markdown and template caches, which import Python-Markdown and
Jinja): the up-to-date probe needs only these, and ``build`` forks it before the rest of the
program is imported (``commands/head_start.py``)."""
from __future__ import annotations

import functools
import sys
from hashlib import blake2b
from pathlib import Path

from .. import __version__
from .fingerprint import package_digest

FORMAT = 2
"""Bump when the layout of the Markdown cache's file changes (``cache.py``)."""


def cache_root(output: Path) -> Path:
    """Where the caches of builds into ``output`` live."""
    return output.parent / ".cache" / "evidence-explorer"


@functools.cache
def library_version(name: str) -> str:
    """The installed version of the distribution ``name``, or ``-`` when it is not installed."""
    from importlib import metadata
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


@functools.cache
def code_fingerprint() -> str:
    """``v<version>-<hash>`` of everything that changes how Markdown and templates become HTML:
    every file of the package (code, templates), the Python, Python-Markdown, Jinja and MarkupSafe
    versions, and the cache format."""
    h = blake2b(digest_size=8)
    h.update(f"{__version__}|{sys.version}|{library_version('markdown')}|{library_version('jinja2')}|"
             f"{library_version('markupsafe')}|{FORMAT}".encode())
    h.update(package_digest())
    return f"v{__version__}-{h.hexdigest()}"
