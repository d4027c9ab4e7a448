"""Cache files that only this user's own builds can have written: a keyed hash over every file.

The caches live beside the output (``<output parent>/.cache/evidence-explorer/``), often inside the
repository of the evidence base, where a contributor could commit a ``.cache/`` folder. So every file
a build reads back from an earlier build is *sealed*: it starts with an HMAC-SHA256 tag of its
purpose and bytes (SHA-256 rather than BLAKE2b: with the CPU's SHA instructions it hashes about
three times as fast, and a snapshot is 60 MB), under a random key kept outside the repository, in the user's cache folder
(``$XDG_CACHE_HOME`` or ``~/.cache``, ``evidence-explorer/cache-key``, readable by the user only).
A file whose tag does not verify (planted, copied from another machine, truncated, corrupted) is
ignored like a missing one: the build is cold. Without a usable key (no writable home) nothing is
sealed or read back: every build is cold.

Sealed payloads are plain data (JSON) except Jinja's compiled templates, which are code objects
and are only unmarshalled after their tag verified: nothing from disk is run unless this user's
own build wrote it.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import mmap
import os
import secrets
import shutil
import stat
import threading
from functools import cache
from pathlib import Path
from typing import Any

from ..content.files import write_atomic


KEY_BYTES = 32
TAG_BYTES = 32
MAGIC = b"EEseal2\n"


def key_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "evidence-explorer" / "cache-key"


_KEY_LOCK = threading.Lock()
"""One thread at a time reads or makes the key (``build`` reads its snapshot in a thread beside
the probe: ``speed.parallel.beside``); the temporary file's name is the process's."""


@cache
def secret() -> bytes | None:
    """This user's cache key, made on first use; None when it can be neither read nor made."""
    with _KEY_LOCK:
        return _secret()


def _secret() -> bytes | None:
    path = key_path()
    try:
        key = path.read_bytes()
        if len(key) == KEY_BYTES:
            return key
    except OSError:
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(KEY_BYTES))
        try:
            os.link(tmp, path)  # another process may have made one meanwhile: then use theirs
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
        key = path.read_bytes()
    except OSError:
        return None
    if len(key) != KEY_BYTES:  # a broken key file: replace it (earlier caches become unreadable)
        try:
            tmp.write_bytes(secrets.token_bytes(KEY_BYTES))
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
            key = path.read_bytes()
        except OSError:
            return None
    return key if len(key) == KEY_BYTES else None


def available() -> bool:
    return secret() is not None


def _tag(key: bytes, purpose: str, *payload: bytes | memoryview) -> bytes:
    h = hmac.new(key, purpose.encode("utf-8", "surrogatepass") + b"\0", hashlib.sha256)
    for part in payload:
        h.update(part)
    return h.digest()


def seal(purpose: str, payload: bytes) -> bytes | None:
    key = secret()
    return None if key is None else MAGIC + _tag(key, purpose, payload) + payload


def unseal(purpose: str, blob: bytes) -> bytes | None:
    """The payload when ``blob`` was sealed for ``purpose`` with this user's key, else None."""
    head = len(MAGIC) + TAG_BYTES
    return _verified(purpose, blob[:head], blob[head:])


def _verified(purpose: str, head: bytes, payload: Any) -> Any:
    """``payload`` when ``head`` (magic and tag) seals it for ``purpose`` with this user's key."""
    key = secret()
    if key is None or len(head) != len(MAGIC) + TAG_BYTES or not head.startswith(MAGIC):
        return None
    return payload if hmac.compare_digest(head[len(MAGIC):], _tag(key, purpose, payload)) else None


def write(path: Path, purpose: str, payload: bytes | memoryview, *more: bytes | memoryview) -> bool:
    """Write ``payload`` (and ``more`` after it, as one payload: large ones need not be joined first)
    sealed, atomically; False when there is no key (nothing written)."""
    key = secret()
    if key is None:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_dir() and not path.is_symlink():  # a folder where our file goes (our cache folder): replace it
        shutil.rmtree(path)
    write_atomic(path, MAGIC + _tag(key, purpose, payload, *more), payload, *more)
    return True


def read(path: Path, purpose: str, limit: int = 1 << 30) -> bytes | None:
    """The verified payload of a sealed regular file, or None (missing, not ours, unreadable). The
    head and the payload are read as two objects: the payload is not copied out of the file's bytes
    (56-87 MB for a snapshot and its fragments at 5,000 papers: a copy and as many fresh pages)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit:
            return None
        with os.fdopen(fd, "rb") as f:
            fd = -1
            head = f.read(len(MAGIC) + TAG_BYTES)
            payload = f.read(max(st.st_size - len(head), 0) + 1)  # not ``limit``: read(n) allocates n bytes
    except OSError:
        return None
    finally:
        if fd >= 0:
            os.close(fd)
    return _verified(purpose, head, payload)


def mapped(path: Path, purpose: str, limit: int = 1 << 30) -> memoryview | None:
    """:func:`read`, as a read-only view of the file mapped into memory rather than read into fresh
    pages: for the exports' fragments (87 MB at 5,000 papers), of which a build after an edit
    writes large slices into the site (``dev/export_memo.py``), where copying the file into new
    memory first cost a page fault per 4 KB. (The snapshot is read: unpickling from the mapping
    was 6 % slower, and its read runs beside the probe.) The file is replaced only by a rename
    (``write_atomic``), which leaves the mapped one as it was."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    head = len(MAGIC) + TAG_BYTES
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or not head <= st.st_size <= limit:
            return None
        view = memoryview(mmap.mmap(fd, st.st_size, access=mmap.ACCESS_READ))
    except (OSError, ValueError):
        return None
    finally:
        os.close(fd)
    return _verified(purpose, bytes(view[:head]), view[head:])


def write_json(path: Path, purpose: str, data: Any) -> bool:
    return write(path, purpose, json.dumps(data, ensure_ascii=False, separators=(",", ":"),
                                           allow_nan=False).encode("utf-8", "surrogatepass"))


def read_json(path: Path, purpose: str) -> Any:
    """The plain data of a sealed JSON file, or None."""
    payload = read(path, purpose)
    if payload is None:
        return None
    try:
        return json.loads(payload.decode("utf-8", "surrogatepass"))
    except (ValueError, RecursionError):
        return None
