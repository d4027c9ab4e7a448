"""``build --page-cache`` through the snapshot (dev/snapshot_build.py): only what an edit affects is
rendered, and a snapshot that is not exactly what this user's last build saved is never used: a
truncated, corrupted, foreign-sealed one, or one sealed with the user's key that names a class
outside the package (it would run code when unpickled), means the full build, and every site equals
a cold one-process build. Generated sequences of edits run through it in ``test_differential.py``."""
from __future__ import annotations

import io
import os
import pickle

import pytest

from evidence_explorer.dev import incremental, snapshot, snapshot_build
from evidence_explorer.speed import seal, uptodate

from conftest import run_cli
from test_cache_files import forged, own_key  # noqa: F401 (own_key: autouse, a cache key of each test's own)
from test_differential import Site, assert_same_site, cold_build


@pytest.fixture
def spied(monkeypatch):
    """Which builds went through the snapshot, and the URLs each rendered."""
    taken: list[bool] = []
    rendered: list[str] = []
    real_try, real_render = snapshot_build.try_build, incremental.render_recorded

    def try_build(*args):
        done = real_try(*args)
        taken.append(done is not None)
        return done

    def render(corpus, specs, *args, **kwargs):
        specs = list(specs)
        rendered.extend(s.url for s in specs)
        return real_render(corpus, specs, *args, **kwargs)

    monkeypatch.setattr(snapshot_build, "try_build", try_build)
    monkeypatch.setattr(incremental, "render_recorded", render)
    return taken, rendered


def build(site: Site, output, tmp_path) -> None:
    run = run_cli("build", "--page-cache", "--content", str(site.content), "--output", str(output), "--no-search",
                  "--quiet", "--jobs", "2")
    code, err, cold = cold_build(site.content, tmp_path, [])
    assert (run.code, run.err) == (code, err)
    if code == 0:
        assert_same_site(output, cold, site.bodies)


class Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_snapshot_renders_in_proportion_and_bad_snapshots_are_ignored(tmp_path, spied, monkeypatch):
    taken, rendered = spied
    site, output = Site(tmp_path / "content"), tmp_path / "out" / "site"
    path = snapshot.snapshot_path(output)
    for body in (1, 2, 3):  # cold (its snapshot's writer copies the site into a spare), then through the snapshot
        site.apply(("body", 3, body))  # c2's body
        rendered.clear()
        build(site, output, tmp_path)
    assert taken == [False, True, True]
    pages = sum(1 for _ in output.rglob("index.html"))
    assert "cmocs/c2/" in rendered and "about/" not in rendered and len(rendered) < pages, rendered
    snapshot.wait_for_writer(output)
    good = path.read_bytes()
    marker = tmp_path / "pwned"
    payload = seal.read(path, snapshot.SNAPSHOT, limit=1 << 32)
    assert payload is not None
    bad = {"truncated": good[:len(good) // 2], "flipped": good[:-1] + bytes([good[-1] ^ 1]),
           "foreign key": forged(payload, snapshot.SNAPSHOT),
           "not a snapshot": seal.seal(snapshot.SNAPSHOT, pickle.dumps({"format": snapshot.FORMAT})),
           "code": seal.seal(snapshot.SNAPSHOT, pickle.dumps(Evil(marker)))}
    for k, (what, blob) in enumerate(bad.items()):
        snapshot.wait_for_writer(output)  # (the last build's writer saves a good one: not after ours)
        path.write_bytes(blob)
        site.apply(("body", 0, k % 4))
        taken.clear()
        build(site, output, tmp_path)
        assert taken == [False], what
        assert not marker.exists(), what
        site.apply(("body", 3, 4 if k % 2 == 0 else 0))
        taken.clear()
        build(site, output, tmp_path)  # the full build saved a good snapshot again
        assert taken == [True], what


def test_pages_that_only_count_a_cmoc_are_not_rendered_after_its_text_edit(tmp_path, spied):
    """The full ``--page-cache`` build records which ids a page only counted (as ``serve`` does), so
    the first build through the snapshot after a CMOC's text edit leaves the theory index and the
    home page (which count CMOCs) as they are; the site still equals a cold build (``build``)."""
    taken, rendered = spied
    site, output = Site(tmp_path / "content"), tmp_path / "out" / "site"
    for body in (1, 2):
        site.apply(("body", 3, body))  # c2's body
        rendered.clear()
        build(site, output, tmp_path)
    assert taken == [False, True]
    assert "cmocs/c2/" in rendered and "theories/" not in rendered and "" not in rendered, rendered


def test_another_tool_or_option_means_the_full_path(tmp_path, spied, monkeypatch):
    """The snapshot's key: a template or code change moves the cache folder (the code fingerprint); a
    tool fingerprint that differs inside the same folder (as a change the folder name missed would)
    or a changed option is still refused, and the full build's site equals a cold one."""
    taken, _rendered = spied
    site, output = Site(tmp_path / "content"), tmp_path / "out" / "site"
    for body in (1, 2, 3):
        site.apply(("body", 3, body))
        build(site, output, tmp_path)
    assert taken == [False, True, True]
    real = uptodate.tool_fingerprint
    monkeypatch.setattr(uptodate, "tool_fingerprint", lambda: real() + "-templates-changed")
    site.apply(("body", 3, 4))
    build(site, output, tmp_path)
    assert taken[-1] is False
    monkeypatch.setattr(uptodate, "tool_fingerprint", real)
    site.apply(("body", 3, 0))
    run = run_cli("build", "--page-cache", "--content", str(site.content), "--output", str(output), "--no-search",
                  "--quiet", "--strict")
    assert run.code == 0 and taken[-1] is False
    assert_same_site(output, cold_build(site.content, tmp_path, ["--strict"])[2], "strict")


def fragments_computed(monkeypatch) -> list[int]:
    """A list that gets, per export run joined from now on, how many fragments it computed afresh."""
    from evidence_explorer.dev import export_memo
    fresh: list[int] = []
    real = export_memo.ExportMemo._run

    def counted(self, run, *args):
        before = self.computed
        out = real(self, run, *args)
        fresh.append(self.computed - before)
        return out

    monkeypatch.setattr(export_memo.ExportMemo, "_run", counted)
    return fresh


def test_the_exports_are_joined_from_the_snapshots_fragments(tmp_path, spied, monkeypatch):
    """The snapshot keeps the exports' per-entity fragments, written by the full build's export stage:
    every build through it after a text edit (or any edit of a CMOC that keeps its relations), the
    first one after a cold build included, computes only the edited CMOC's; a paper's title (which
    other entities' fragments show) starts them over; every site equals a cold build's (``build``
    checks)."""
    taken, _rendered = spied
    fresh = fragments_computed(monkeypatch)
    site, output = Site(tmp_path / "content"), tmp_path / "out" / "site"
    for body in (1, 2, 3, 4):
        fresh.clear()
        site.apply(("body", 3, body))  # c2's body: a text edit
        build(site, output, tmp_path)
        if len(taken) > 1:  # (the cold build's joins ran in its export child: not counted here)
            assert 0 < sum(fresh) <= len(fresh), fresh  # joined from the kept ones: c2's in each run at most
    assert taken == [False, True, True, True]
    fresh.clear()
    site.apply(("cmoc", 1, "status", "contested"))  # not a text edit, but a CMOC's: only its own fragments
    build(site, output, tmp_path)
    assert taken[-1] is True and 0 < sum(fresh) <= len(fresh), fresh
    fresh.clear()
    site.apply(("title", 0, 1))  # a paper's title: shown in other entities' fragments
    build(site, output, tmp_path)
    assert taken[-1] is True and sum(fresh) > len(fresh), fresh  # through the snapshot, every fragment again
    fresh.clear()
    site.apply(("body", 2, 1))  # c1's body: the fragments of the last build were kept in its snapshot
    build(site, output, tmp_path)
    assert taken[-1] is True and 0 < sum(fresh) <= len(fresh), fresh


def test_a_fragments_file_not_the_snapshots_own_means_every_fragment_again(tmp_path, spied, monkeypatch):
    """The exports' fragments live in a sealed file beside the snapshot (``snapshot.FRAGMENTS``), read
    when the join first needs them. Missing, truncated, flipped, sealed with another key, or another
    save's (a good seal, another tag): the build still goes through the snapshot, computes every
    fragment again, and its site equals a cold build's; the save after it writes a good file again."""
    taken, _rendered = spied
    fresh = fragments_computed(monkeypatch)
    site, output = Site(tmp_path / "content"), tmp_path / "out" / "site"
    path = snapshot.snapshot_path(output).with_name(snapshot.FRAGMENTS)
    for body in (1, 2, 3):
        site.apply(("body", 3, body))
        build(site, output, tmp_path)
    assert taken == [False, True, True] and path.is_file()
    snapshot.wait_for_writer(output)
    older = path.read_bytes()  # a good file of an earlier save
    site.apply(("body", 3, 4))
    build(site, output, tmp_path)
    snapshot.wait_for_writer(output)
    good = path.read_bytes()
    payload = seal.read(path, snapshot.FRAGMENTS, limit=1 << 32)
    assert payload is not None and good != older
    bad = {"missing": None, "truncated": good[:len(good) // 2], "flipped": good[:-1] + bytes([good[-1] ^ 1]),
           "foreign key": forged(payload, snapshot.FRAGMENTS), "another save's": older}
    for k, (what, blob) in enumerate(bad.items()):
        snapshot.wait_for_writer(output)  # (the last build's writer saves a good file: not after ours)
        if blob is None:
            path.unlink()
        else:
            path.write_bytes(blob)
        fresh.clear()
        site.apply(("body", 3, k % 4))
        taken.clear()
        build(site, output, tmp_path)
        assert taken == [True], what
        assert sum(fresh) > len(fresh), (what, fresh)  # every fragment computed again
        fresh.clear()
        site.apply(("body", 2, 1 + k % 3))  # c1's body: the save after it wrote a good file
        build(site, output, tmp_path)
        assert taken[-1] is True and 0 < sum(fresh) <= len(fresh), (what, fresh)


def test_the_command_exits_without_teardown_and_says_everything(tmp_path):
    """``build.py`` (``cli.run``) ends every build that kept its state with ``os._exit``: its report is
    still printed in full, its exit code kept (0, then 1 for a content error), the site written."""
    import shutil
    import subprocess
    import sys
    from conftest import ROOT
    from test_background_remove import MINIMAL
    content = tmp_path / "content"
    shutil.copytree(MINIMAL, content)
    page = next(content.glob("papers/*.md"))
    out = tmp_path / "site"
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVIDENCE_EXPLORER_")}

    def build_py() -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(ROOT / "build.py"), "build", "--content", str(content), "--output",
                               str(out), "--no-search", "--page-cache"], capture_output=True, text=True, timeout=300,
                              env=env)

    for n in range(3):
        page.write_text(page.read_text(encoding="utf-8") + f"\nEdit {n}.\n", encoding="utf-8")
        result = build_py()
        assert result.returncode == 0 and "built " in result.stderr.splitlines()[-1], result.stderr
    assert (out / "index.html").is_file()
    page.write_text(page.read_text(encoding="utf-8").replace("title:", "title: [", 1), encoding="utf-8")
    result = build_py()
    assert result.returncode == 1 and f"{page.relative_to(content).as_posix()}:" in result.stderr, result.stderr


def test_the_manifest_of_a_build_through_the_snapshot_is_the_site_as_walked(tmp_path, spied):
    """The up-to-date manifest after a build through the snapshot signs the site from the build's
    record (``snapshot_build.signed``) instead of walking it: the same signature as the walk, so the
    next build with nothing changed is up to date."""
    taken, _rendered = spied
    site, output = Site(tmp_path / "content"), tmp_path / "out" / "site"
    for body in (1, 2, 3, 4):
        site.apply(("body", 3, body))
        build(site, output, tmp_path)
    assert taken == [False, True, True, True]
    snapshot.wait_for_writer(output)
    manifest = uptodate.read_manifest(uptodate.manifest_path(output))
    assert manifest is not None and manifest.output == uptodate.sign_output(output.resolve())
    run = run_cli("build", "--page-cache", "--content", str(site.content), "--output", str(output), "--no-search",
                  "--jobs", "2")
    assert run.code == 0 and "is up to date" in run.err, run.err


def test_the_views_memo_is_stored_by_name_and_keyed_by_identity_again(tmp_path):
    """The snapshot stores the views' memo as name → entries (the keys' identities are this process's
    and mean nothing to the next); loading keys every entry by its objects' identities again, so the
    next build finds each value it kept."""
    site, output = Site(tmp_path / "content"), tmp_path / "out" / "site"
    build(site, output, tmp_path)
    snapshot.wait_for_writer(output)
    path = snapshot.snapshot_path(output)
    payload = seal.read(path, snapshot.SNAPSHOT, limit=1 << 32)
    head = snapshot.head_of(payload)
    assert head is not None
    stored = snapshot._Unpickler(io.BytesIO(payload[head.rest:])).load().state.memo
    assert isinstance(stored, dict) and all(isinstance(name, str) and isinstance(entries, list)
                                            for name, entries in stored.items())
    loaded = snapshot.load(path)
    assert loaded is not None
    memo = loaded.state.memo
    assert len(memo) == sum(map(len, stored.values())) > 0
    assert {key[0] for key in memo} == set(stored) >= {"short_cite", "cmoc_entry"}
    assert all(key[1:] == tuple(map(id, entry[0])) for key, entry in memo.items())


@pytest.mark.parametrize("jobs,child", [("1", True), ("2", True), ("2", False)])
def test_a_spare_site_changed_since_it_was_recorded_means_the_full_path(tmp_path, spied, jobs, child, monkeypatch):
    """A page of the spare site rewritten, a file added to a folder of it, or a page touched after
    its root was moved away and back: the build takes the full path and equals a cold build (with
    one job and with two; the sites checked by a forked child, or here when it could not answer)."""
    from contextlib import nullcontext
    from evidence_explorer.site.publish import spare_path
    taken, _rendered = spied
    if not child:
        monkeypatch.setattr(snapshot_build, "in_child", lambda question: nullcontext(lambda: None))
    site, output = Site(tmp_path / "content"), tmp_path / "out" / "site"

    def build_jobs() -> None:
        run = run_cli("build", "--page-cache", "--content", str(site.content), "--output", str(output),
                      "--no-search", "--quiet", "--jobs", jobs)
        code, err, cold = cold_build(site.content, tmp_path, [])
        assert (run.code, run.err) == (code, err)
        assert_same_site(output, cold, site.bodies)

    def page() -> None:
        (spare_path(output) / "about" / "index.html").write_text("tampered", encoding="utf-8")

    def added() -> None:
        (spare_path(output) / "cmocs" / "stray.html").write_text("stray", encoding="utf-8")

    def root() -> None:
        spare = spare_path(output)
        spare.rename(spare.with_name("moved"))
        spare.with_name("moved").rename(spare)  # the same inode back: still the recorded site
        (spare / "about" / "index.html").touch()

    for k, change in enumerate((page, added, root)):
        for body in ((1, 2) if k % 2 == 0 else (3, 4)):  # twice: the spare is the site the last build replaced
            site.apply(("body", 3, body))
            snapshot.wait_for_writer(output)
            build_jobs()
        assert taken[-1] is True
        snapshot.wait_for_writer(output)
        change()
        site.apply(("body", 3, 0))
        build_jobs()
        assert taken[-1] is False, change.__name__


def test_a_full_disk_while_the_exports_are_written_beside_the_pages_keeps_the_site(tmp_path, spied, monkeypatch):
    """Through the snapshot the exports are written by a thread beside the pages: a full disk there
    is the build's error (exit 2 as for any output fault, said in one line), the staging folder goes and the published site
    stays as it was; the next build, with room again, equals a cold build."""
    import errno

    from evidence_explorer.dev import export_memo
    from test_faults import tree_digest
    taken, _rendered = spied
    site, output = Site(tmp_path / "content"), tmp_path / "out" / "site"
    for body in (1, 2):
        site.apply(("body", 3, body))
        snapshot.wait_for_writer(output)
        build(site, output, tmp_path)
    assert taken[-1] is True
    snapshot.wait_for_writer(output)
    before = tree_digest(output)
    real = export_memo.write_parts

    def full(path, parts):
        raise OSError(errno.ENOSPC, "No space left on device", path)

    monkeypatch.setattr(export_memo, "write_parts", full)
    site.apply(("body", 3, 3))
    run = run_cli("build", "--page-cache", "--content", str(site.content), "--output", str(output), "--no-search",
                  "--quiet", "--jobs", "2")
    assert run.code == 2 and "No space left on device" in run.err and "unchanged" in run.err, run.err
    assert "Traceback" not in run.err and len(run.err.strip().splitlines()) == 1
    assert tree_digest(output) == before
    assert sorted(p.name for p in output.parent.iterdir() if not p.name.startswith(".")) == ["site"]
    monkeypatch.setattr(export_memo, "write_parts", real)
    snapshot.wait_for_writer(output)
    build(site, output, tmp_path)
