"""Loading in forked workers (parallel_load.py) gives the same entities and the same diagnostics,
in the same order, as the serial load; a worker's failure fails the build."""
from __future__ import annotations

import os
import shutil

import pytest

from evidence_explorer.content import validate
from evidence_explorer.speed import parallel_load
from evidence_explorer.content.diagnostics import Report
from evidence_explorer.pipeline import load_config, load_corpus

from conftest import ROOT, SITES, run_cli

INVALID = sorted(p.name for p in (SITES / "invalid").iterdir() if p.is_dir())
FOLDERS = [ROOT / "content", SITES / "minimal", SITES / "hostile", SITES / "integrity"] + \
          [SITES / "invalid" / name for name in INVALID]

pytestmark = pytest.mark.skipif(parallel_load.effective_jobs(2, 10 ** 6) == 1, reason="no fork here")


@pytest.fixture
def small_shares(monkeypatch):
    monkeypatch.setattr(parallel_load, "MIN_FILES_PER_JOB", 1)


def entities(folder, jobs):
    report = Report()
    config = load_config(folder, report)
    if config is None:
        return None, report.items
    return parallel_load.load_entities(folder, str(folder), config, report, jobs), report.items


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: p.name)
def test_same_entities_and_diagnostics_as_serial(folder, small_shares):
    serial = entities(folder, 1)
    for jobs in (2, 3):
        assert entities(folder, jobs) == serial


def test_same_failed_ids_as_serial(small_shares):
    """The ids claimed by files that failed (for "has errors" instead of "unknown id") are the same."""
    folder = SITES / "invalid" / "knock-on"
    config = load_config(folder, Report())
    found = [parallel_load.load_all(folder, "", config, Report(), jobs)[1] for jobs in (1, 2, 3)]
    assert found[0] == found[1] == found[2] == {
        "jones-2020": ("paper", "papers/jones.md"), "lee-2021": ("paper", "papers/lee-2021.md"),
        "smith-2019": ("paper", "papers/smith-2019.md")}


def test_the_shares_are_really_loaded_elsewhere(small_shares, monkeypatch):
    parent = os.getpid()
    seen = []
    original = parallel_load.load_share

    def spy(content_dir, refs, config, fast=True):
        if os.getpid() == parent:
            seen.append(len(refs))
        return original(content_dir, refs, config, fast)

    monkeypatch.setattr(parallel_load, "load_share", spy)
    loaded, _ = entities(ROOT / "content", 2)
    serial, _ = entities(ROOT / "content", 1)
    assert loaded == serial
    assert seen and sum(seen) < len(serial)  # this process read only its share: the rest came from the worker


def test_corpus_equal_with_jobs(small_shares):
    one, two = Report(), Report()
    a = load_corpus(ROOT / "content", one, jobs=1)
    b = load_corpus(ROOT / "content", two, jobs=2)
    assert a is not None and b is not None
    assert tuple(a.all()) == tuple(b.all()) and a.links == b.links and one.items == two.items


@pytest.mark.parametrize("case", ["duplicate-key", "missing-required", "unknown-ids", "yaml-syntax", "knock-on"])
def test_invalid_transcripts_with_jobs(case, small_shares, tmp_path):
    folder = SITES / "invalid" / case
    runs = [run_cli("build", "--content", ".", "--output", str(tmp_path / f"site{jobs}"), "--no-search",
                    "--jobs", str(jobs), cwd=folder) for jobs in (1, 2)]
    assert runs[0].code == runs[1].code != 0
    assert runs[0].err == runs[1].err == (folder / "expected.txt").read_text(encoding="utf-8").rsplit("exit:", 1)[0]


def test_a_worker_failure_fails_the_load(small_shares, monkeypatch, tmp_path):
    parent = os.getpid()
    original = validate.build_entity

    def broken(src, config, report):
        if os.getpid() != parent:
            raise RuntimeError("boom in a worker")
        return original(src, config, report)

    monkeypatch.setattr(parallel_load, "build_entity", broken)
    with pytest.raises(parallel_load.LoadError, match="boom in a worker"):
        entities(SITES / "minimal", 2)
    content = tmp_path / "content"
    shutil.copytree(SITES / "minimal", content)
    run = run_cli("build", "--content", str(content), "--output", str(tmp_path / "site"), "--no-search", "--jobs", "2")
    assert run.code == 3 and "internal error: LoadError" in run.err and not (tmp_path / "site").exists()


def test_the_collector_is_paused_while_loading_and_restored(monkeypatch):
    import gc
    seen = []
    original = validate.build_entity

    def spy(src, config, report):
        seen.append(gc.isenabled())
        return original(src, config, report)

    monkeypatch.setattr(validate, "build_entity", spy)  # the serial load is content.validate's
    assert gc.isenabled()
    loaded, _ = entities(SITES / "minimal", 1)
    assert loaded and seen and not any(seen) and gc.isenabled()

    def broken(src, config, report):
        raise RuntimeError("boom")

    monkeypatch.setattr(validate, "build_entity", broken)
    with pytest.raises(RuntimeError):
        entities(SITES / "minimal", 1)
    assert gc.isenabled()  # restored after a failure too
    gc.disable()
    try:
        monkeypatch.setattr(validate, "build_entity", original)
        entities(SITES / "minimal", 1)
        assert not gc.isenabled()  # and left off when it was off
    finally:
        gc.enable()


@pytest.mark.parametrize("jobs", [1, 2, 3, 8])
@pytest.mark.parametrize("count", [0, 1, 2, 7, 100, 15_128])
def test_shares_deal_every_file_once_interleaved_and_weighted(count, jobs):
    """``shares``: every file in exactly one share, each share in load order and spread over the
    whole list (every collection reaches every worker), the first share ``FIRST_SHARE`` times as
    large as each other one, to within a file."""
    owned = parallel_load.shares(count, jobs)
    assert len(owned) == jobs and sorted(i for share in owned for i in share) == list(range(count))
    assert all(share == sorted(share) for share in owned)
    total = parallel_load.FIRST_SHARE + jobs - 1
    for k, share in enumerate(owned):
        weight = parallel_load.FIRST_SHARE if k == 0 else 1.0
        assert abs(len(share) - count * weight / total) <= 1.5
        if count >= 100:  # interleaved: no share keeps a long run of the list to itself
            assert max(b - a for a, b in zip(share, share[1:])) <= jobs + 1
