"""``serve``'s collector (speed/memory.py): rebuilds run with the collector held, so no collection
walks the session's objects in the middle of an edit; the state after each is frozen, and the
reference cycles a replaced state leaves are collected once the frozen objects grow by a quarter,
so a long session of edits does not pile objects up."""
from __future__ import annotations

import gc
import shutil
import time
from pathlib import Path

from evidence_explorer.dev.changes import Changes
from evidence_explorer.dev.serve import DevServer
from evidence_explorer.pipeline import BuildOptions
from evidence_explorer.speed import memory

DEMO = Path(__file__).resolve().parent.parent / "content"


def toggle_title(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("title: X", "title: ", 1) if "title: X" in text else text.replace("title: ", "title: X", 1),
                    encoding="utf-8")


def test_structural_edits_run_without_collections_and_do_not_pile_up(tmp_path, monkeypatch):
    content = tmp_path / "content"
    shutil.copytree(DEMO, content)
    dev = DevServer(BuildOptions(content=content, output=tmp_path / "site", search=False), log=lambda text: None,
                    early=True)
    during: list[int] = []  # collections that started in the middle of a rebuild
    rebuilding = [0]

    def marked(real):
        def run(*args, **kwargs):
            rebuilding[0] += 1
            try:
                return real(*args, **kwargs)
            finally:
                rebuilding[0] -= 1
        return run

    from evidence_explorer.dev import serve
    for name in ("prepare", "finish", "rebuild"):
        monkeypatch.setattr(serve, name, marked(getattr(serve, name)))

    def count(phase: str, info: dict) -> None:
        if phase == "start" and rebuilding[0]:
            during.append(info["generation"])

    gc.callbacks.append(count)
    try:
        dev.build()
        frozen: list[int] = []
        files = sorted((content / "cmocs").glob("*.md"))[:3] + sorted((content / "theories").glob("*.md"))[:3]
        for k in range(30):
            path = files[k % len(files)]
            toggle_title(path)
            dev.build(Changes(content=frozenset({path.relative_to(content).as_posix()})))
            dev.settle()
            frozen.append(gc.get_freeze_count())
        assert max(frozen[10:]) <= frozen[0] * memory.REGROWTH * 1.1, frozen  # bounded, not growing
        assert any(b < a for a, b in zip(frozen, frozen[1:])), frozen  # (collected now and then)
    finally:
        gc.callbacks.remove(count)
        dev.close()
        gc.unfreeze()
    assert during == []
    deadline = time.monotonic() + 30  # (the background refresh may still be ending)
    while memory._holders and time.monotonic() < deadline:
        time.sleep(0.01)
    assert gc.isenabled() and not memory._holders


def test_a_serve_session_hands_the_interpreter_lock_between_threads_often(tmp_path):
    """An edit's first look runs beside the export refresh's thread; at the default switch interval
    (5 ms) it waited up to 5 ms for the lock after each read or write, and single edits at 30,200
    entities varied from 52 to 277 ms; at 0.5 ms, 51-88 ms (docs/performance.md, fifteenth pass)."""
    import sys

    from evidence_explorer.dev.serve import SWITCH_S
    before = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.005)
        dev = DevServer(BuildOptions(content=DEMO, output=tmp_path / "site", search=False), log=lambda text: None)
        assert sys.getswitchinterval() == SWITCH_S <= 0.001
        dev.close()
        assert sys.getswitchinterval() == 0.005  # put back (tests run sessions in their own process)
    finally:
        sys.setswitchinterval(before)
