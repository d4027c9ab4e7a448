"""``build``'s page cache (dev/page_cache.py): after an edit only the pages it can affect are rendered
and only changed files are written, and the site still equals a cold one-process build, byte for
byte. Generated sequences of every kind of edit run in ``test_differential.py``; here one
hand-written sequence also checks that the cache really works on the full path (the snapshot path,
``dev/snapshot_build.py``, turned off: ``test_snapshot_build.py`` tests it) (fewer pages rendered, unchanged files
left as they were), so the test fails if the cache silently stops being used."""
from __future__ import annotations

import os

from evidence_explorer.dev import page_cache, snapshot_build
from evidence_explorer.pipeline import PLAIN_ENV
from evidence_explorer.site.publish import spare_path

from conftest import run_cli
from test_differential import Site, assert_same_site, cold_build

STEPS = [("start",), ("body", 3, 3), ("body", 3, 0), ("cmoc", 1, "status", "contested"), ("cites", 2, 0),
         ("third",), ("title", 1, 3), ("rename", 0), ("cmoc", 2, "direction", "barrier"), ("third",),
         ("yaml", "language", "de"), ("orphan",)]


def test_edits_render_only_affected_pages_and_equal_cold_builds(tmp_path, monkeypatch):
    rendered: list[str] = []
    real = page_cache.render_recorded

    def counting(corpus, specs, *args, **kwargs):
        specs = list(specs)
        rendered.extend(s.url for s in specs)
        return real(corpus, specs, *args, **kwargs)

    monkeypatch.setattr(page_cache, "render_recorded", counting)
    monkeypatch.setattr(snapshot_build, "try_build", lambda *args: None)  # the full path: its own reuse
    site, output = Site(tmp_path / "content"), tmp_path / "out" / "site"
    inodes: list[int] = []
    for i, step in enumerate(STEPS):
        site.apply(step)
        rendered.clear()
        run = run_cli("build", "--page-cache", "--content", str(site.content), "--output", str(output), "--no-search", "--quiet",
                      "--jobs", "1")
        code, err, cold = cold_build(site.content, tmp_path, [])
        assert (run.code, run.err) == (code, err) and code == 0, (i, step, run.err)
        assert_same_site(output, cold, (i, step))
        total = sum(1 for p in output.rglob("*.html"))
        if i == 2:  # c2's body back as it was two builds ago: its page only, and the spare's copy is right
            assert "cmocs/c2/" in rendered and not {"papers/p1/", "about/"} & set(rendered), rendered
        if i >= 2 and step[0] in ("body", "cmoc"):  # a text or field edit: a fraction of the pages
            assert len(rendered) < total, (step, rendered)
        if i <= 2:
            inodes.append(os.stat(output / "papers" / "p1" / "index.html").st_ino)
    assert inodes[2] == inodes[0], "an unchanged page is left in the spare site, not written again"
    assert spare_path(output.resolve()).is_dir() and page_cache.state_path(output).is_file()


def test_no_cache_and_plain_builds_keep_no_spare_site(tmp_path, monkeypatch):
    site, output = Site(tmp_path / "content"), tmp_path / "out" / "site"
    for body in (2, 4):
        site.apply(("body", 0, body))
        assert run_cli("build", "--page-cache", "--content", str(site.content), "--output", str(output), "--no-search").code == 0
    assert spare_path(output.resolve()).is_dir()
    site.apply(("body", 0, 3))
    assert run_cli("build", "--page-cache", "--content", str(site.content), "--output", str(output), "--no-search",
                   "--no-cache").code == 0
    assert not spare_path(output.resolve()).exists() and not page_cache.state_path(output).exists()
    monkeypatch.setenv(PLAIN_ENV, "1")
    for step in (("body", 0, 1), ("title", 0, 2), ("body", 0, 0)):
        site.apply(step)
        assert run_cli("build", "--page-cache", "--content", str(site.content), "--output", str(output), "--no-search").code == 0
        assert not spare_path(output.resolve()).exists()
        assert_same_site(output, cold_build(site.content, tmp_path, [])[2], step)


def test_the_page_cache_is_off_unless_asked_for(tmp_path):
    """Default builds keep no spare site (the cache costs a cold build time and memory); a default build
    after a --page-cache one removes its state and spare, and gives the same site as a cold build."""
    site, output = Site(tmp_path / "content"), tmp_path / "out" / "site"
    site.apply(("body", 0, 2))
    assert run_cli("build", "--content", str(site.content), "--output", str(output), "--no-search").code == 0
    assert not spare_path(output.resolve()).exists() and not page_cache.state_path(output).exists()
    for flag in ("--page-cache", "--page-cache", ""):
        site.apply(("body", 0, 3 if flag else 1))
        assert run_cli("build", *([flag] if flag else []), "--content", str(site.content), "--output", str(output),
                       "--no-search").code == 0
    assert not spare_path(output.resolve()).exists() and not page_cache.state_path(output).exists()
    assert_same_site(output, cold_build(site.content, tmp_path, [])[2], "default after --page-cache")
