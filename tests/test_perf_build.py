"""Performance machinery, tested for correctness (timings live in benchmarks/, not here).

- the synthetic corpus of benchmarks/synth.py is deterministic and valid under ``check --strict``;
- a build with a warm Markdown cache is byte-identical to a cold one, and renders no Markdown;
- the cache key follows ``[[id]]`` targets; a failed build or a code-version change discards it;
- ``--jobs 2`` (forked workers) is byte-identical to ``--jobs 1``; worker failures are reported;
- per-page rendering work does not grow with the size of the site (function calls counted).
"""
from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from evidence_explorer.site import markup
from evidence_explorer.speed import parallel
from evidence_explorer.speed.cache import CACHE_FILE, SPOOL_PREFIX, MarkdownCache, Spool, cache_root, code_fingerprint
from evidence_explorer.content.diagnostics import Report
from evidence_explorer.pipeline import BuildOptions, build, load_corpus
from evidence_explorer.site.render import Renderer
from evidence_explorer.site.pages import collect_pages
from evidence_explorer.site.views import nav_items

from conftest import ROOT, SITES, run_cli

_spec = importlib.util.spec_from_file_location("synth", ROOT / "benchmarks" / "synth.py")
synth = importlib.util.module_from_spec(_spec)
sys.modules["synth"] = synth
_spec.loader.exec_module(synth)  # type: ignore[union-attr]


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def assert_same_tree(a: Path, b: Path) -> None:
    ta, tb = tree(a), tree(b)
    assert sorted(ta) == sorted(tb)
    different = [name for name in ta if ta[name] != tb[name]]
    assert different == [], f"files differ: {different[:5]}"


@pytest.fixture(scope="module")
def synth_content(tmp_path_factory) -> Path:
    return synth.write(40, tmp_path_factory.mktemp("synth") / "content")


def count_markdown_conversions(monkeypatch) -> list[int]:
    calls = [0]
    original = markup.MarkdownRenderer.block

    def counting(self, text):
        calls[0] += 1
        return original(self, text)

    monkeypatch.setattr(markup.MarkdownRenderer, "block", counting)
    return calls


# --- the synthetic corpus ------------------------------------------------------------------

def test_synth_is_deterministic_and_valid(tmp_path):
    a = synth.write(30, tmp_path / "a")
    b = synth.write(30, tmp_path / "b")
    assert_same_tree(a, b)
    assert len(list((a / "papers").glob("*.md"))) == 30
    assert len(list((a / "cmocs").glob("*.md"))) == 60
    assert len(list((a / "theories").glob("*.md"))) == 5
    assert synth.write(30, tmp_path / "c", seed=2) and tree(tmp_path / "c") != tree(a)
    run = run_cli("check", "--strict", "--content", str(a))
    assert run.code == 0, run.err
    assert " error: " not in run.err and " warning: " not in run.err, run.err


def test_synth_cli_refuses_a_non_empty_directory(tmp_path, capsys):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("mine")
    assert synth.main(["20", str(tmp_path / "x")]) == 2
    assert "exists and is not empty" in capsys.readouterr().err
    assert (tmp_path / "x" / "keep.txt").read_text() == "mine"


# --- the Markdown cache --------------------------------------------------------------------

def test_warm_cache_build_is_byte_identical_and_renders_no_markdown(synth_content, tmp_path, monkeypatch):
    cold = build(BuildOptions(content=synth_content, output=tmp_path / "cold", search=False, cache=False))
    assert cold.written
    assert not cache_root(tmp_path / "cold").exists()  # cache=False neither reads nor writes

    calls = count_markdown_conversions(monkeypatch)
    first = build(BuildOptions(content=synth_content, output=tmp_path / "site", search=False))
    rendered_first = calls[0]
    cache_file = cache_root(tmp_path / "site") / code_fingerprint() / CACHE_FILE
    assert first.written and cache_file.is_file()
    assert rendered_first >= 40 + 80  # every paper and CMOC body at least

    calls[0] = 0
    second = build(BuildOptions(content=synth_content, output=tmp_path / "site", search=False))
    assert second.written
    assert calls[0] == 0, "a warm cache should render no Markdown body"
    assert_same_tree(tmp_path / "cold", tmp_path / "site")


def test_cache_key_follows_link_targets(make_site, tmp_path):
    files = {
        "theories/T1.md": "---\ntitle: Old title\n---\nA theory.\n",
        "papers/p1.md": "---\ntitle: A paper\nauthors: [Smith J]\nyear: 2020\ntheories: [T1]\n---\n"
                        "Coded to [[T1]] and *emphasised*.\n",
    }
    content = make_site(files)
    out = tmp_path / "site"
    assert build(BuildOptions(content=content, output=out, search=False)).written
    page = (out / "papers" / "p1" / "index.html").read_text()
    assert "T1: Old title</a>" in page

    (content / "theories" / "T1.md").write_text("---\ntitle: New title\n---\nA theory.\n")
    assert build(BuildOptions(content=content, output=out, search=False)).written
    page = (out / "papers" / "p1" / "index.html").read_text()
    assert "T1: New title</a>" in page and "Old title" not in page
    assert build(BuildOptions(content=content, output=tmp_path / "cold", search=False, cache=False)).written
    assert_same_tree(tmp_path / "cold", out)


def test_cache_entries_differ_by_base_url_and_raw_html():
    resolve = {"t1": ("/x/theories/t1/", "T1")}.get
    a = MarkdownCache(None, "/|False").key("see [[t1]]", resolve)
    assert a == MarkdownCache(None, "/|False").key("see [[t1]]", resolve)
    assert a != MarkdownCache(None, "/sub/|False").key("see [[t1]]", resolve)
    assert a != MarkdownCache(None, "/|True").key("see [[t1]]", resolve)
    assert a != MarkdownCache(None, "/|False").key("see [[t1]]", {"t1": ("/x/theories/t1/", "T2")}.get)


def test_other_cache_versions_are_deleted(tmp_path):
    root = tmp_path / ".cache" / "evidence-explorer"
    (root / "v0.0.1-deadbeef").mkdir(parents=True)
    (root / "v0.0.1-deadbeef" / CACHE_FILE).write_bytes(b"old")
    cache = MarkdownCache.open(root, "/|False")
    assert not (root / "v0.0.1-deadbeef").exists()
    assert cache.directory == root / code_fingerprint()


def test_unreadable_cache_file_means_a_cold_start(tmp_path):
    root = tmp_path / "cache"
    (root / code_fingerprint()).mkdir(parents=True)
    (root / code_fingerprint() / CACHE_FILE).write_bytes(b"\x00not marshal data")
    cache = MarkdownCache.open(root, "s")
    html = cache.block("*hi*", lambda t: markup.Markup("<p><em>hi</em></p>"), lambda i: None)
    assert str(html) == "<p><em>hi</em></p>" and (cache.hits, cache.misses) == (0, 1)


def test_failed_build_discards_cache_and_keeps_previous_site(synth_content, tmp_path, monkeypatch):
    out = tmp_path / "site"
    assert build(BuildOptions(content=synth_content, output=out, search=False)).written
    before = tree(out)
    assert (cache_root(out) / code_fingerprint() / CACHE_FILE).is_file()

    original = Renderer.render

    def broken(self, page):
        if page.url.startswith("cmocs/cmoc-000007"):
            raise RuntimeError("template exploded")
        return original(self, page)

    monkeypatch.setattr(Renderer, "render", broken)
    with pytest.raises(RuntimeError, match="template exploded"):
        build(BuildOptions(content=synth_content, output=out, search=False))
    assert not (cache_root(out) / code_fingerprint()).exists()
    assert tree(out) == before
    assert not list(tmp_path.glob(".site.staging-*"))


# --- parallel rendering --------------------------------------------------------------------

def test_jobs_2_is_byte_identical_to_jobs_1(synth_content, tmp_path):
    one = build(BuildOptions(content=synth_content, output=tmp_path / "one", search=False, jobs=1, cache=False))
    assert parallel.effective_jobs(2, len(one.pages)) == 2, "site too small to exercise the workers"
    two = build(BuildOptions(content=synth_content, output=tmp_path / "two", search=False, jobs=2, cache=False))
    assert one.files == two.files
    assert_same_tree(tmp_path / "one", tmp_path / "two")


def test_jobs_2_with_cache_fills_it_from_every_worker(synth_content, tmp_path, monkeypatch):
    out = tmp_path / "site"
    assert build(BuildOptions(content=synth_content, output=out, search=False, jobs=2)).written
    assert not list(cache_root(out).rglob(f"{SPOOL_PREFIX}*")), "the render processes' spools were left behind"
    calls = count_markdown_conversions(monkeypatch)
    assert build(BuildOptions(content=synth_content, output=out, search=False, jobs=1)).written
    assert calls[0] == 0, "bodies rendered in the worker process were not saved to the cache"


def test_spool_round_trip_and_abandoned_spools(tmp_path):
    """What a process renders goes to its spool, not to memory, and comes back whole (non-ASCII and
    lone surrogates included); a killed build's spool goes at the next open, a live process's stays."""
    cache = MarkdownCache(tmp_path, "s")
    texts = {f"body {i} \u00e9\ud800": markup.Markup(f"<p>{i} \u00e9\ud800</p>") for i in range(3)}
    for text, html in texts.items():
        assert cache.block(text, lambda t, html=html: html, lambda i: None) == html
    assert cache.block("body 0 \u00e9\ud800", lambda t: texts[t], lambda i: None) == texts["body 0 \u00e9\ud800"]
    spooled, used = cache.delta()
    assert spooled is not None and len(used) == 3
    assert sorted(Spool.read(Path(spooled)).values()) == sorted(map(str, texts.values()))
    abandoned = tmp_path / f"{SPOOL_PREFIX}999999999-0000.tmp"
    abandoned.write_bytes(b"")
    Spool.remove_abandoned(tmp_path)
    assert not abandoned.exists() and Path(spooled).exists()  # this process is alive
    cache.discard()
    assert not tmp_path.exists()


def test_worker_failure_is_reported_with_its_traceback(synth_content, tmp_path, monkeypatch):
    original = Renderer.render
    corpus = load_corpus(synth_content, Report())
    pages = tuple(collect_pages(corpus))
    parent = os.getpid()

    def broken(self, page):
        if os.getpid() != parent:  # the first page the forked worker takes
            raise ValueError("bad page in worker")
        return original(self, page)

    monkeypatch.setattr(Renderer, "render", broken)
    with pytest.raises(parallel.RenderError, match="bad page in worker"):
        parallel.render_pages(pages, lambda: Renderer(corpus, "/", nav_items(corpus)), tmp_path / "staging", jobs=2)


@pytest.mark.parametrize("shared_counter", [True, False])
def test_render_processes_share_the_pages_and_write_each_once(synth_content, tmp_path, monkeypatch, shared_counter):
    """Each render process takes the next pages from a shared counter (both take part, every page is
    written once, by one of them); without a shared semaphore, fixed shares of every other page."""
    corpus = load_corpus(synth_content, Report())
    pages = tuple(collect_pages(corpus))
    if not shared_counter:
        import multiprocessing.context

        def no_semaphores(*args, **kwargs):
            raise OSError("no /dev/shm")
        monkeypatch.setattr(multiprocessing.context.ForkContext, "Value", no_semaphores, raising=False)
    by: dict[str, list[int]] = {}
    original = Renderer.render

    def noting(self, page):
        with open(tmp_path / f"by-{os.getpid()}", "a") as f:
            f.write(f"<{page.url}>\n")  # (the home page's URL is empty)
        return original(self, page)

    monkeypatch.setattr(Renderer, "render", noting)
    written = parallel.render_pages(pages, lambda: Renderer(corpus, "/", nav_items(corpus)), tmp_path / "staging", jobs=2)
    for note in tmp_path.glob("by-*"):
        for line in note.read_text().splitlines():
            by.setdefault(line[1:-1], []).append(int(note.name[3:]))
    assert len({pid for pids in by.values() for pid in pids}) == 2  # both processes rendered pages
    assert sorted(by) == sorted(p.url for p in pages) and all(len(pids) == 1 for pids in by.values())
    assert len(written) == len(pages) == len(set(written))
    if not shared_counter:  # every other page each
        assert {by[p.url][0] for p in pages[0::2]} == {os.getpid()}


def test_effective_jobs():
    assert parallel.effective_jobs(1, 10_000) == 1
    assert parallel.effective_jobs(4, 10_000) == 4
    assert parallel.effective_jobs(4, parallel.MIN_PAGES_PER_JOB * 2) == 2
    assert parallel.effective_jobs(8, 3) == 1
    assert parallel.effective_jobs(0, 10_000) == 1


# --- no per-page work proportional to the size of the site ---------------------------------

def _calls_per_page(content: Path, prefixes: tuple[str, ...], sample: int) -> dict[str, float]:
    corpus = load_corpus(content, Report())
    renderer = Renderer(corpus, "/", nav_items(corpus))
    pages = tuple(collect_pages(corpus))
    counts: dict[str, float] = {}
    for prefix in prefixes:
        chosen = [p for p in pages if p.url.startswith(prefix) and p.url != prefix
                  and not p.url.startswith(prefix + "page/")][:sample]  # entity pages, not index pages
        calls = [0]

        def profiler(frame, event, arg):
            if event in ("call", "c_call"):
                calls[0] += 1

        for name in renderer.env.list_templates(extensions=["html"]):  # every template compiled first,
            renderer.env.get_template(name)  # as a build does (speed/parallel.py): only rendering is counted
        sys.setprofile(profiler)
        try:
            for page in chosen:
                renderer.render(page)
        finally:
            sys.setprofile(None)
        counts[prefix] = calls[0] / len(chosen)
    return counts


def test_entity_pages_cost_the_same_in_a_site_twice_as_big(tmp_path):
    small = synth.write(250, tmp_path / "small")
    big = synth.write(500, tmp_path / "big")
    kinds = ("papers/", "cmocs/", "theories/")
    per_small = _calls_per_page(small, kinds, sample=25)
    per_big = _calls_per_page(big, kinds, sample=25)
    for kind in kinds:
        ratio = per_big[kind] / per_small[kind]
        assert ratio < 1.3, f"{kind} pages: {per_small[kind]:.0f} → {per_big[kind]:.0f} calls per page"


def test_frozen_heap_freezes_for_the_block_and_respects_an_outer_freeze():
    import gc
    assert gc.get_freeze_count() == 0
    with parallel.frozen_heap():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
    gc.freeze()
    try:
        outer = gc.get_freeze_count()
        with parallel.frozen_heap():
            pass
        assert gc.get_freeze_count() >= outer  # a caller's freeze (serve's) is left in place
    finally:
        gc.unfreeze()


@pytest.mark.parametrize("jobs", [1, 2])
def test_build_leaves_the_collector_unfrozen(synth_content, tmp_path, jobs):
    import gc
    result = build(BuildOptions(content=synth_content, output=tmp_path / f"site{jobs}", search=False, jobs=jobs))
    assert result.written and gc.get_freeze_count() == 0
    with pytest.raises(Exception):
        build(BuildOptions(content=synth_content, output=synth_content / "inside", search=False))
    assert gc.get_freeze_count() == 0  # also when the build fails after loading


def test_specs_linking_and_the_manifest_run_without_collections(tmp_path):
    """The page specs, the linking, the integrity checks and the up-to-date manifest make only
    objects that live to the end of the build: the collector is paused for them (at 5,000 papers its
    collections there found nothing and cost about 1.8 s of the parent's time). Checked with the
    collector set to run at every allocation, so the test fails whenever it is not paused."""
    import gc
    watched = {("link.py", "link"), ("pages.py", "collect_pages"), ("integrity.py", "findings"),
               ("uptodate.py", "sign_output"), ("page_cache.py", "save"), ("snapshot_build.py", "after_build")}
    seen: list[str] = []

    def callback(phase, info):
        if phase == "start":
            frame = sys._getframe(1)
            while frame is not None:
                where = (os.path.basename(frame.f_code.co_filename), frame.f_code.co_name)
                if where in watched:
                    seen.append(f"{where[1]} in {where[0]}")
                frame = frame.f_back

    threshold = gc.get_threshold()
    gc.collect()
    gc.freeze()  # (the test run's own objects: otherwise every collection walks them)
    gc.callbacks.append(callback)
    gc.set_threshold(1, 1, 1)
    try:
        for extra in ((), ("--page-cache",)):
            out = tmp_path / f"site{len(extra)}"
            assert run_cli("build", "--content", str(SITES / "minimal"), "--output", str(out),
                           "--no-search", "--jobs", "1", "-q", *extra).code == 0
    finally:
        gc.set_threshold(*threshold)
        gc.callbacks.remove(callback)
        gc.unfreeze()
    assert gc.isenabled()
    assert seen == []
