"""What the serve benchmarks share: a ``DevServer`` fed by file events, as ``serve`` feeds it, and
waiting for the events of the benchmark's own writes (``compare.py --only serve``, ``serve_visible.py``)."""
from __future__ import annotations

import queue
import threading
from pathlib import Path
from typing import Any, Callable


def watch(dev: Any, report: Callable[[str], None]) -> tuple[Any, threading.Lock, queue.Queue]:
    """Start file events for ``dev``'s folders: each batch is handed to ``dev.notice`` under the
    returned lock (so a timing loop can build between events) and then put on the returned queue.
    The watcher is started; stop it when done."""
    from evidence_explorer.dev.watch import EventWatcher
    lock, delivered = threading.Lock(), queue.Queue()

    def deliver(paths: set[str]) -> None:
        with lock:
            dev.notice(paths)
        delivered.put(paths)

    watcher = EventWatcher(dev.roots, deliver, lambda problem: report(f"file events failed: {problem}"))
    if not watcher.start():
        raise SystemExit("file events are not available (pip install watchfiles)")
    return watcher, lock, delivered


def drain(delivered: queue.Queue, quiet: float = 0.2) -> None:
    """Wait until the watcher has delivered the events of our own writes (and nothing more comes)."""
    while True:
        try:
            delivered.get(timeout=quiet)
        except queue.Empty:
            return


def read(path: Path) -> bytes:
    """A file's bytes, or empty while it is being replaced."""
    try:
        return path.read_bytes()
    except OSError:
        return b""
