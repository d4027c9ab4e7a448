"""Pagefind over the written site. Failures become diagnostics, never tracebacks."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .diagnostics import Report

TIMEOUT_S = 600


def index_site(site_dir: Path, report: Report) -> bool:
    """Run the Pagefind binary shipped by ``pagefind[bin]`` over ``site_dir``."""
    cmd = [sys.executable, "-m", "pagefind", "--site", str(site_dir), "--output-subdir", "pagefind"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as exc:
        report.error("search.failed", f"could not run Pagefind: {exc}")
        return False
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        report.error("search.failed", "Pagefind failed: " + " | ".join(tail or ["no output"]))
        return False
    return True
