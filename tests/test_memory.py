"""Memory measures of the build (peak memory budget, docs/performance.md): their correctness only.

How much they save is measured in ``benchmarks/``; here: they run, in the right place, and change
no output."""
from __future__ import annotations

import sys

import pytest

from evidence_explorer import pipeline
from evidence_explorer.pipeline import BuildOptions, build


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_release_free_memory_trims_the_c_heap_on_linux():
    import platform
    if platform.libc_ver()[0] != "glibc":
        pytest.skip("not glibc")
    assert pipeline.release_free_memory() is True


def test_free_memory_is_released_after_the_exports_and_before_the_render(make_site, tmp_path, monkeypatch):
    """The exports are written into the staging folder (by the child that computes them beside the
    page specs, which hands back only their sizes), then the freed memory goes back to the system,
    then the render workers fork."""
    content = make_site({"papers/p1.md": "---\ntitle: A study\nauthors: [Doe J]\nyear: 2020\n---\nBody.\n"})
    events: list[str] = []
    staging: list = []
    real_release, real_render, real_open = pipeline.release_free_memory, pipeline.render_pages, pipeline.open_staging

    def opened(*args, **kwargs):
        staging.append(real_open(*args, **kwargs))
        return staging[-1]

    def release():
        events.append("release, exports written" if (staging[0] / "data" / "evidence.json").is_file() else "release")
        return real_release()

    def render(*args, **kwargs):
        events.append("render")
        return real_render(*args, **kwargs)

    def split(first, second, idle=None):
        pages, (sizes, kept) = pipeline.one_after_other(first, second)
        events.append("specs and exports")
        assert all(isinstance(size, int) for size in sizes.values()) and "data/evidence.json" in sizes
        assert kept is None  # (the default export stage keeps nothing: ``build --page-cache``'s keeps fragments)
        return pages, (sizes, kept)

    monkeypatch.setattr(pipeline, "open_staging", opened)
    monkeypatch.setattr(pipeline, "release_free_memory", release)
    monkeypatch.setattr(pipeline, "render_pages", render)
    assert build(BuildOptions(content=content, output=tmp_path / "site", search=False)).written
    assert events == ["release, exports written", "render"]
    options = BuildOptions(content=content, output=tmp_path / "site", search=False)
    events.clear()
    staging.clear()
    corpus = pipeline.load_corpus(content, pipeline.Report())
    pipeline.publish(options, pipeline.Report(), corpus, (), pipeline.render_in_workers, split=split)
    assert events == ["specs and exports", "release, exports written", "render"]


def test_entities_have_no_instance_dict_and_survive_pickling(make_site):
    """Entities and their records are slotted (no ``__dict__`` each: ~0.7 KB per entity); equality,
    hashing of fields and the parallel loader's pickling keep working."""
    from evidence_explorer.content import model
    from evidence_explorer.content.diagnostics import Report
    from evidence_explorer.speed.parallel_load import _decode, _pickle
    from evidence_explorer.pipeline import load_corpus

    content = make_site({
        "papers/p1.md": "---\ntitle: A study\nauthors: [Doe J]\nyear: 2020\nquality:\n  rigour: high\n---\nBody.\n",
        "cmocs/c1.md": "---\ncontext: C.\nmechanism: M.\noutcome: O.\nsources:\n- paper: p1\n  quote: q\n---\n",
    })
    corpus = load_corpus(content, Report())
    paper, cmoc = corpus.by_id["p1"], corpus.by_id["c1"]
    for obj in (paper, cmoc, paper.quality, cmoc.sources[0]):
        assert not hasattr(obj, "__dict__"), type(obj).__name__
    for kind in model.KINDS.values():
        assert "__slots__" in vars(kind)
    _status, (paper2, cmoc2) = _decode(_pickle(("ok", [paper, cmoc])))
    assert (paper2, cmoc2) == (paper, cmoc) and paper2 is not paper
    assert cmoc2.sources[0].line == cmoc.sources[0].line and dict(paper2.lines) == dict(paper.lines)
    assert paper2.location("year").line == paper.location("year").line == 4


def test_refs_without_a_stored_line_are_still_reported_on_their_own_line(make_site):
    """Refs whose line equals their field's or record's are stored without it
    (``schema.drop_known_line``); every diagnostic about them still names the ref's own line."""
    from evidence_explorer.content.diagnostics import Report
    from evidence_explorer.pipeline import load_corpus
    from evidence_explorer.content.fields import Ref

    cmoc = (
        "---\n"                      # 1
        "context: C.\n"              # 2
        "mechanism: M.\n"            # 3
        "outcome: O.\n"              # 4
        "sources:\n"                 # 5
        "- paper: nope-a\n"          # 6  record line == ref line: stored without
        "  quote: q\n"               # 7
        "- nope-b\n"                 # 8  shorthand
        "- quote: q\n"               # 9
        "  paper: nope-c\n"          # 10 ref line != record line: kept
        "theories:\n"                # 11
        "- theory: nope-t\n"         # 12
        "question: nope-q\n"         # 13 single value on the field's line
        "review: [nope-r1, nope-r2]\n"  # 14 flow list on the field's line
        "chains_to:\n"               # 15
        "- nope-c1\n"                # 16 block list: own line, kept
        "---\n")
    mp = ("---\ntheory: nope-m\nrows:\n- focus: F\n  papers:\n  - nope-p\n---\n")
    content = make_site({"cmocs/c1.md": cmoc, "maps/m1.md": mp})
    report = Report()
    corpus = load_corpus(content, report)
    lines = {d.message.split("'")[1]: d.location.line for d in report.items
             if d.code == "link.unknown-id"}
    assert lines == {"nope-a": 6, "nope-b": 8, "nope-c": 10, "nope-t": 12, "nope-q": 13, "nope-r1": 14,
                     "nope-r2": 14, "nope-c1": 16, "nope-m": 2, "nope-p": 6}
    c = corpus.by_id["c1"]
    assert isinstance(c.sources[0].paper, Ref) and c.sources[0].paper.line is None  # the saving happened
    assert c.sources[2].paper.line == 10 and c.chains_to[0].line == 16
    assert c.question[0] == "nope-q" and c.question[0].line is None and c.line_of("question") == 13


def test_field_names_are_one_string_each_across_entities(make_site):
    """The loader interns mapping keys: the line maps of 30,000 entities share their field names."""
    from evidence_explorer.content.diagnostics import Report
    from evidence_explorer.pipeline import load_corpus

    paper = "---\ntitle: A study {n}\nauthors: [Doe J]\nyear: 2020\n---\nBody.\n"
    content = make_site({"papers/p1.md": paper.format(n=1), "papers/p2.md": paper.format(n=2)})
    corpus = load_corpus(content, Report())
    one, two = (list(corpus.by_id[i].lines) for i in ("p1", "p2"))
    assert one == two == ["title", "authors", "year"]
    assert all(a is b for a, b in zip(one, two))


def test_reference_meta_is_computed_when_read_and_equals_the_eager_values(monkeypatch):
    """A paper page's Highwire tags and JSON-LD are made when the page renders, not held by
    every page spec through the build."""
    from evidence_explorer.exports import references as export_refs
    from evidence_explorer.content.diagnostics import Report
    from evidence_explorer.pipeline import load_corpus

    from conftest import ROOT

    corpus = load_corpus(ROOT / "content", Report())
    assert corpus is not None and corpus.papers
    calls = []
    real = export_refs.highwire_tags
    monkeypatch.setattr(export_refs, "highwire_tags", lambda p: calls.append(p.id) or real(p))
    metas = [export_refs.reference_meta(p) for p in corpus.papers]
    assert calls == []
    for p, meta in zip(corpus.papers, metas):
        eager = {"highwire": real(p), "jsonld": export_refs.scholarly_jsonld(p, "")}
        assert dict(meta) == eager and meta == eager and list(meta) == ["highwire", "jsonld"]
    assert len(calls) == 2 * len(corpus.papers)  # dict() and == read it once each: nothing cached
    with pytest.raises(KeyError):
        metas[0]["url"]


def test_the_large_csv_exports_are_held_as_utf8_bytes_and_written_as_the_text(make_site, tmp_path):
    """``review/links.csv`` (the largest export: every link row repeats its CMOC's text) and the data
    CSV files are held as the files' UTF-8 bytes, not a str of two or four bytes a character; the
    files are the text."""
    from evidence_explorer.content.diagnostics import Report
    from evidence_explorer.exports.advisory_sheet import links_csv
    from evidence_explorer.pipeline import extra_files, load_corpus

    content = make_site({
        "papers/p1.md": "---\ntitle: A study\nauthors: [Doe J]\nyear: 2020\n---\nBody.\n",
        "cmocs/c1.md": "---\ncontext: “Curly” C.\nmechanism: M.\noutcome: O.\nsources:\n- paper: p1\n"
                       "  quote: q\n---\n",
    })
    corpus = load_corpus(content, Report())
    files = extra_files(corpus, (), "/")
    assert isinstance(files["review/links.csv"], bytes)
    assert files["review/links.csv"] == links_csv(corpus, "/").encode("utf-8")
    assert "“Curly” C." in links_csv(corpus, "/")
    from evidence_explorer.exports.tables import cmocs_csv, papers_csv
    for name, text in (("data/cmocs.csv", cmocs_csv(corpus, "/")), ("data/papers.csv", papers_csv(corpus, "/"))):
        assert isinstance(files[name], bytes) and files[name] == text.encode("utf-8")  # the BOM too
        assert text.startswith("\ufeff")
    out = tmp_path / "site"
    assert build(BuildOptions(content=content, output=out, search=False)).written
    assert (out / "review" / "links.csv").read_bytes() == files["review/links.csv"]
