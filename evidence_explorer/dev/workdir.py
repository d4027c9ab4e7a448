"""``serve``'s temporary output folders: named after the serving process, so that a later ``serve``
can remove those of sessions that were killed (SIGKILL leaves them behind)."""
from __future__ import annotations

import os
import shutil
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
