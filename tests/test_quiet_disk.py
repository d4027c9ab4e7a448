"""The benchmark's quiet-disk helpers (benchmarks/quiet_disk.py): moving outputs aside frees no
inode until the purge, and the wait applies only where the file system has the window."""
from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("quiet_disk", ROOT / "benchmarks" / "quiet_disk.py")
quiet_disk = importlib.util.module_from_spec(_spec)
sys.modules["quiet_disk"] = quiet_disk
_spec.loader.exec_module(quiet_disk)


def test_discard_moves_aside_and_purge_deletes(tmp_path):
    site = tmp_path / "site"
    (site / "a").mkdir(parents=True)
    (site / "a" / "index.html").write_text("x")
    inode = (site / "a" / "index.html").stat().st_ino
    quiet_disk.discard(site, tmp_path)
    quiet_disk.discard(tmp_path / "missing", tmp_path)  # nothing there: nothing happens
    assert not site.exists()
    [moved] = (tmp_path / ".discarded").iterdir()
    assert moved.name.startswith("site-") and (moved / "a" / "index.html").stat().st_ino == inode
    before = time.monotonic()
    quiet_disk.purge(tmp_path)
    assert not (tmp_path / ".discarded").exists()
    assert quiet_disk._last_delete >= before


def test_no_window_off_ext4_without_journal(tmp_path, monkeypatch):
    monkeypatch.setattr(quiet_disk, "recent_window", lambda path: 0.0)
    quiet_disk.deleted_now()
    assert quiet_disk.wait_out_recent_deletes(tmp_path) == 0.0


def test_waits_out_the_window(tmp_path, monkeypatch):
    monkeypatch.setattr(quiet_disk, "recent_window", lambda path: 0.3)
    quiet_disk.deleted_now()
    slept = quiet_disk.wait_out_recent_deletes(tmp_path)
    assert 0.0 < slept <= 0.3
    monkeypatch.setattr(quiet_disk, "waiting", False)
    quiet_disk.deleted_now()
    assert quiet_disk.wait_out_recent_deletes(tmp_path) == 0.0


def test_window_read_from_the_mount():
    assert quiet_disk.recent_window(Path("/nonexistent/path")) == 0.0
    shm = Path("/dev/shm")
    if shm.is_dir():  # tmpfs: no ext4 entry
        assert quiet_disk.recent_window(shm) == 0.0
