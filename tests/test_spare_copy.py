"""The spare site a cold ``build --page-cache`` leaves (dev/spare.py): its snapshot's background writer
copies the published pages into a new spare, so the very next build goes through the snapshot. The
copy is checked file by file against the build's record: a published page changed before the copy
(same size, other bytes) means no spare and nothing left behind, and the next build is the full one;
a spare already there that nothing describes is replaced. Every site equals a cold build's."""
from __future__ import annotations

import os
import shutil

from evidence_explorer.dev import snapshot, snapshot_build, spare
from evidence_explorer.site.publish import MARKER, spare_path

from conftest import run_cli
from test_cache_files import own_key  # noqa: F401 (autouse: a cache key of each test's own)
from test_differential import Site, assert_same_site, cold_build
from test_snapshot_build import spied  # noqa: F401 (a fixture)


def build(site: Site, output, tmp_path, jobs: str = "2") -> None:
    run = run_cli("build", "--page-cache", "--content", str(site.content), "--output", str(output), "--no-search",
                  "--quiet", "--jobs", jobs)
    code, err, cold = cold_build(site.content, tmp_path, [])
    assert (run.code, run.err, code) == (code, err, 0)
    assert_same_site(output, cold, site.bodies)


def leftovers(output) -> list[str]:
    return sorted(p.name for p in output.parent.iterdir() if ".staging-" in p.name or ".old-" in p.name)


def test_a_cold_build_leaves_a_spare_and_the_next_build_goes_through_the_snapshot(tmp_path, spied):
    taken, rendered = spied
    site = Site(tmp_path / "content")
    for jobs in ("1", "2"):  # the export stage in this process, then in the child
        output = tmp_path / f"out{jobs}" / "site"
        taken.clear()
        site.apply(("body", 3, int(jobs)))
        build(site, output, tmp_path, jobs)
        snapshot.wait_for_writer(output)
        copy = spare_path(output)
        pages = {p.relative_to(output).as_posix(): p.read_bytes() for p in output.rglob("*.html")}
        assert (copy / MARKER).is_file() and pages
        assert {rel: (copy / rel).read_bytes() for rel in pages} == pages
        assert not leftovers(output)
        site.apply(("body", 3, 3))
        rendered.clear()
        build(site, output, tmp_path, jobs)
        assert taken == [False, True], jobs
        assert "cmocs/c2/" in rendered and len(rendered) < len(pages)


def test_a_page_changed_before_the_copy_means_no_spare(tmp_path, spied, monkeypatch):
    taken, _rendered = spied
    site, output = Site(tmp_path / "content"), tmp_path / "out" / "site"
    real = spare.copied

    def tampered(out, current):
        page = out / "about" / "index.html"
        data = page.read_bytes()
        page.write_bytes(data.replace(b"About", b"Abuot", 1))  # same size, other bytes
        return real(out, current)

    monkeypatch.setattr(snapshot_build, "copied_spare", tampered)
    site.apply(("body", 3, 1))
    run_cli("build", "--page-cache", "--content", str(site.content), "--output", str(output), "--no-search",
            "--quiet", "--jobs", "1")
    snapshot.wait_for_writer(output)
    assert not spare_path(output).exists() and not leftovers(output)
    monkeypatch.setattr(snapshot_build, "copied_spare", real)
    site.apply(("body", 3, 2))
    build(site, output, tmp_path)  # the full build (no spare), its site right again
    assert taken == [False, False]


def test_a_spare_nothing_describes_is_replaced_and_a_folder_not_ours_is_left_alone(tmp_path):
    site, output = Site(tmp_path / "content"), tmp_path / "out" / "site"
    site.apply(("body", 3, 1))
    run_cli("build", "--page-cache", "--content", str(site.content), "--output", str(output), "--no-search",
            "--quiet", "--jobs", "1")
    snapshot.wait_for_writer(output)
    loaded = snapshot.load(snapshot.snapshot_path(output))
    assert loaded is not None and loaded.spare is not None
    stray = spare_path(output) / "stray" / "index.html"
    stray.parent.mkdir()
    stray.write_text("not ours to keep")
    record = spare.copied(output.resolve(), loaded.current)
    assert record is not None and not stray.exists() and not leftovers(output)
    assert set(record["files"]) == set(loaded.current["files"])
    assert all(os.stat(spare_path(output) / rel).st_ino == entry[4] for rel, entry in record["files"].items())
    mine = spare_path(output)
    shutil.rmtree(mine)
    mine.mkdir()
    (mine / "notes.txt").write_text("a folder of the user's, no marker")
    assert spare.copied(output.resolve(), loaded.current) is None
    assert (mine / "notes.txt").is_file() and not leftovers(output)
