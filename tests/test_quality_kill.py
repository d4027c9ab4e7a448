"""SIGKILL in the middle of rendering leaves the previous site intact, and the next build is whole.

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
    shutil.rmtree(tmp_path / ".cache", ignore_errors=True)  # a cold render is slower: easier to catch
    rendered = _kill_while_rendering(content, out)
    assert rendered >= 10
    assert tree_digest(out) == before, "SIGKILL during rendering changed the published site"
    assert list(tmp_path.glob(".site.staging-*")), "the killed build's staging folder is there"
    # The next build succeeds, removes the abandoned staging folder, and equals a clean build.
    run = run_cli("build", "--content", str(content), "--output", str(out), "--no-search", "--quiet")
    assert run.code == 0, run.err
    assert not list(tmp_path.glob(".site.staging-*")), "abandoned staging folder left behind"
    clean = tmp_path / "clean" / "site"
    assert run_cli("build", "--content", str(content), "--output", str(clean), "--no-search",
                   "--quiet").code == 0
    assert _files(out) == _files(clean)


def test_swap_replaces_the_site_in_one_step(tmp_path, monkeypatch):
    """The publish step is one atomic exchange on Linux; without it, two renames still end whole."""
    from evidence_explorer import pipeline
    for atomic in (True, False):
        out, staging = tmp_path / "site", tmp_path / ".site.staging-1"
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()
        (out / "old.html").write_text("old")
        staging.mkdir()
        (staging / "new.html").write_text("new")
        if not atomic:
            monkeypatch.setattr(pipeline, "_exchange", lambda a, b: False)
        elif sys.platform.startswith("linux"):
            assert pipeline._exchange(staging, out) and (staging / "old.html").exists()
            pipeline._exchange(staging, out)  # and back
        pipeline.swap(staging, out)
        assert [p.name for p in out.iterdir()] == ["new.html"]
        assert sorted(p.name for p in tmp_path.iterdir()) == ["site"], "nothing may be left beside it"
