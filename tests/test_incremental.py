"""Incremental rebuilds (serve): only affected pages re-render, and the result equals a full build."""
from __future__ import annotations

import filecmp
import json
import re
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from evidence_explorer.dev import incremental
from evidence_explorer.content import urls
from evidence_explorer.dev.changes import Changes, classify
from evidence_explorer.dev.incremental import full_build, rebuild, template_closure
from evidence_explorer.pipeline import BuildOptions, build
from evidence_explorer.site.environment import TEMPLATES_DIR
from evidence_explorer.site.pages import collect_pages
from evidence_explorer.site.views.memo import Memo

ROOT = Path(__file__).resolve().parents[1]
CMOC = "cmocs/cmoc-R1-01.md"


def tree_diff(a: Path, b: Path, skip: tuple[str, ...] = ("pagefind",)) -> list[str]:
    """Relative paths that differ between two directories (content, presence)."""
    out: list[str] = []

    def walk(d: filecmp.dircmp, prefix: str) -> None:
        out.extend(prefix + n for n in d.left_only + d.right_only + d.diff_files if n not in skip)
        for name, sub in d.subdirs.items():
            if name not in skip:
                walk(sub, f"{prefix}{name}/")

    walk(filecmp.dircmp(a, b, ignore=[]), "")
    return sorted(out)


def full_reference(content: Path, tmp: Path) -> Path:
    """A fresh full build with the ordinary pipeline, to compare against."""
    out = tmp / "reference"
    shutil.rmtree(out, ignore_errors=True)
    result = build(BuildOptions(content=content, output=out, search=False))
    assert result.written, [d.format() for d in result.report.sorted()]
    return out


@pytest.fixture(scope="module")
def demo_state(tmp_path_factory):
    """The demo built once for this module, with a pristine copy of its content and output."""
    base = tmp_path_factory.mktemp("incremental")
    shutil.copytree(ROOT / "content", base / "content")
    if shutil.which("git"):  # in git, like a real evidence base: /changes/ and last-updated dates
        env = {**os.environ, "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.org",
               "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.org"}
        for args in (["init", "-q"], ["add", "content"], ["commit", "-q", "-m", "demo"]):
            subprocess.run(["git", "-C", str(base), *args], check=True, capture_output=True, env=env)
    outcome = full_build(BuildOptions(content=base / "content", output=base / "site", search=False))
    assert outcome.state is not None, [d.format() for d in outcome.report.sorted()]
    shutil.copytree(base / "content", base / "pristine-content")
    shutil.copytree(base / "site", base / "pristine-site")
    return outcome.state


@pytest.fixture
def demo(demo_state):
    """(content, options, state), the content and output restored to the built state (same paths,
    so diagnostics and pages that show file paths are exactly those of a fresh build)."""
    options = demo_state.options
    base = options.content.parent
    for name, target in (("pristine-content", options.content), ("pristine-site", options.output)):
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(base / name, target)
    return options.content, options, demo_state


def edit(path: Path, pattern: str, repl: str) -> None:
    text = path.read_text(encoding="utf-8")
    new = re.sub(pattern, repl, text, count=1, flags=re.M)
    assert new != text, f"{pattern!r} not found in {path}"
    path.write_text(new, encoding="utf-8")


def test_full_build_for_serve_equals_the_pipeline_build(demo_state, tmp_path):
    options = demo_state.options
    if shutil.which("git"):
        assert (options.output / "changes" / "index.html").is_file()
        assert "Last updated" in (options.output / "cmocs/cmoc-R1-01/index.html").read_text(encoding="utf-8")
    assert tree_diff(options.output, full_reference(options.content, tmp_path)) == []


def test_full_build_for_serve_with_jobs_2_equals_one_process(demo_state, tmp_path, monkeypatch):
    from evidence_explorer.dev import recording
    from evidence_explorer.speed import parallel
    forked = []
    real = parallel.fork_map

    def counting(shares, work):
        forked.append(len(shares))
        return real(shares, work)

    monkeypatch.setattr(recording, "fork_map", counting)
    # the session's browser tests may have left server threads running; as in `serve` before it starts:
    monkeypatch.setattr(parallel, "single_threaded", lambda: True)
    options = BuildOptions(content=demo_state.options.content, output=tmp_path / "site2", search=False, jobs=2)
    outcome = full_build(options)
    assert outcome.state is not None and forked == [2]  # rendered in two processes
    assert tree_diff(options.output, demo_state.options.output) == []
    assert dict(outcome.state.deps) == dict(demo_state.deps)  # the workers' recorded dependencies
    assert list(outcome.state.deps) == list(demo_state.deps)
    assert dict(outcome.state.counted) == dict(demo_state.counted) and demo_state.counted  # and what pages count
    assert outcome.rendered == tuple(demo_state.pages) and outcome.written == tuple(sorted(outcome.written))


def test_full_build_for_serve_renders_in_one_process_beside_other_threads(demo_state, tmp_path, monkeypatch):
    import threading
    from evidence_explorer.dev import recording
    forked = []
    monkeypatch.setattr(recording, "fork_map", lambda shares, work: forked.append(len(shares)) or
                        [work(share) for share in shares])
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        options = BuildOptions(content=demo_state.options.content, output=tmp_path / "site3", search=False, jobs=2)
        assert full_build(options).state is not None
    finally:
        stop.set()
        other.join()
    assert forked == [1]  # never forks while another thread runs (it could hold a lock the child needs)


def test_edited_cmoc_rerenders_only_affected_pages(demo, tmp_path):
    content, options, state = demo
    before = tmp_path / "before"
    shutil.copytree(options.output, before)
    evidence = json.loads((options.output / "data" / "evidence.json").read_text(encoding="utf-8"))
    cmoc = next(c for c in evidence["cmocs"] if c["id"] == "cmoc-R1-01")

    edit(content / CMOC, r"^outcome: .*$", 'outcome: "Patients report that care FITS-INTO-THEIR-LIVES-EDITED."')
    outcome = rebuild(state, Changes(content=frozenset({CMOC})))
    assert outcome.state is not None, [d.format() for d in outcome.report.sorted()]
    rendered = set(outcome.rendered)

    # the pages the issue names: its own, its papers and theories, the indexes and matrices; not its
    # question's page, which shows a CMOC by title and direction only (delta.CMOC_TEXT_BLIND)
    must = {"cmocs/cmoc-R1-01/", "cmocs/"}
    must |= {f"papers/{s['paper']}/" for s in cmoc["sources"]}
    must |= {f"theories/{t['theory']}/" for t in cmoc["theories"]}
    must |= {m["url"].lstrip("/") for m in evidence["site"]["matrices"] if m["count"] == "cmocs"}
    assert must <= rendered, must - rendered
    assert not {f"questions/{q}/" for q in cmoc["question"]} & rendered
    # … and not the rest: a paper, a theory and a CMOC it has nothing to do with stay as they were
    total = len(state.pages)
    assert "papers/sqw-2016/" not in rendered and "theories/M5/" not in rendered
    assert "cmocs/cmoc-R3-06/" not in rendered
    assert len(rendered) <= total // 10, f"{len(rendered)} of {total} pages re-rendered: {sorted(rendered)}"
    print(f"\none edited CMOC: {len(rendered)} of {total} pages re-rendered, "
          f"{len(outcome.written)} files changed on disk")

    # nothing that changed was missed, and the result is exactly a full build of the edited content
    reference = full_reference(content, tmp_path)
    changed_pages = {p for p in tree_diff(before, reference) if p.endswith("index.html")}
    assert {urls.output_path(u) for u in rendered} >= changed_pages
    assert "theories/R1/index.html" in changed_pages  # the theory page shows the outcome text
    assert "FITS-INTO-THEIR-LIVES-EDITED" in (options.output / "theories/R1/index.html").read_text("utf-8")
    assert tree_diff(options.output, reference) == []


def test_unchanged_save_renders_nothing(demo):
    content, options, state = demo
    (content / CMOC).write_text((content / CMOC).read_text(encoding="utf-8"), encoding="utf-8")
    outcome = rebuild(state, Changes(content=frozenset({CMOC})))
    assert outcome.state is not None and outcome.rendered == () and outcome.written == ()


def test_deleting_a_cited_paper_fails_and_keeps_the_site_then_removing_the_citation_works(demo, tmp_path):
    content, options, state = demo
    paper = content / "papers" / "heath-2015.md"
    old_page = (options.output / "papers/heath-2015/index.html").read_text(encoding="utf-8")
    paper.unlink()
    failed = rebuild(state, Changes(content=frozenset({"papers/heath-2015.md"})))
    assert failed.state is None
    lines = [d.format() for d in failed.report.sorted()]
    assert any(re.match(rf"{re.escape(str(content))}/cmocs/cmoc-R1-01\.md:\d+: error: unknown paper id "
                        r"'heath-2015' in 'sources'", line) for line in lines), lines
    assert (options.output / "papers/heath-2015/index.html").read_text(encoding="utf-8") == old_page

    users = [p for p in (content / "cmocs").glob("*.md") if "heath-2015" in p.read_text(encoding="utf-8")]
    users += [p for p in (content / "maps").glob("*.md") if "heath-2015" in p.read_text(encoding="utf-8")]
    for p in users:  # drop the source entries that cite the deleted paper
        text = p.read_text(encoding="utf-8")
        text = re.sub(r"^- paper: heath-2015\n(?:  .*\n)*", "", text, flags=re.M)
        text = re.sub(r",\s*heath-2015|heath-2015,\s*", "", text)
        p.write_text(text, encoding="utf-8")
    changed = {"papers/heath-2015.md"} | {p.relative_to(content).as_posix() for p in users}
    outcome = rebuild(state, Changes(content=frozenset(changed)))
    assert outcome.state is not None, [d.format() for d in outcome.report.sorted()]
    assert "papers/heath-2015/" in outcome.removed
    assert not (options.output / "papers/heath-2015").exists()
    assert tree_diff(options.output, full_reference(content, tmp_path)) == []


def test_renaming_a_cmoc_breaks_links_to_it_then_moves_its_page(demo, tmp_path):
    content, options, state = demo
    new_rel = "cmocs/cmoc-R1-01-renamed.md"
    (content / CMOC).rename(content / new_rel)
    failed = rebuild(state, Changes(content=frozenset({CMOC, new_rel})))
    assert failed.state is None
    assert f"{content}/theories/R1.md:23: error: unknown id 'cmoc-R1-01' in [[link]] (did you mean " \
           "'cmoc-R3-01'?) [link.unknown-id]" in [d.format() for d in failed.report.sorted()]
    assert (options.output / "cmocs/cmoc-R1-01/index.html").is_file()  # the last good site stays
    edit(content / "theories" / "R1.md", r"\[\[cmoc-R1-01([|\]])", r"[[cmoc-R1-01-renamed\1")
    outcome = rebuild(state, Changes(content=frozenset({CMOC, new_rel, "theories/R1.md"})))
    assert outcome.state is not None, [d.format() for d in outcome.report.sorted()]
    assert outcome.removed == ("cmocs/cmoc-R1-01/",)
    assert (options.output / "cmocs/cmoc-R1-01-renamed/index.html").is_file()
    assert tree_diff(options.output, full_reference(content, tmp_path)) == []


def test_new_file_and_successive_rebuilds_stay_equal_to_full_builds(demo, tmp_path):
    content, options, state = demo
    (content / "papers" / "new-2024.md").write_text(
        "---\ntitle: A new study\nauthors: [Doe J]\nyear: 2024\ntheories: [R2]\n---\nIt is [[R1]]-related.\n",
        encoding="utf-8")
    state = rebuild(state, Changes(content=frozenset({"papers/new-2024.md"}))).state
    assert state is not None
    edit(content / "theories" / "R1.md", r"^title: .*$", "title: Renamed component one")
    outcome = rebuild(state, Changes(content=frozenset({"theories/R1.md"})))
    assert outcome.state is not None
    assert "papers/new-2024/" in outcome.rendered  # its body links [[R1]], whose title changed
    assert tree_diff(options.output, full_reference(content, tmp_path)) == []


def test_template_change_rerenders_the_pages_using_it(demo):
    _, _, state = demo
    closure = template_closure({p.template for p in state.pages.values()})
    assert "base.html" in closure["cmoc.html"] and "cmoc.html" in closure["cmoc.html"]
    outcome = rebuild(state, Changes(templates=frozenset({"cmoc.html"})))
    expected = {url for url, p in state.pages.items() if "cmoc.html" in closure[p.template]}
    assert set(outcome.rendered) == expected and "cmocs/cmoc-R1-01/" in expected
    everything = rebuild(outcome.state, Changes(templates=frozenset({"base.html"})))
    assert set(everything.rendered) == set(state.pages)


def test_classify_sorts_paths(tmp_path):
    content = tmp_path / "content"
    changes = classify([content / "site.yaml", content / "cmocs" / "a.md", content / "cmocs" / "notes.txt",
                        content / "README.md", TEMPLATES_DIR / "partials" / "x.html"], content)
    assert changes.config and changes.content == {"cmocs/a.md"}
    assert changes.templates == {"partials/x.html"} and not changes.static


def test_site_yaml_change_is_a_full_build(demo, tmp_path):
    content, options, state = demo
    edit(content / "site.yaml", r"^title: .*$", 'title: "A retitled evidence base"')
    outcome = rebuild(state, Changes(config=True))
    assert outcome.full and len(outcome.rendered) == len(state.pages)
    assert "A retitled evidence base" in (options.output / "index.html").read_text(encoding="utf-8")
    assert tree_diff(options.output, full_reference(content, tmp_path)) == []


def test_text_edit_reuses_the_links_and_equals_a_full_build(demo, tmp_path):
    content, options, state = demo
    edit(content / CMOC, r"^outcome: .*$", 'outcome: "A text-only edit: RELINK-REUSED."')
    outcome = rebuild(state, Changes(content=frozenset({CMOC})))
    assert outcome.state is not None, [d.format() for d in outcome.report.sorted()]
    assert outcome.relinked and outcome.state.corpus.links is state.corpus.links
    new = outcome.state.corpus.get("cmoc-R1-01")
    assert new.outcome == "A text-only edit: RELINK-REUSED." and new in outcome.state.corpus.cmocs
    assert outcome.state.corpus.papers is state.corpus.papers  # untouched groups are the same tuples
    assert "RELINK-REUSED" in (options.output / "cmocs/cmoc-R1-01/index.html").read_text(encoding="utf-8")
    assert tree_diff(options.output, full_reference(content, tmp_path)) == []


def test_relation_edit_relinks_everything(demo, tmp_path):
    content, options, state = demo
    text = (content / CMOC).read_text(encoding="utf-8")
    assert "chains_to:" not in text
    (content / CMOC).write_text(text.replace("\n---\n", "\nchains_to: [cmoc-R3-06]\n---\n", 1), encoding="utf-8")
    outcome = rebuild(state, Changes(content=frozenset({CMOC})))
    assert outcome.state is not None, [d.format() for d in outcome.report.sorted()]
    assert not outcome.relinked and outcome.state.corpus.links is not state.corpus.links
    assert outcome.state.corpus.links.cmoc_chained_from["cmoc-r3-06"] == ("cmoc-R1-01",)
    assert tree_diff(options.output, full_reference(content, tmp_path)) == []


def test_new_unknown_wikilink_in_a_text_edit_is_reported(demo):
    content, options, state = demo
    edit(content / CMOC, r"^---\n(?![\s\S]*^---\n)", "---\nSee [[no-such-id]].\n")
    outcome = rebuild(state, Changes(content=frozenset({CMOC})))
    assert outcome.state is None and not outcome.relinked
    assert any("error: unknown id 'no-such-id' in [[link]]" in d.format() for d in outcome.report.sorted())


def test_read_changed_reads_only_what_a_build_loads(tmp_path):
    from evidence_explorer.content.diagnostics import Report
    from evidence_explorer.dev.incremental import read_changed
    content = tmp_path / "content"
    for rel in ("cmocs/a.md", "cmocs/_draft.md", "cmocs/.hidden/b.md", "cmocs/sub/c.md", "papers/broken.md"):
        (content / rel).parent.mkdir(parents=True, exist_ok=True)
        (content / rel).write_text("---\ntitle: T\n---\nBody\n" if "broken" not in rel else "---\ntitle: [\n",
                                   encoding="utf-8")
    report = Report()
    found = read_changed(content, {"cmocs/a.md", "cmocs/_draft.md", "cmocs/.hidden/b.md", "cmocs/sub/c.md",
                                   "cmocs/gone.md", "papers/broken.md"}, report)
    assert [(s.rel, s.kind) for s in found] == [("cmocs/a.md", "cmoc"), ("cmocs/sub/c.md", "cmoc")]
    assert [d.format() for d in report.sorted()] == [
        f"{content}/papers/broken.md:1: error: unclosed front matter: no closing '---' line [file.front-matter]"]


def test_second_text_edit_recomputes_page_weights_only_for_the_edited_cmoc(demo, tmp_path, monkeypatch):
    """Serve keeps per-entity pagination values (row weights, short cites) keyed by entity identity:
    after a text-only CMOC edit the next rebuild computes them only for the new CMOC object, and the
    page specs are those a fresh collect_pages gives."""
    content, options, state = demo
    computed: list[tuple[str, tuple[str, ...]]] = []
    original_get = Memo.get

    def recording_get(self, name, objects, compute):
        def counted():
            computed.append((name, tuple(o.id for o in objects)))
            return compute()
        return original_get(self, name, objects, counted)

    monkeypatch.setattr(Memo, "get", recording_get)
    monkeypatch.setattr(incremental, "MEMO_STALE", 1)  # drop replaced objects' values on every rebuild
    edit(content / CMOC, r"^outcome: .*$", 'outcome: "First text edit: MEMO-ONE."')
    first = rebuild(state, Changes(content=frozenset({CMOC})))
    assert first.state is not None and first.relinked, [d.format() for d in first.report.sorted()]
    computed.clear()
    edit(content / CMOC, r"^outcome: .*$", 'outcome: "Second text edit: MEMO-TWO, a little longer."')
    second = rebuild(first.state, Changes(content=frozenset({CMOC})))
    assert second.state is not None and second.relinked
    assert computed, "the edited CMOC's weights must be recomputed"
    assert {ids[0] for _name, ids in computed} == {"cmoc-R1-01"}, computed
    assert {"cmoc_row", "cmoc_entry"} <= {name for name, _ids in computed}
    assert len(second.state.memo) == len(first.state.memo)  # replaced objects' entries are not kept
    assert all(objects[0] is not first.state.corpus.get("cmoc-R1-01") for objects, _v in second.state.memo.values())
    fresh = tuple(collect_pages(second.state.corpus))
    assert tuple(second.state.pages.values()) == fresh
    assert "MEMO-TWO" in (options.output / "cmocs/cmoc-R1-01/index.html").read_text(encoding="utf-8")
    assert tree_diff(options.output, full_reference(content, tmp_path)) == []


def test_serve_keeps_an_environment_that_sees_template_edits(demo, tmp_path):
    """``serve`` keeps one template environment for the session, while templates may be edited:
    it looks at each template file again on use. A build's renderer does not (its templates cannot
    change while it runs), and both escape with the quick fast path unless built plainly."""
    import jinja2
    from evidence_explorer.site.environment import QuickTemplate, make_environment
    from evidence_explorer.site.render import Renderer
    _, _, state = demo
    assert state.env.auto_reload and state.env.template_class is QuickTemplate
    renderer = Renderer(state.corpus, "/", state.nav)
    assert not renderer.env.auto_reload and renderer.env.template_class is QuickTemplate
    assert Renderer(state.corpus, "/", state.nav, quick_inline=False).env.template_class is jinja2.Template
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "t.html").write_text("{{ x }} one", encoding="utf-8")
    env = make_environment(reload=True)
    env.loader = jinja2.FileSystemLoader(str(folder))
    assert env.get_template("t.html").render(x="<a>") == "&lt;a&gt; one"
    (folder / "t.html").write_text("{{ x }} two!", encoding="utf-8")  # (another size: seen at once)
    assert env.get_template("t.html").render(x="<a>") == "&lt;a&gt; two!"
