"""Noticing changed files for ``serve``: operating-system file events, with polling as the fallback.

:class:`EventWatcher` runs ``watchfiles`` (inotify, FSEvents, ReadDirectoryChangesW through Rust's
``notify``) in a thread: an editor's burst of writes and renames arrives as one batch once the files
have been quiet for :data:`QUIET_MS`, and nothing is scanned between edits. Where events are not
available (the package is missing, the watch limit is reached, a network file system), ``serve``
falls back to :func:`snapshot`, which stats every file on each poll.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Callable, Iterable

QUIET_MS = 20
"""A batch of changes is delivered once no file changed for this long (an editor's save is a write,
or a write to a temporary file and a rename, within a few milliseconds)."""
LONGEST_MS = 1000
"""A batch is delivered after this long even if files keep changing."""


def ignored(name: str) -> bool:
    """Hidden files and folders, editor backups and swap files, Python caches."""
    return name.startswith((".", "#")) or name.endswith(("~", ".swp", ".tmp")) or name == "__pycache__"


def snapshot(roots: tuple[Path, ...]) -> dict[str, tuple[int, int]]:
    """path → (mtime_ns, size) of every file below ``roots``; hidden and editor temp files skipped."""
    out: dict[str, tuple[int, int]] = {}
    stack = [str(r) for r in roots if r.is_dir()]
    while stack:
        top = stack.pop()
        try:
            entries = list(os.scandir(top))
        except OSError:
            continue
        for entry in entries:
            if ignored(entry.name):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):  # never into a linked folder (a loop, '/')
                    stack.append(entry.path)
                elif entry.is_file():
                    st = entry.stat()
                    out[entry.path] = (st.st_mtime_ns, st.st_size)
            except OSError:
                continue
    return out


class EventWatcher:
    """Delivers sets of changed paths below ``roots`` from a background thread, as the OS reports them."""

    def __init__(self, roots: Iterable[Path], deliver: Callable[[set[str]], None],
                 failed: Callable[[str], None]):
        self.roots = tuple(str(Path(r).resolve()) for r in roots if Path(r).is_dir())
        self.deliver, self.failed = deliver, failed
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> bool:
        """Start watching; False when OS events are not available here (then poll instead)."""
        try:
            import watchfiles  # noqa: F401
        except ImportError:
            return False
        self._thread = threading.Thread(target=self._run, name="file-events", daemon=True)
        self._thread.start()
        self._ready.wait(5)
        return True

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _wanted(self, _change: object, path: str) -> bool:
        for root in self.roots:
            if path == root or path.startswith(root + os.sep):
                rel = path[len(root) + 1:]
                return not any(ignored(part) for part in rel.split(os.sep) if part)
        return False

    def _run(self) -> None:
        import watchfiles
        try:
            events = watchfiles.watch(*self.roots, watch_filter=self._wanted, debounce=LONGEST_MS, step=QUIET_MS,
                                      stop_event=self._stop, rust_timeout=500, yield_on_timeout=True,
                                      raise_interrupt=False)
            for batch in events:
                self._ready.set()
                if batch:
                    self.deliver({path for _change, path in batch})
        except Exception as exc:  # no events after all (watch limit, file system): the caller polls
            self._ready.set()
            if not self._stop.is_set():
                self.failed(f"{type(exc).__name__}: {exc}")
        finally:
            self._ready.set()
