"""I/O faults while publishing (issue 14, item 9): a mount point as the output folder is built into;
a full disk, a read-only folder give exit 2 with the path and the system's error, never exit 3,
and leave the published site byte for byte.

The real command runs in a subprocess against real mounts (``mount -t tmpfs``, ``mount --bind``,
a read-only remount), so these tests need root (as in CI) and skip otherwise; every mount is
unmounted in a ``finally``.
"""
from __future__ import annotations

import contextlib
import errno
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from conftest import ROOT, SITES
from test_quality_bad_input import tree_digest

from evidence_explorer.speed.parallel import fork_map
from evidence_explorer.site.publish import MARKER, describe_os_error, is_mount_point

MINIMAL = SITES / "minimal"


def _can_mount() -> bool:
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        return False
    probe = Path(tempfile.mkdtemp(prefix="evidence-explorer-mount-probe-"))
    try:
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)],
                          capture_output=True).returncode != 0:
            return False
        subprocess.run(["umount", str(probe)], check=True)
        return True
    except OSError:
        return False
    finally:
        probe.rmdir()


needs_mount = pytest.mark.skipif(not _can_mount(), reason="needs root and mount (tmpfs, bind) on Linux")


@contextlib.contextmanager
def mounted(target: Path, *args: str) -> Iterator[Path]:
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", *args, str(target)], check=True, capture_output=True)
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False, capture_output=True)


def build(output: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "EVIDENCE_EXPLORER_DEBUG"}
    return subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--content", str(MINIMAL),
                           "--output", str(output), "--no-search", "--quiet", *extra],
                          capture_output=True, text=True, timeout=300, env=env)


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@needs_mount
@pytest.mark.parametrize("kind", ["tmpfs", "bind"])
def test_a_mount_point_output_is_built_into(tmp_path, kind):
    """A Docker volume (tmpfs here) or a bind mount from the same filesystem (which
    ``os.path.ismount`` cannot see) as --output: built, rebuilt with another base URL, equal to a
    build into a plain folder, and nothing of ours left inside it or beside it."""
    out = tmp_path / "site"
    args = ("-t", "tmpfs", "tmpfs") if kind == "tmpfs" else ("--bind", str(tmp_path / "volume"))
    (tmp_path / "volume").mkdir()
    with mounted(out, *args):
        assert is_mount_point(out)
        first = build(out, "--no-cache")  # (the caches are another test's subject)
        assert first.returncode == 0, first.stderr
        (out / "stray.html").write_text("not in the new site")
        second = build(out, "--no-cache", "--base-url", "/evidence/")
        assert second.returncode == 0, second.stderr
        reference = tmp_path / "plain" / "site"
        assert build(reference, "--no-cache", "--base-url", "/evidence/").returncode == 0
        assert files(out) == files(reference), "the stray file goes, as from a plain output folder"
        assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == [MARKER]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain", "site", "volume"]


@needs_mount
def test_a_killed_build_inside_a_mount_point_is_cleaned_up(tmp_path):
    out = tmp_path / "site"
    with mounted(out, "-t", "tmpfs", "tmpfs"):
        assert build(out).returncode == 0
        proc = subprocess.Popen([sys.executable, "-c", "pass"])
        proc.wait()
        for name in (f".evidence-explorer.staging-{proc.pid}", f".evidence-explorer.trash-{proc.pid}"):
            (out / name).mkdir()
            (out / name / MARKER).write_text("ours")
            (out / name / "index.html").write_text("half")
        run = build(out, "--base-url", "/x/")
        assert run.returncode == 0, run.stderr
        assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == [MARKER]


@needs_mount
def test_a_full_disk_is_exit_2_and_keeps_the_site(tmp_path):
    parent = tmp_path / "disk"
    with mounted(parent, "-t", "tmpfs", "-o", "size=2m", "tmpfs"):
        out = parent / "site"
        assert build(out).returncode == 0
        before = tree_digest(out)
        free = os.statvfs(parent)
        filler = parent / "filler"
        with open(filler, "wb") as f:  # leave a few KB: less than one more site
            with contextlib.suppress(OSError):
                f.write(b"\0" * max(0, free.f_bavail * free.f_frsize - 16_384))
        run = build(out, "--base-url", "/evidence/")
        assert run.returncode == 2, run.stderr
        assert "No space left on device (ENOSPC)" in run.stderr and f"'{out}'" in run.stderr, run.stderr
        assert "bug" not in run.stderr and "Traceback" not in run.stderr
        assert tree_digest(out) == before, "a full disk changed the published site"
        assert sorted(p.name for p in parent.iterdir()) == [".cache", "filler", "site"], "staging left behind"


@needs_mount
@pytest.mark.parametrize("where", ["parent", "output"])
def test_a_read_only_folder_is_exit_2_and_keeps_the_site(tmp_path, where):
    """Root ignores permissions, so read-only means a read-only mount: of the output's parent, or
    of the output itself (a read-only volume)."""
    volume = tmp_path / "volume"
    volume.mkdir()
    target = tmp_path / ("disk" if where == "parent" else "site")
    out = target / "site" if where == "parent" else target
    with mounted(target, "--bind", str(volume)):
        assert build(out).returncode == 0
        before = tree_digest(out)
        subprocess.run(["mount", "-o", "remount,bind,ro", str(target)], check=True)
        run = build(out, "--base-url", "/evidence/")
        assert run.returncode == 2, run.stderr
        assert "Read-only file system (EROFS)" in run.stderr and f"'{out}'" in run.stderr, run.stderr
        assert "bug" not in run.stderr
        assert tree_digest(out) == before


def test_a_cache_folder_that_cannot_be_written_is_exit_2_and_keeps_the_site(tmp_path):
    """The caches beside the output are written before the swap: a blocked one fails the build
    (exit 2, the path and the error), and the published site stays."""
    out = tmp_path / "site"
    assert build(out, "--no-cache").returncode == 0
    before = tree_digest(out)
    (tmp_path / ".cache").write_text("a file where the cache folder goes")
    run = build(out, "--base-url", "/evidence/")
    assert run.returncode == 2, run.stderr
    assert f"'{tmp_path / '.cache'}" in run.stderr and "(ENOTDIR)" in run.stderr, run.stderr
    assert tree_digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".cache", "site"], "staging left behind"


def test_an_os_error_in_a_worker_is_the_same_os_error_here():
    """A render worker that hits a full disk fails the build as an I/O fault (exit 2), not as a bug."""
    if "fork" not in __import__("multiprocessing").get_all_start_methods():
        pytest.skip("no fork here")

    def work(share):
        if share == 2:
            raise OSError(errno.ENOSPC, "No space left on device", "/x/page.html")
        return share

    with pytest.raises(OSError) as caught:
        fork_map([1, 2], work)
    assert caught.value.errno == errno.ENOSPC and caught.value.filename == "/x/page.html"


def test_describe_os_error():
    assert describe_os_error(OSError(errno.ENOSPC, "No space left on device")) == \
        "No space left on device (ENOSPC)"
    assert describe_os_error(OSError(errno.EBUSY, "Device or resource busy", "/a", None, "/b")) == \
        "'/a' -> '/b': Device or resource busy (EBUSY)"


def test_a_full_disk_while_the_exports_are_written_beside_the_specs_keeps_the_site(tmp_path, monkeypatch):
    """The exports are written into the staging folder by the process that computes them (a child
    beside the page specs): a full disk there fails the build as an I/O fault, the staging folder
    goes and the published site stays."""
    from evidence_explorer import pipeline
    from evidence_explorer.options import BuildOptions
    from evidence_explorer.site.publish import OutputError

    out = tmp_path / "site"
    assert pipeline.build(BuildOptions(content=MINIMAL, output=out, search=False)).written
    before = tree_digest(out)
    real = pipeline.write_files

    def full(staging, files):
        if any(rel.startswith("data/") for rel in files):
            raise OSError(errno.ENOSPC, "No space left on device", str(staging / "data"))
        return real(staging, files)

    monkeypatch.setattr(pipeline, "write_files", full)
    with pytest.raises(OutputError, match="ENOSPC"):
        pipeline.build(BuildOptions(content=MINIMAL, output=out, search=False))
    assert tree_digest(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".cache", "site"], "staging left behind"
