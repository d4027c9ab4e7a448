"""SIGKILL in the middle of rendering leaves the previous site intact, and the next build is whole;
a SIGKILL at any moment of the clean-up after the swap leaves only folders the next build removes.

Run alone: ``./dev test tests/test_quality_kill.py``.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import ROOT, run_cli
from test_quality_bad_input import tree_digest


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _kill_while_rendering(content: Path, out: Path) -> int:
    """Start a build and SIGKILL it once pages are being written to its staging directory.

    Returns how many rendered pages the staging directory held at the kill.
    """
    proc = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "build", "--content", str(content),
                             "--output", str(out), "--no-search", "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            for staging in out.parent.glob(f".{out.name}.staging-*"):
                rendered = sum(1 for _ in (staging / "papers").glob("*/index.html"))
                if rendered >= 10:
                    os.kill(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=10)
                    assert proc.returncode == -signal.SIGKILL
                    return rendered
            time.sleep(0.002)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    raise AssertionError(f"the build ended (exit {proc.returncode}) before it could be killed while "
                         f"rendering: {proc.stderr.read().decode()[-2000:] if proc.stderr else ''}")


def test_sigkill_during_rendering_keeps_previous_site(tmp_path):
    content = ROOT / "content"
    out = tmp_path / "site"
    run = run_cli("build", "--content", str(content), "--output", str(out), "--no-search", "--quiet")
    assert run.code == 0, run.err
    before = tree_digest(out)
    clean = _files(out)  # a clean build of the same content with the same options
    shutil.rmtree(tmp_path / ".cache", ignore_errors=True)  # a cold render is slower: easier to catch
    rendered = _kill_while_rendering(content, out)
    assert rendered >= 10
    assert tree_digest(out) == before, "SIGKILL during rendering changed the published site"
    assert list(tmp_path.glob(".site.staging-*")), "the killed build's staging folder is there"
    # The next build succeeds, removes the abandoned staging folder, and equals a clean build.
    run = run_cli("build", "--content", str(content), "--output", str(out), "--no-search", "--quiet")
    assert run.code == 0, run.err
    assert not list(tmp_path.glob(".site.staging-*")), "abandoned staging folder left behind"
    assert _files(out) == clean


def test_swap_replaces_the_site_in_one_step(tmp_path, monkeypatch):
    """The publish step is one atomic exchange on Linux; without it, two renames still end whole."""
    from evidence_explorer.site import publish
    for atomic in (True, False):
        out, staging = tmp_path / "site", tmp_path / ".site.staging-1"
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()
        (out / "old.html").write_text("old")
        staging.mkdir()
        (staging / "new.html").write_text("new")
        if not atomic:
            monkeypatch.setattr(publish, "_exchange", lambda a, b: False)
        elif sys.platform.startswith("linux"):
            assert publish._exchange(staging, out) and (staging / "old.html").exists()
            publish._exchange(staging, out)  # and back
        publish.swap(staging, out)
        assert [p.name for p in out.iterdir()] == ["new.html"]
        assert sorted(p.name for p in tmp_path.iterdir()) == ["site"], "nothing may be left beside it"


def _dead_pid() -> int:
    """The id of a process that has ended (reaped), standing for a build killed earlier."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


class _Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs (not an Exception: no handler catches it)."""


def _kill_after(monkeypatch, calls: int) -> list[int]:
    """Make the ``calls``-th deletion (unlink, rmdir, or a whole rmtree) of the clean-up the last
    one that happens, as a SIGKILL just before it would."""
    from evidence_explorer.site import publish
    count = [0]

    def step(real):
        def wrapped(*args, **kwargs):
            count[0] += 1
            if count[0] > calls:
                raise _Killed()
            return real(*args, **kwargs)
        return wrapped

    monkeypatch.setattr(publish.os, "unlink", step(os.unlink))
    monkeypatch.setattr(publish.os, "rmdir", step(os.rmdir))
    monkeypatch.setattr(publish.shutil, "rmtree", step(shutil.rmtree))
    return count


def test_sigkill_at_every_step_of_the_clean_up_leaves_nothing_the_next_build_keeps(tmp_path, monkeypatch):
    """Item 13: after the swap the staging folder holds the previous site and is deleted; a kill at
    any deletion of that clean-up (every one is tried, in order) leaves a folder the next build
    recognises (it still holds the marker, or it is empty) and removes. Before the fix the marker
    could go first, and the half-deleted folder then stayed forever."""
    from evidence_explorer.site import publish
    content = ROOT / "tests" / "sites" / "minimal"
    out = tmp_path / "site"
    assert run_cli("build", "--content", str(content), "--output", str(out), "--no-search", "--quiet").code == 0
    template = tmp_path / "previous"
    shutil.copytree(out, template)
    pid = _dead_pid()
    steps = 0
    while True:
        leftover = tmp_path / f".site.staging-{pid}"
        shutil.copytree(template, leftover)
        with monkeypatch.context() as m:
            count = _kill_after(m, steps)
            try:
                publish.remove_tree(leftover)
                finished = True
            except _Killed:
                finished = False
        if finished:
            assert not leftover.exists()
            break
        assert leftover.exists(), f"killed at deletion {steps}: the folder should still be there"
        publish.remove_abandoned(out)  # what the next build does first
        assert not leftover.exists(), f"a kill at deletion {steps} of the clean-up left {leftover.name}"
        steps += 1
    assert steps >= 10 and count[0] == steps  # the whole clean-up was walked through


def test_the_next_build_removes_every_leftover_a_kill_can_leave(tmp_path):
    """The states a killed build can leave beside the output (and inside a mount-point output): a
    staging folder with its marker, an empty one, an old site; a live process's folder and a
    stranger's folder of the same name without our marker stay."""
    content = ROOT / "tests" / "sites" / "minimal"
    out = tmp_path / "site"
    assert run_cli("build", "--content", str(content), "--output", str(out), "--no-search", "--quiet").code == 0
    pid = _dead_pid()
    with_marker = tmp_path / f".site.staging-{pid}"
    shutil.copytree(out, with_marker)
    shutil.rmtree(with_marker / "papers")  # half deleted
    empty = tmp_path / f".site.old-{_dead_pid()}"  # not pid + 1: on a busy machine that may be alive
    empty.mkdir()
    live = tmp_path / f".site.staging-{os.getpid()}"
    shutil.copytree(out, live)
    stranger = tmp_path / f".site.staging-{_dead_pid()}"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("mine")
    run = run_cli("build", "--content", str(content), "--output", str(out), "--no-search", "--quiet")
    assert run.code == 0, run.err
    assert not with_marker.exists() and not empty.exists()
    assert live.exists(), "a running build's staging folder must stay"
    assert (stranger / "notes.txt").read_text() == "mine", "a folder without our marker is not ours"


def test_a_file_written_during_the_clean_up_keeps_the_folder_recognisable(tmp_path, monkeypatch):
    """An interrupted ``build --page-cache`` deletes its staging folder while Pagefind, killed by the
    same Ctrl-C, may still write into it (found in a walkthrough: a ``.site.staging-<pid>`` holding
    only ``pagefind/``, no marker, kept by every later build). If anything is left after the
    deletion, the marker stays, and the next build removes the folder."""
    from evidence_explorer.site import publish
    out = tmp_path / "site"
    out.mkdir()
    leftover = tmp_path / f".site.staging-{_dead_pid()}"
    (leftover / "pagefind" / "index").mkdir(parents=True)
    (leftover / publish.MARKER).write_text("")
    (leftover / "index.html").write_text("<p>x</p>")
    real = shutil.rmtree

    def rmtree_while_written(path, ignore_errors=False):
        real(path, ignore_errors=ignore_errors)
        if os.path.basename(path) == "pagefind":  # the killed indexer's last write lands after the delete
            os.makedirs(os.path.join(path, "fragment"))
            Path(path, "fragment", "late.pf_fragment").write_bytes(b"x")

    monkeypatch.setattr(publish.shutil, "rmtree", rmtree_while_written)
    publish.remove_tree(leftover)
    assert (leftover / publish.MARKER).is_file() and not (leftover / "index.html").exists()
    monkeypatch.setattr(publish.shutil, "rmtree", real)
    publish.remove_abandoned(out)  # what the next build does first
    assert not leftover.exists()
