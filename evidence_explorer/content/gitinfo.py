"""Last-updated dates from git history: ONE ``git log`` call for the whole content directory.

The result maps each content-relative path (``papers/x.md``) to the date
(``YYYY-MM-DD``, author date) of the newest commit that touched it. When the
content is not in a git work tree, or git is missing, the mapping is empty and
pages show no date.
"""
from __future__ import annotations

import subprocess
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

TIMEOUT_S = 60
_RECORD = "\x1e"  # starts each commit in the output: %x1e then the date


def last_updated(content: Path) -> Mapping[str, str]:
    """Path relative to ``content`` → date of its last commit; empty when not in git."""
    if not content.is_dir():
        return MappingProxyType({})
    cmd = ["git", "-c", "core.quotepath=off", "-C", str(content), "log", "-z", "--relative",
           "--name-only", f"--format={_RECORD}%as", "--", "."]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return MappingProxyType({})
    if proc.returncode != 0:  # not a git work tree, or no commits yet
        return MappingProxyType({})
    return MappingProxyType(parse_log(proc.stdout.decode("utf-8", errors="replace")))


def parse_log(text: str) -> dict[str, str]:
    """Parse ``git log -z --name-only --format=%x1e%as`` output; newest commit first wins."""
    dates: dict[str, str] = {}
    for record in text.split(_RECORD):
        if not record.strip("\x00\n"):
            continue
        date, _, names = record.partition("\x00")
        for name in names.split("\x00"):
            name = name.strip("\n")
            if name and name not in dates:
                dates[name] = date.strip()
    return dates
