"""``serve``'s temporary output folders: named after the serving process, so that a later ``serve``
can remove those of sessions that were killed (SIGKILL leaves them behind)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from ..site.publish import process_alive


WORKDIR_PREFIX = "evidence-explorer-serve-"
"""Temporary folders are named ``<prefix><pid>-<random>``, so a later serve can tell an abandoned one."""


def remove_abandoned_workdirs(tmp: Path) -> list[Path]:
    """Remove the temporary folders of serve sessions that were killed (SIGKILL leaves them): ours
    by name and owner, their process gone; return what was removed."""
    removed = []
    for folder in tmp.glob(WORKDIR_PREFIX + "*"):
        pid = folder.name[len(WORKDIR_PREFIX):].split("-", 1)[0]
        try:
            if not pid.isdigit() or folder.is_symlink() or not folder.is_dir() or \
                    folder.stat().st_uid != os.getuid() or process_alive(int(pid)):
                continue
        except OSError:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


_REMOVER = """
import os, shutil, sys
if hasattr(os, "fork") and os.fork():
    os._exit(0)
if hasattr(os, "nice"):
    os.nice(19)
path, prefix = sys.argv[1], sys.argv[2]
head, name = os.path.split(path)
mine = os.path.join(head, prefix + str(os.getpid()) + "-" + name[len(prefix):].split("-", 1)[-1])
try:
    os.rename(path, mine)
except OSError:
    mine = path
shutil.rmtree(mine, ignore_errors=True)
"""
"""The detached remover: forks and returns at once (so ``serve`` reaps it and leaves no zombie), then
renames the folder after its own process (a ``serve`` starting meanwhile leaves it alone; if the
remover is killed, the next one removes what is left) and deletes it."""


def remove_workdir(folder: Path) -> None:
    """Delete a stopping ``serve``'s temporary folder. At 30,000 entities it holds 38,000 files and
    folders, and deleting them made Ctrl+C wait tens of seconds: a detached process of its own (its
    own session, its output discarded, the lowest priority) deletes it instead, and ``serve`` ends at
    once. Where that process cannot be started, here. A new interpreter rather than a fork: threads
    of the server may still be running."""
    executable = sys.executable
    if executable and folder.name.startswith(WORKDIR_PREFIX):
        try:
            code = subprocess.run([executable, "-I", "-S", "-c", _REMOVER, str(folder), WORKDIR_PREFIX],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True, close_fds=True, timeout=10, check=False).returncode
        except (OSError, subprocess.SubprocessError):
            code = -1
        if code == 0:
            return
    shutil.rmtree(folder, ignore_errors=True)
