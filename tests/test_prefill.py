"""speed/prefill.py: while the parent waits for the exports' child it compiles the templates and
converts Markdown bodies into the cache for the render's workers. Builds whose wait converts every
body, or stops after the first, equal a plain build byte for byte."""
from __future__ import annotations

import importlib.util
import os
import sys
import time
from pathlib import Path

import pytest

from evidence_explorer import pipeline
from evidence_explorer.options import BuildOptions
from evidence_explorer.pipeline import PLAIN_ENV, build
from evidence_explorer.speed import parallel, prefill
from evidence_explorer.speed.parallel import can_fork, side_by_side

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("synth", ROOT / "benchmarks" / "synth.py")
synth = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("synth", synth)
_spec.loader.exec_module(synth)  # type: ignore[union-attr]

pytestmark = pytest.mark.skipif(not can_fork(), reason="needs fork and a single thread")


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_idle_work_runs_here_until_the_child_is_done():
    steps, seen_ready = [], []

    def idle(ready):
        while not ready():
            steps.append(os.getpid())
            time.sleep(0.01)
        seen_ready.append(True)

    def slow():
        time.sleep(0.5)
        return "exports"

    assert side_by_side(2, lambda: "specs", slow, idle) == ("specs", "exports")
    assert steps and set(steps) == {os.getpid()} and seen_ready == [True]
    steps.clear()
    assert side_by_side(1, lambda: "specs", slow, idle) == ("specs", "exports")
    assert not steps  # one after the other: nobody waits, nothing is done ahead


@pytest.mark.parametrize("held", [prefill.HELD_CHARS, 1])
@pytest.mark.parametrize("base", ["demo", "synthetic"])
def test_a_build_whose_wait_converts_bodies_equals_a_plain_one(base, held, tmp_path, monkeypatch):
    content = ROOT / "content" if base == "demo" else synth.write(150, tmp_path / "content")
    kept: list[int] = []
    from evidence_explorer.site.render import Renderer
    real_keep = Renderer.keep_body

    def counting_keep(self, entity):
        size = real_keep(self, entity)
        kept.append(size)
        return size

    def never_ready(job, ready):  # as if the exports' child took longer than the whole wait
        prefill.warm_render(job, lambda: False)

    monkeypatch.setattr(Renderer, "keep_body", counting_keep)
    monkeypatch.setattr(pipeline, "warm_render", never_ready)
    monkeypatch.setattr(prefill, "HELD_CHARS", held)
    assert parallel.effective_jobs(2, 1000) == 2
    options = BuildOptions(content=content, output=tmp_path / "fast", search=False, jobs=2)
    first = build(options)
    assert first.written and not first.report.errors
    bodies = sum(1 for e in first.corpus.all() if e.body)
    if held == 1:
        assert len([size for size in kept if size]) == 1 and kept[-1]  # stopped after the first body
    else:
        assert sum(1 for size in kept if size) == len({e.body for e in first.corpus.all() if e.body}) <= bodies
    fast_tree = tree(options.output)
    assert build(options).written and tree(options.output) == fast_tree  # the cache the first one saved
    monkeypatch.setenv(PLAIN_ENV, "1")
    plain = build(BuildOptions(content=content, output=tmp_path / "plain", search=False, jobs=2))
    assert plain.written and tree(tmp_path / "plain") == fast_tree
