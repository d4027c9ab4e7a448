"""The code's fingerprint: every file of the package (code, templates, static files), in one hash."""
from __future__ import annotations

import os
from hashlib import blake2b
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent


def package_digest() -> bytes:
    """A hash of every file of the package with its path (compiled ``.pyc`` files left out); read
    afresh on every call (``code_fingerprint`` keeps its own value per process)."""
    h = blake2b(digest_size=16)
    for dirpath, dirnames, filenames in os.walk(PACKAGE):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(n for n in filenames if not n.endswith((".pyc", ".pyo"))):
            path = Path(dirpath, name)
            h.update(f"\0{path.relative_to(PACKAGE).as_posix()}\0".encode())
            h.update(path.read_bytes())
    return h.digest()
