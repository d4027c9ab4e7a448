"""Deleting the site a build replaced in a detached background process, off the critical path.

After the swap, the previous site (tens of thousands of files at N = 5,000 papers) only has to go
away; deleting it took 3–6 s of the build's wall time on the benchmark machine's disk
(docs/performance.md). :func:`remove_later` hands it to a detached process (a double fork, its own
session, its standard streams on ``/dev/null`` so that a caller reading the build's output through a
pipe sees it end, the lowest priority), which renames it ``.<name>.trash-<its pid>`` and deletes it.
A build that starts meanwhile leaves a folder of a live process alone, and removes what is left of
it if the remover was killed (``publish.remove_abandoned``). Where forking is unsafe (other threads,
no ``fork``) or fails, the folder is removed here and now. Plain mode uses ``publish.remove_tree``.
"""
from __future__ import annotations

import os
from pathlib import Path

from ..site.publish import LEFTOVER, remove_tree
from .parallel import single_threaded


def remove_later(folder: Path) -> None:
    """Delete ``folder`` (a replaced site or spare, holding the marker) in a detached process; see the
    module. It is first renamed here, so nothing can reuse it (a spare) while it is being deleted."""
    try:
        trash = _trash_name(folder, os.getpid())
        os.rename(folder, trash)
    except OSError:
        remove_tree(folder)
        return
    if not hasattr(os, "fork") or not hasattr(os, "setsid") or not single_threaded():
        remove_tree(trash)
        return
    try:
        pid = os.fork()
    except OSError:
        remove_tree(trash)
        return
    if pid == 0:  # the first child: start the remover, detached, and end at once (nothing to reap later)
        try:
            os.setsid()
            if os.fork() == 0:
                _remove_detached(trash)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def _trash_name(folder: Path, pid: int) -> Path:
    """``.<name>.trash-<pid>`` beside ``folder`` (``.site.staging-12`` → ``.site.trash-<pid>``;
    ``.site.spare`` → ``.site.spare.trash-<pid>``): a name ``publish.remove_abandoned`` knows."""
    name = LEFTOVER.sub("", folder.name)
    return folder.with_name(f"{name}.trash-{pid}")


def _remove_detached(folder: Path) -> None:
    """The remover: nothing inherited kept open, lowest priority, the folder renamed to its own pid
    (a build starting meanwhile leaves a live remover's folder alone), then deleted."""
    try:
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.closerange(3, _max_fd())
        os.nice(19)
        trash = _trash_name(folder, os.getpid())
        try:
            os.rename(folder, trash)
        except OSError:
            trash = folder
        remove_tree(trash)
    finally:
        os._exit(0)


def _max_fd() -> int:
    try:
        return int(os.sysconf("SC_OPEN_MAX"))
    except (AttributeError, ValueError, OSError):
        return 1024
