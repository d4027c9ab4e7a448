"""Writing a file atomically: a reader sees the old bytes or the new ones, never a part."""
from __future__ import annotations

import mmap
import os
from pathlib import Path
from typing import Sequence


def write_atomic(path: Path, data: bytes | memoryview, *more: bytes | memoryview) -> None:
    """``data`` (and ``more`` after it: large parts need not be joined first) into ``path`` through a
    temporary file beside it (hidden: a dot name, which no content walk reads) and one rename. The
    temporary file is removed when writing fails."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            for part in (data, *more):
                fh.write(part)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


_NEW = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def write_file(path: str, data: bytes) -> None:
    """``Path(path).write_bytes(data)`` in three system calls: no file object, no buffer (half
    its CPU; a build writes 19,000 pages at 5,000 papers). The same permissions as ``open``'s
    (0o666 less the umask). For a file nothing reads while it is written: a page in a staging folder."""
    fd = os.open(path, _NEW, 0o666)
    try:
        _write_all(fd, data)
    finally:
        os.close(fd)


def write_parts(path: str, parts: Sequence[bytes | memoryview]) -> int:
    """:func:`write_file` of ``b"".join(parts)`` without joining them: gathered by ``writev`` (a few
    large slices of a mapped file after an edit, so their bytes are never copied into fresh memory
    first); the size written. Where ``writev`` is missing (Windows), one write per part."""
    fd = os.open(path, _NEW, 0o666)
    try:
        total = 0
        gather = getattr(os, "writev", None)
        for at in range(0, len(parts), _BATCH):
            batch = [memoryview(part) for part in parts[at:at + _BATCH]]
            size = sum(part.nbytes for part in batch)
            done = gather(fd, batch) if gather is not None and batch else 0
            for part in batch:  # what a short write left, part by part
                if done >= part.nbytes:
                    done -= part.nbytes
                    continue
                _write_all(fd, part[done:])
                done = 0
            total += size
        return total
    finally:
        os.close(fd)


def _iov_max() -> int:
    try:
        return max(16, min(1024, os.sysconf("SC_IOV_MAX")))
    except (AttributeError, ValueError, OSError):
        return 16  # (the least POSIX allows)


_BATCH = _iov_max()
"""Parts per ``writev`` call: the system's limit (Linux: 1024), at most 1024."""


def mapped_file(path: str | Path, size: int) -> memoryview:
    """The first ``size`` bytes of the file at ``path``, mapped read-only (not sealed: a file this
    process has just written, e.g. an export in a staging folder, for views of it kept meanwhile);
    an empty view for an empty file. ``OSError`` when it cannot be mapped, or is shorter."""
    if size == 0:
        return memoryview(b"")
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        if os.fstat(fd).st_size < size:
            raise OSError(0, f"'{path}' is shorter than was written")
        return memoryview(mmap.mmap(fd, size, access=mmap.ACCESS_READ))
    finally:
        os.close(fd)


def write_new(path: str, data: bytes) -> os.stat_result:
    """:func:`write_file` into a file that must not exist yet (``FileExistsError``); its stat, taken
    after the last write."""
    fd = os.open(path, (_NEW & ~os.O_TRUNC) | os.O_EXCL, 0o666)
    try:
        _write_all(fd, data)
        return os.fstat(fd)
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes | memoryview) -> None:
    view, done = memoryview(data), 0
    while done < len(view):  # (a regular file takes it all at once; a short write is not an error)
        done += os.write(fd, view[done:])
