"""Where ``build --page-cache``'s snapshot is kept, its writer's lock, and its sealed bytes read.

Kept apart from :mod:`.snapshot` (which unpickles it, so imports the whole engine): ``build`` reads
the file in a thread while the rest of the program is imported (``commands/head_start.py``)."""
from __future__ import annotations

import os
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no lock, and no fork either (the snapshot is saved in the build itself)
    fcntl = None  # type: ignore[assignment]

from ..speed import seal
from ..speed.cache_key import cache_root, code_fingerprint

SNAPSHOT = "snapshot.pickle"
FRAGMENTS = "fragments.bin"
"""The exports' fragments (:mod:`.export_memo`), beside the snapshot: most of its bytes, read only by
the join that needs them."""
LOCK = "snapshot.lock"


def snapshot_path(output: Path) -> Path:
    return cache_root(output.resolve()) / code_fingerprint() / SNAPSHOT


def fragments_path(output: Path) -> Path:
    return snapshot_path(output).with_name(FRAGMENTS)


def forget(output: Path) -> None:
    """Delete the snapshot (before a build that will not leave one that describes its output)."""
    try:
        snapshot_path(output).unlink()
    except OSError:
        pass


def lock(output: Path, create: bool) -> int | None:
    """An exclusive lock on the output's snapshot (blocking until a writer is done), or None."""
    path = snapshot_path(output).with_name(LOCK)
    if fcntl is None:
        return None
    try:
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | (os.O_CREAT if create else 0) | os.O_NOFOLLOW, 0o600)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except OSError:
        os.close(fd)
        return None
    return fd


def wait_for_writer(output: Path) -> None:
    """Wait until the last build's background writer (``snapshot.in_background``) is done."""
    fd = lock(output.resolve(), create=False)
    if fd is not None:
        os.close(fd)


def payload_of(path: Path) -> bytes | None:
    """The verified payload of the snapshot file at ``path``, or None. Reading and hashing it release
    the interpreter lock: ``build`` does it in a thread while the program is imported."""
    return seal.read(path, SNAPSHOT, limit=1 << 32)
