"""serve's search files while the background refresh replaces the index (dev/search_bundle.py).

A search in the browser reads ``pagefind-entry.json``, then the files it names, then the chunks
those name, as the reader types; each edit's refresh makes a bundle with other hashes. These tests
stand where a browser would at the moments that matter: across a refresh (the previous bundle's
files must still be there), at every rename of an install (the entry a request could read names
files that exist), and across a full rebuild (a site.yaml edit replaces the whole site). Each
failed before the bundle was installed file by file: the previous bundle was deleted as soon as
the new one was in, a system without ``RENAME_EXCHANGE`` had no ``pagefind/`` between two
renames, and a full rebuild served a site without one until Pagefind had run again.
"""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import evidence_explorer.dev.serve_refresh as refresh_module
import evidence_explorer.site.publish as publish
from evidence_explorer.dev.search_bundle import bundle_files, install
from evidence_explorer.dev.serve import DevServer
from evidence_explorer.pipeline import BuildOptions

from test_serve import PAPER, THEORY, touch_later, wait_for


def search_server(make_site, tmp_path) -> DevServer:
    content = make_site({"papers/doe-2020.md": PAPER, "theories/T1.md": THEORY})
    logs: list[str] = []
    dev = DevServer(BuildOptions(content=content, output=tmp_path / "out", search=True), log=logs.append)
    dev.logs = logs  # type: ignore[attr-defined]
    assert dev.build() is not None and dev.state is not None, logs
    assert wait_for(lambda: dev.refresher.indexed >= 1), logs
    return dev


def edit(dev: DevServer, word: str, now: float) -> None:
    """A text edit of the paper, rebuilt (the refresh that follows re-indexes)."""
    touch_later(dev.options.content / "papers" / "doe-2020.md", PAPER.replace("Body of the study.", word))
    dev.poll(now=now)
    assert dev.poll(now=now + 10.0) is not None, dev.logs  # type: ignore[attr-defined]


def reindexed(dev: DevServer, count: int) -> None:
    assert wait_for(lambda: dev.refresher.indexed >= count and not dev.refresher.running), \
        dev.logs  # type: ignore[attr-defined]


def first_reads(bundle: Path) -> list[str]:
    """What a search reads before it asks for chunks: the script, the entry and the files the entry names."""
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    named = [f"pagefind.{lang['hash']}.pf_meta" for lang in entry["languages"].values()]
    named += [f"wasm.{lang['wasm']}.pagefind" for lang in entry["languages"].values()]
    return ["pagefind.js", "pagefind-entry.json", *named]


def test_a_search_begun_before_a_refresh_finds_its_files_after_it(make_site, tmp_path):
    """The bundle a browser started reading stays whole through the next refresh, beside the new one;
    the one before it goes (one generation kept, so the folder does not grow with every edit)."""
    dev = search_server(make_site, tmp_path)
    bundle = dev.options.output / "pagefind"
    try:
        first = bundle_files(bundle)
        first_meta = [name for name in first_reads(bundle) if name.endswith(".pf_meta")]
        edit(dev, "Zymurgyword appears.", 0.0)
        reindexed(dev, 2)
        second = bundle_files(bundle) - first
        assert second, "the edit changed the index: new chunk files"
        assert not [rel for rel in first if not (bundle / rel).is_file()], "the previous bundle went at once"
        assert all((bundle / rel).is_file() for rel in first_reads(bundle))
        edit(dev, "Quixotryword appears.", 20.0)
        reindexed(dev, 3)
        assert not any((bundle / name).exists() for name in first_meta)
        assert all((bundle / rel).is_file() for rel in second)  # the bundle just replaced: kept
        assert len([rel for rel in bundle_files(bundle) if rel.endswith(".pf_meta")]) == 2
    finally:
        dev.close()


def test_every_step_of_an_install_leaves_what_a_search_reads(make_site, tmp_path, monkeypatch):
    """After every rename while a new index goes in (a request can come between any two), the script,
    the entry and what it names are there, as is what the entry read before the refresh named; also
    where the system cannot exchange two folders in one step."""
    dev = search_server(make_site, tmp_path)
    bundle = dev.options.output / "pagefind"
    before = first_reads(bundle)
    entry = (bundle / "pagefind-entry.json").read_text(encoding="utf-8")
    problems: list[str] = []
    steps = []
    real_rename, real_replace = os.rename, os.replace

    def look() -> None:
        steps.append(threading.current_thread().name)
        missing = [name for name in before if not (bundle / name).is_file()]
        if not missing:
            missing = [name for name in first_reads(bundle) if not (bundle / name).is_file()]
        if missing:
            problems.append(f"step {len(steps)}: {missing}")

    def rename(src, dst, *args, **kwargs):
        real_rename(src, dst, *args, **kwargs)
        look()

    def replace(src, dst, *args, **kwargs):
        real_replace(src, dst, *args, **kwargs)
        look()

    try:
        monkeypatch.setattr(publish, "_exchange", lambda a, b: False)  # (a file system without it)
        monkeypatch.setattr(os, "rename", rename)
        monkeypatch.setattr(os, "replace", replace)
        edit(dev, "Zymurgyword appears.", 0.0)
        reindexed(dev, 2)
    finally:
        monkeypatch.undo()
        dev.close()
    assert (bundle / "pagefind-entry.json").read_text(encoding="utf-8") != entry, "a new index went in"
    assert problems == [], problems


def test_a_full_rebuild_keeps_the_search_files_until_the_refresh_replaces_them(make_site, tmp_path, monkeypatch):
    """A site.yaml edit builds the whole site again and swaps it in: the search files served before
    are in it, whole, while Pagefind indexes the new site (held here until they were looked at)."""
    dev = search_server(make_site, tmp_path)
    bundle = dev.options.output / "pagefind"
    files = bundle_files(bundle)
    held, real_index = threading.Event(), refresh_module.index_site

    def index_when_released(*args, **kwargs):
        held.wait(60)
        return real_index(*args, **kwargs)

    monkeypatch.setattr(refresh_module, "index_site", index_when_released)
    try:
        touch_later(dev.options.content / "site.yaml", "title: Test site renamed\n")
        dev.poll(now=0.0)
        outcome = dev.poll(now=10.0)
        assert outcome is not None and outcome.full and outcome.state is not None, \
            dev.logs  # type: ignore[attr-defined]
        assert "Test site renamed" in (dev.options.output / "index.html").read_text(encoding="utf-8")
        assert bundle_files(bundle) == files
        assert all((bundle / name).is_file() for name in first_reads(bundle))
    finally:
        held.set()
    reindexed(dev, 2)
    dev.close()
    assert (bundle / "pagefind-entry.json").is_file()


def test_install_keeps_the_bundle_it_replaces_for_one_more(tmp_path, monkeypatch):
    """The first bundle is moved in whole; later ones file by file, the entry last, a chunk already
    there left as it is; a bundle stays until the one after its replacement is in; a folder of
    unknown files keeps them once more."""
    def bundle(name: str, *chunks: str) -> Path:
        folder = tmp_path / name
        for rel in ("pagefind.js", "pagefind-entry.json", *chunks):
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_text(f"{name} {rel}", encoding="utf-8")
        return folder

    live = tmp_path / "site" / "pagefind"
    live.parent.mkdir()
    first = install(bundle("a", "index/a.pf_index"), live, None)
    assert first == {"pagefind.js", "pagefind-entry.json", "index/a.pf_index"} == bundle_files(live)
    second = install(bundle("b", "index/b.pf_index"), live, first)
    assert bundle_files(live) == first | second
    assert (live / "pagefind-entry.json").read_text(encoding="utf-8") == "b pagefind-entry.json"
    install(bundle("c", "index/c.pf_index"), live, second)
    assert bundle_files(live) == {"pagefind.js", "pagefind-entry.json", "index/b.pf_index", "index/c.pf_index"}
    (live / "index" / "stray.pf_index").write_text("?", encoding="utf-8")
    install(bundle("d", "index/d.pf_index"), live, None)
    assert "index/stray.pf_index" in bundle_files(live) and "index/b.pf_index" in bundle_files(live)

    order: list[str] = []
    real_replace = os.replace

    def replace(src, dst):
        order.append(Path(dst).name)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    install(bundle("e", "index/e.pf_index", "index/d.pf_index", "fragment/e.pf_fragment"), live, None)
    assert order[-1] == "pagefind-entry.json" and sorted(order) == sorted(
        ["pagefind.js", "e.pf_index", "e.pf_fragment", "pagefind-entry.json"])  # index/d: there already
    assert (live / "index" / "d.pf_index").read_text(encoding="utf-8") == "d index/d.pf_index"
