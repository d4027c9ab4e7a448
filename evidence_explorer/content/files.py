"""Writing a file atomically: a reader sees the old bytes or the new ones, never a part."""
from __future__ import annotations

import os
from pathlib import Path


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
