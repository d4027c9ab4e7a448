"""Work beside the main line: in a thread (:func:`beside`) or a forked child (:func:`result_in_child`),
and whether forking is safe (:func:`can_fork`).

Light to import (no template engine, no Markdown): ``build`` forks its up-to-date probe and starts
reading its snapshot before the rest of the program is imported (``commands/head_start.py``)."""
from __future__ import annotations

import gc
import io
import os
import pickle
import signal
import threading
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator, TypeVar

R = TypeVar("R")


def usable_cores() -> int:
    """The CPUs this process may run on (its affinity mask, e.g. a container's limit): ``--jobs``'s default."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def can_fork() -> bool:
    """Whether forking workers is safe: ``fork`` exists and no other thread runs (a child forked while
    another thread holds a lock, e.g. the import lock, waits on it forever): :func:`single_threaded`."""
    return hasattr(os, "fork") and single_threaded()


def _thread_count() -> int:
    """The operating system's threads of this process where it can tell (threads started by native
    code too), else Python's."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def single_threaded() -> bool:
    """Whether this process runs one thread only, so that ``fork()`` is safe: a child of a process
    with other threads inherits the locks those threads held (an import, the allocator) and can
    hang on them for ever."""
    return _thread_count() == 1


@contextmanager
def beside(work: Callable[[], R] | None, raises: bool = False) -> Iterator[Callable[[], R | None]]:
    """Run ``work`` in a thread while the block runs (None: nothing to run, no thread, the getter
    gives None); yields a getter that waits for it and hands over its result once (None when it
    raised, or was handed over already: a large result is not kept alive by the getter). For work
    that spends its time where the interpreter lock is released (one large read, a hash of it)
    beside work that also does (``stat`` calls, imports): ``build`` reads and verifies its snapshot
    while the program is imported (``commands/head_start.py``), and the exports' fragments beside
    the check of the sites (``dev/snapshot_build.py``). Once the getter returned, or the block
    ended, the thread has left the process (so that forking is as safe as before it started). With
    ``raises``, what ``work`` raised is raised again when the block ends (the exports written beside
    the pages: a full disk is the build's error)."""
    box: list = []
    failed: list[BaseException] = []
    if work is None:
        yield lambda: None
        return

    def run() -> None:
        try:
            box.append(work())
        except BaseException as exc:  # noqa: BLE001 (the getter says None: the caller does without)
            failed.append(exc)

    before = _thread_count()
    thread = threading.Thread(target=run, name="evidence-explorer-beside", daemon=True)
    thread.start()

    def gone() -> None:
        thread.join()
        deadline = time.monotonic() + 1.0
        while _thread_count() > before and time.monotonic() < deadline:  # (joined: its OS thread ends next)
            time.sleep(0.0002)

    def get() -> R | None:
        gone()
        return box.pop() if box else None

    try:
        yield get
    finally:
        gone()
    if raises and failed:
        raise failed[0]


class PlainUnpickler(pickle.Unpickler):
    """Reads plain data only (built-in containers, strings, bytes, numbers): it admits no class."""

    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"{module}.{name}: plain data only")


@contextmanager
def result_in_child(work: Callable[[], Any]) -> Iterator[Callable[[], Any]]:
    """Run ``work`` in a forked child while the block runs; yields a getter of its result, plain data
    (sent pickled, read back by :class:`PlainUnpickler`), or None when the child gave none (it
    raised, died, or the result was not plain data: the caller does the work itself). Without a
    safe fork (Windows, another thread running) the getter runs ``work`` in this process. The child
    is reaped when the block ends, killed first if nobody asked for its result."""
    result: list = []
    if not can_fork():
        yield lambda: result[0] if result else result.append(work()) or result[0]
        return
    receive, send = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its result, then gone (no atexit, no flush of the parent's buffers)
        try:
            os.close(receive)
            gc.disable()  # a short life: a collection would only copy the inherited objects' pages
            data = memoryview(pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL))
            while data:
                data = data[os.write(send, data):]
        finally:
            os._exit(0)
    os.close(send)

    def get() -> Any:
        if not result:
            chunks = []
            while chunk := os.read(receive, 1 << 20):  # (b"": the child ended)
                chunks.append(chunk)
            try:
                result.append(PlainUnpickler(io.BytesIO(b"".join(chunks))).load())
            except Exception:  # noqa: BLE001 (nothing, cut short, or not plain data)
                result.append(None)
        return result[0]

    try:
        yield get
    finally:
        os.close(receive)
        if not result:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:  # (reaped already: a caller ignoring SIGCHLD)
            pass


@contextmanager
def in_child(question: Callable[[], bool]) -> Iterator[Callable[[], bool | None]]:
    """Ask ``question`` (a check made of system calls: ``build --page-cache`` stats the 38,000 files
    and folders of its sites) in a forked child while the block runs (:func:`result_in_child`);
    yields a getter of the answer: True, False, or None when the child could not answer (the caller
    asks again itself)."""
    with result_in_child(lambda: bool(question())) as result:
        yield lambda: (answer if isinstance(answer := result(), bool) else None)
