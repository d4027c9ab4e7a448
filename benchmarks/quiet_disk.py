"""A quiet disk before each timed build: no deleted files still "recent" to the file system.

On ext4 mounted without a journal (this machine's disk), the kernel will not reuse an inode
freed less than 60 seconds ago (300 more while its inode-table block is dirty; ``fs/ext4/ialloc.c``,
``recently_deleted``). Each new file or folder then scans past every recently freed inode of its
block group, one buffer look-up each. Right after a 38,000-inode site was deleted, creating a
folder or a file cost 550-900 µs of kernel CPU instead of 40-60 µs, and ``perf`` put 22 % of a
cold build's CPU in that scan (docs/performance.md, "tenth pass"). Which tool pays it depended on
which deleted last, and where. So the benchmark never frees inodes just before a timed build:

- :func:`discard` moves a previous output into ``<work>/.discarded/`` (a rename frees nothing);
- :func:`purge` deletes what was discarded, before the warm-up round and after the last round
  (``compare.py``), and notes the time;
- :func:`wait_out_recent_deletes` sleeps until the window has passed since the last delete
  (the harness's, or a build's own background delete seen by the caller: :func:`deleted_now`).

On other file systems (a journal, tmpfs, another OS) the window is 0 and nothing waits.
"""
from __future__ import annotations

import os
import shutil
import time
import uuid
from pathlib import Path

RECENT_S = 61.0
"""ext4's ``RECENTCY_MIN`` (60 s) and a second of margin; the written blocks are flushed first
(``os.sync``), so the ``RECENTCY_DIRTY`` extension applies only to an inode-table block that a
later write dirties again (not waited for: docs/performance.md, "tenth pass")."""

_last_delete = 0.0
waiting = True
"""False: :func:`wait_out_recent_deletes` only flushes (``compare.py``'s untimed warm-up round)."""


def recent_window(path: Path) -> float:
    """:data:`RECENT_S` when ``path`` is on ext4 without a journal (Linux), else 0."""
    try:
        dev = os.stat(path).st_dev
        uevent = Path(f"/sys/dev/block/{os.major(dev)}:{os.minor(dev)}/uevent").read_text()
    except OSError:
        return 0.0
    name = next((line.split("=", 1)[1] for line in uevent.splitlines() if line.startswith("DEVNAME=")), "")
    if not name or not Path("/proc/fs/ext4", name).is_dir():
        return 0.0
    journals = Path("/proc/fs/jbd2")
    has_journal = journals.is_dir() and any(p.name.startswith(f"{name}-") for p in journals.iterdir())
    return 0.0 if has_journal else RECENT_S


def discard(path: Path, work: Path) -> None:
    """Move ``path`` (when it exists) out of the way, into ``work/.discarded``, without deleting it."""
    if not path.exists() and not path.is_symlink():
        return
    bin_ = work / ".discarded"
    bin_.mkdir(exist_ok=True)
    path.rename(bin_ / f"{path.name}-{uuid.uuid4().hex[:8]}")


def deleted_now() -> None:
    """Note that files were deleted now (by the harness, or by a build in the background)."""
    global _last_delete
    _last_delete = time.monotonic()


def purge(work: Path) -> None:
    """Delete what :func:`discard` moved aside, flush, and note the time."""
    bin_ = work / ".discarded"
    if bin_.exists():
        shutil.rmtree(bin_, ignore_errors=True)
        deleted_now()
    os.sync()


def wait_out_recent_deletes(work: Path) -> float:
    """Flush, then sleep until no inode freed by the last delete is recent to the file system;
    returns the seconds slept (0 on file systems without the window)."""
    os.sync()
    window = recent_window(work) if waiting else 0.0
    left = _last_delete + window - time.monotonic() if window and _last_delete else 0.0
    if left > 0:
        time.sleep(left)
    return max(left, 0.0)
