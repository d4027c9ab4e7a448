"""``content.files.write_file``: the render's page writer (three system calls) writes what
``Path.write_bytes`` writes, with the same permissions, whatever the kernel takes per call."""
from __future__ import annotations

import os
import stat

import pytest

from evidence_explorer.content import files
from evidence_explorer.content.files import write_file

DATA = ("<p>Évaluation — “quoted” ✓</p>\n" * 40_000).encode("utf-8")  # about 1.4 MB


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o077])
def test_same_bytes_and_mode_as_write_bytes(tmp_path, umask):
    old = os.umask(umask)
    try:
        write_file(str(tmp_path / "ours.html"), DATA)
        (tmp_path / "theirs.html").write_bytes(DATA)
    finally:
        os.umask(old)
    ours, theirs = tmp_path / "ours.html", tmp_path / "theirs.html"
    assert ours.read_bytes() == theirs.read_bytes() == DATA
    assert stat.S_IMODE(ours.stat().st_mode) == stat.S_IMODE(theirs.stat().st_mode) == 0o666 & ~umask


def test_a_longer_file_is_truncated(tmp_path):
    path = tmp_path / "index.html"
    path.write_bytes(b"x" * 10_000)
    write_file(str(path), b"short")
    assert path.read_bytes() == b"short"


def test_short_writes_are_continued(tmp_path, monkeypatch):
    """A write that takes only part of the buffer (allowed by POSIX) is followed by the rest."""
    real = os.write
    calls = []

    def dribble(fd, data):
        calls.append(len(data))
        return real(fd, bytes(data[:4096]))

    monkeypatch.setattr(files.os, "write", dribble)
    write_file(str(tmp_path / "page.html"), DATA)
    assert (tmp_path / "page.html").read_bytes() == DATA
    assert len(calls) == -(-len(DATA) // 4096)


def test_a_missing_folder_is_an_oserror_naming_the_file(tmp_path):
    target = tmp_path / "missing" / "index.html"
    with pytest.raises(FileNotFoundError) as info:
        write_file(str(target), b"x")
    assert info.value.filename == str(target)


def test_the_descriptor_is_closed_when_a_write_fails(tmp_path, monkeypatch):
    before = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None

    def full(fd, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "write", full)
    with pytest.raises(OSError):
        write_file(str(tmp_path / "page.html"), b"data")
    if before is not None:
        assert len(os.listdir("/proc/self/fd")) == before
