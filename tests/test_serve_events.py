"""serve follows the OS's file events (watchfiles) instead of polling: an edit arrives as one settled
batch, hidden and editor temp files are ignored, the rebuild follows, polling stays as the fallback."""
from __future__ import annotations

import gc
import queue
import time
from pathlib import Path

import pytest

from evidence_explorer.dev import watch
from evidence_explorer.pipeline import BuildOptions
from evidence_explorer.dev.serve import DevServer
from evidence_explorer.dev.watch import EventWatcher

pytest.importorskip("watchfiles")

PAPER = "---\ntitle: A study\nauthors: [Doe J]\nyear: 2020\ntheories: [T1]\n---\nBody of the study.\n"
THEORY = "---\ntitle: Theory one\n---\nNarrative.\n"


def watching(root: Path):
    batches: queue.Queue = queue.Queue()
    problems: list[str] = []
    watcher = EventWatcher([root], batches.put, problems.append)
    assert watcher.start()
    return watcher, batches, problems


def test_an_editor_save_arrives_as_one_batch_without_temp_files(tmp_path):
    (tmp_path / "papers").mkdir()
    paper = tmp_path / "papers" / "a.md"
    paper.write_text("one", encoding="utf-8")
    watcher, batches, problems = watching(tmp_path)
    try:
        # a save as editors do it: swap file, backup, write to a temporary file, rename over the original
        (tmp_path / "papers" / ".a.md.swp").write_text("swap", encoding="utf-8")
        (tmp_path / "papers" / "a.md~").write_text("backup", encoding="utf-8")
        tmp = tmp_path / "papers" / "a.md.tmp"
        tmp.write_text("two", encoding="utf-8")
        tmp.rename(paper)
        (tmp_path / ".git").mkdir()
        (tmp_path / ".git" / "index").write_text("x", encoding="utf-8")
        batch = batches.get(timeout=5)
        time.sleep(3 * watch.QUIET_MS / 1000)
        while not batches.empty():
            batch |= batches.get()
        assert batch == {str(paper.resolve())}
        assert not problems
    finally:
        watcher.stop()


def test_a_watcher_delivers_nothing_for_ignored_paths_and_stops(tmp_path):
    watcher, batches, problems = watching(tmp_path)
    (tmp_path / "#a.md#").write_text("x", encoding="utf-8")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "x.pyc").write_text("x", encoding="utf-8")
    time.sleep(0.3)
    watcher.stop()
    assert batches.empty() and not problems
    assert watcher._thread is not None and not watcher._thread.is_alive()


def test_events_rebuild_the_edited_page(make_site, tmp_path):
    content = make_site({"papers/doe-2020.md": PAPER, "theories/T1.md": THEORY})
    dev = DevServer(BuildOptions(content=content, output=tmp_path / "out", search=False), log=lambda text: None)
    assert dev.build() is not None and dev.state is not None
    assert gc.get_freeze_count() > 0  # the session's full build is out of the collector's way
    outcomes: queue.Queue = queue.Queue()
    watcher = EventWatcher(dev.roots, lambda paths: outcomes.put(dev.notice(paths)), lambda problem: None)
    assert watcher.start()
    try:
        (content / "papers" / "doe-2020.md").write_text(PAPER.replace("A study", "An evented title"),
                                                        encoding="utf-8")
        outcome = outcomes.get(timeout=10)
        assert outcome is not None and outcome.state is not None and "papers/doe-2020/" in outcome.rendered
        html = (dev.options.output / "papers/doe-2020/index.html").read_text(encoding="utf-8")
        assert "An evented title" in html
        assert dev.notice({str(content / "notes.txt")}) is None  # not content: nothing to rebuild
    finally:
        watcher.stop()
        gc.unfreeze()


def test_without_watchfiles_the_watcher_says_so(tmp_path, monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_watchfiles(name, *args, **kwargs):
        if name == "watchfiles":
            raise ImportError("no watchfiles")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_watchfiles)
    assert EventWatcher([tmp_path], lambda paths: None, lambda problem: None).start() is False
