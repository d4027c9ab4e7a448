"""Search without a browser: what each page tells Pagefind, the index the build writes, failures.

The Pagefind index is read back from its fragments (gzip'd JSON per page), so these tests check
what a visitor's browser will actually receive, not just the HTML we wrote.
"""
from __future__ import annotations

import gzip
import json
import os
import re
import stat
from pathlib import Path

import pytest

from conftest import run_cli
from evidence_explorer.content.diagnostics import Report
from evidence_explorer.pipeline import load_corpus
from evidence_explorer.site.search_index import filter_groups, search_record, short_authors

SITE_YAML = """\
title: Search test
facets:
  outcome_domain:
    label: Outcome domain
    applies_to: [cmoc]
    values: {patient-experience: Patient experience, unintended: Unintended consequences}
  direction:
    label: Works for integrated care?
    applies_to: [cmoc]
    values: {enabler: Enabler, barrier: Barrier}
"""

FILES = {
    "reviews/rev.md": "---\ntitle: A realist review\nyear: 2018\nauthors: [Turner A, Mulla A, Booth A, Kim B]\n"
                      "method: realist synthesis\n---\n",
    "questions/q1.md": "---\ntext: How does trust form between teams?\nshort: Trust\nreview: rev\n---\n",
    "theories/T1.md": "---\ntitle: Teams build trust\nstatement: If teams meet, then trust grows.\n"
                      "question: q1\nreview: rev\n---\n",
    "theories/T1a.md": "---\ntitle: Shared lunches\nparent: T1\n---\n",
    "papers/smith-2019.md": "---\ntitle: Huddles and Trust in Primary Care\nauthors: [Smith J, Jones K, Lee A, Wu B]\n"
                            "year: 2019\ndesign: Qualitative\nsetting: [general practice]\ncountry: [UK, Canada]\n"
                            "review: rev\n---\nInterviews with staff.\n",
    "papers/undated.md": "---\ntitle: An Undated Grey Report\nauthors: [NHS England]\nyear: n.d.\n"
                         "theories: [T1a]\n---\n",
    "cmocs/c1.md": "---\ncontext: Teams that meet weekly, with protected time.\nmechanism: Staff come to trust "
                   "each other.\noutcome: Fewer duplicated visits.\nsources: [smith-2019]\ntheories: [T1]\n"
                   "direction: enabler\noutcome_domain: [patient-experience]\nquestion: q1\n---\n",
    "maps/map-T1.md": "---\ntheory: T1\nrows:\n  - focus: Team meetings\n    papers: [smith-2019]\n---\n",
    "pages/about.md": "---\ntitle: About this base\n---\nWhat this is.\n",
}


@pytest.fixture
def corpus(make_site):
    report = Report()
    c = load_corpus(make_site(FILES, SITE_YAML), report)
    assert not report.errors, [d.format() for d in report.errors]
    return c


def pairs(record, key):
    return [v for k, v in record.filters if k == key]


def test_paper_record_has_every_filter_meta_and_sort(corpus):
    r = search_record(corpus, corpus.get("smith-2019"))
    assert pairs(r, "kind") == ["Paper"]
    assert pairs(r, "year") == ["2019"]
    assert pairs(r, "design") == ["Qualitative"]
    assert pairs(r, "setting") == ["General practice"]
    assert pairs(r, "country") == ["UK", "Canada"]
    assert pairs(r, "review") == ["A realist review"]
    # linked to T1 through its CMOC and through the map; the question comes through the CMOC
    assert pairs(r, "theory") == ["T1: Teams build trust"]
    assert pairs(r, "question") == ["Trust"]
    meta = dict(r.meta)
    assert meta == {"title": "Huddles and Trust in Primary Care", "kind": "Paper", "year": "2019",
                    "authors": "Smith J, Jones K, Lee A et al."}
    assert dict(r.sorts) == {"year": "2019", "year_oldest": "2019", "title": "huddles and trust in primary care"}


def test_cmoc_record_uses_facet_labels_and_summarises_c_to_o(corpus):
    r = search_record(corpus, corpus.get("c1"))
    assert pairs(r, "kind") == ["CMOC"]
    assert pairs(r, "direction") == ["Enabler"]
    assert pairs(r, "outcome_domain") == ["Patient experience"]
    assert pairs(r, "theory") == ["T1: Teams build trust"]
    assert pairs(r, "question") == ["Trust"]
    assert pairs(r, "year") == []
    assert dict(r.meta)["summary"] == ("C: Teams that meet weekly, with protected time. → O: Fewer duplicated "
                                       "visits.")


def test_records_without_a_year_still_carry_every_sort_key(corpus):
    for entity in corpus.all():
        sorts = dict(search_record(corpus, entity).sorts)
        assert set(sorts) == {"year", "year_oldest", "title"}, entity.id
        assert all(sorts.values()), entity.id
    undated = dict(search_record(corpus, corpus.get("undated")).sorts)
    theory = dict(search_record(corpus, corpus.get("T1")).sorts)
    # undated records sort after dated ones both ways: lowest when newest-first, highest when oldest-first
    assert undated["year"] == theory["year"] == "0"
    assert int(undated["year_oldest"]) > 9999
    assert pairs(search_record(corpus, corpus.get("undated")), "year") == ["n.d."]


def test_theory_is_linked_to_itself_and_its_parent(corpus):
    child = search_record(corpus, corpus.get("T1a"))
    assert pairs(child, "theory") == ["T1a: Shared lunches", "T1: Teams build trust"]
    assert dict(child.meta)["summary"] == "Programme theory component"
    parent = search_record(corpus, corpus.get("T1"))
    assert dict(parent.meta)["summary"] == "Programme theory component. If teams meet, then trust grows."
    assert pairs(parent, "question") == ["Trust"]
    # a paper coded straight to the child theory
    assert pairs(search_record(corpus, corpus.get("undated")), "theory") == ["T1a: Shared lunches"]


def test_map_question_review_page_records(corpus):
    m = search_record(corpus, corpus.get("map-T1"))
    assert pairs(m, "kind") == ["Evidence map"]
    assert pairs(m, "theory") == ["T1: Teams build trust"]
    assert pairs(m, "review") == ["A realist review"]  # through its theory
    assert dict(m.meta)["summary"] == "1 evidence set"
    q = search_record(corpus, corpus.get("q1"))
    assert pairs(q, "theory") == ["T1: Teams build trust"] and pairs(q, "review") == ["A realist review"]
    rev = dict(search_record(corpus, corpus.get("rev")).meta)
    assert rev["authors"] == "Turner A, Mulla A, Booth A et al." and rev["summary"] == "realist synthesis"
    page = search_record(corpus, corpus.get("about"))
    assert page.filters == (("kind", "Page"),)


def test_filter_groups_follow_site_yaml_labels(corpus):
    groups = {g.key: g for g in filter_groups(corpus.config)}
    assert list(groups)[:3] == ["kind", "year", "theory"]
    assert groups["direction"].label == "Works for integrated care?"
    assert groups["outcome_domain"].label == "Outcome domain"
    assert groups["theory"].ids and groups["question"].ids and not groups["year"].ids


def test_short_authors():
    assert short_authors(["A B"]) == "A B"
    assert short_authors(["A", "B", "C"]) == "A, B, C"
    assert short_authors(["A", "B", "C", "D"]) == "A, B, C et al."


# --- the built index ------------------------------------------------------------------------

def read_index(site: Path) -> dict[str, dict]:
    """URL → Pagefind fragment (url, content, meta, filters) for every indexed page."""
    out = {}
    for path in (site / "pagefind" / "fragment").glob("*.pf_fragment"):
        raw = gzip.decompress(path.read_bytes())
        assert raw.startswith(b"pagefind_dcd")
        fragment = json.loads(raw[len(b"pagefind_dcd"):])
        out[fragment["url"]] = fragment
    return out


@pytest.fixture(scope="module")
def demo_index(demo_site):
    return read_index(demo_site)


def test_demo_index_holds_every_entity_page_and_nothing_else(demo_site, demo_index):
    evidence = json.loads((demo_site / "data" / "evidence.json").read_text(encoding="utf-8"))
    urls = {r["url"] for key in ("reviews", "questions", "theories", "maps", "papers", "cmocs")
            for r in evidence[key]}
    pages = {u for u in demo_index if u.count("/") == 2 and not u.startswith(
        tuple(f"/{k}/" for k in ("papers", "cmocs", "theories", "maps", "questions", "reviews")))}
    assert urls <= set(demo_index)
    assert "/about/" in pages
    assert set(demo_index) == urls | pages
    for listing in ("/", "/papers/", "/theories/", "/cmocs/", "/search/", "/data/", "/maps/"):
        assert listing not in demo_index
    bundle = {p.name for p in (demo_site / "pagefind").iterdir()}
    assert {"pagefind.js", "pagefind-worker.js", "fragment", "index", "filter"} <= bundle
    assert not {n for n in bundle if n.endswith("ui.js") or n.endswith("ui.css")}  # our own UI only
    entry = json.loads((demo_site / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert sum(lang["page_count"] for lang in entry["languages"].values()) == len(demo_index)


def test_demo_index_has_filters_and_meta_but_not_navigation(demo_index):
    paper = demo_index["/papers/gittell-2006/"]
    assert paper["meta"]["kind"] == "Paper" and paper["meta"]["year"] == "2006"
    assert paper["meta"]["title"].startswith("Relational Coordination")
    assert paper["filters"]["kind"] == ["Paper"]
    for fragment in demo_index.values():
        assert fragment["meta"]["kind"] and fragment["meta"]["title"], fragment["url"]
        assert fragment["filters"]["kind"] == [fragment["meta"]["kind"]]
        content = fragment["content"]
        assert "Skip to content" not in content and "Download the data" not in content, fragment["url"]
    # the hidden filter/sort block is not indexed as text: the case-folded sort title never shows up
    assert "relational coordination: coordinating work" not in paper["content"]
    m2 = demo_index["/theories/M2/"]
    assert m2["filters"]["theory"][0].startswith("M2: ")


def test_every_indexed_page_carries_every_sort_key(demo_site, demo_index):
    for url in demo_index:
        html = (demo_site / url.strip("/") / "index.html").read_text(encoding="utf-8")
        keys = set(re.findall(r'data-pagefind-sort="([^"]+)"', html))
        assert keys == {"year", "year_oldest", "title"}, url


def test_search_page_lists_filter_groups(demo_site):
    html = (demo_site / "search" / "index.html").read_text(encoding="utf-8")
    for label in ("Type of record", "Year", "Theory", "Review question", "Evidence type", "Outcome domain",
                  "Country"):
        assert f'<span class="filter-label">{label}</span>' in html
    assert 'role="status"' in html and 'aria-live="polite"' in html
    assert "static/search.js" in html and "static/search.css" in html
    other = (demo_site / "papers" / "index.html").read_text(encoding="utf-8")
    assert "search.js" not in other and 'action="/search/"' in other


def test_no_search_skips_the_index(make_site, tmp_path):
    content = make_site(FILES, SITE_YAML)
    out = tmp_path / "site"
    run = run_cli("build", "--content", str(content), "--output", str(out), "--no-search", "--quiet")
    assert run.code == 0, run.err
    assert (out / "search" / "index.html").is_file()
    assert not (out / "pagefind").exists()


def test_index_is_rebuilt_on_every_build(make_site, tmp_path):
    content = make_site(FILES, SITE_YAML)
    out = tmp_path / "site"
    assert run_cli("build", "--content", str(content), "--output", str(out), "--quiet").code == 0
    first = read_index(out)
    assert "/papers/smith-2019/" in first and "/papers/new-2024/" not in first
    (content / "papers" / "new-2024.md").write_text(
        "---\ntitle: A New Paper\nauthors: [New A]\nyear: 2024\ntheories: [T1]\n---\n", encoding="utf-8")
    (content / "papers" / "undated.md").unlink()
    (content / "papers" / "smith-2019.md").write_text(
        (content / "papers" / "smith-2019.md").read_text(encoding="utf-8").replace("year: 2019", "year: 2020"),
        encoding="utf-8")
    assert run_cli("build", "--content", str(content), "--output", str(out), "--quiet").code == 0
    second = read_index(out)
    assert second["/papers/new-2024/"]["meta"]["title"] == "A New Paper"
    assert "/papers/undated/" not in second
    assert second["/papers/smith-2019/"]["filters"]["year"] == ["2020"]


def fake_pagefind(tmp_path: Path, script: str) -> Path:
    path = tmp_path / "fake-pagefind"
    path.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.mark.parametrize("script, message", [
    ("echo 'Error: the index could not be written' >&2\nexit 3\n",
     "error: Pagefind failed (exit 3): Error: the index could not be written [search.failed]"),
    ("exit 0\n", "error: Pagefind wrote no usable index (pagefind-entry.json: "),
    (None, "error: could not run Pagefind (missing-pagefind): "),
])
def test_pagefind_failures_are_diagnostics_and_keep_the_previous_site(make_site, tmp_path, monkeypatch,
                                                                       script, message):
    content = make_site(FILES, SITE_YAML)
    out = tmp_path / "site"
    assert run_cli("build", "--content", str(content), "--output", str(out), "--no-search", "--quiet").code == 0
    before = (out / "papers" / "smith-2019" / "index.html").read_text(encoding="utf-8")
    binary = fake_pagefind(tmp_path, script) if script else tmp_path / "missing-pagefind"
    if script is None:
        binary.write_text("not executable", encoding="utf-8")
        binary.chmod(0o644)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(binary))
    (content / "papers" / "smith-2019.md").write_text(
        (content / "papers" / "smith-2019.md").read_text(encoding="utf-8").replace("Huddles", "Changed"),
        encoding="utf-8")
    run = run_cli("build", "--content", str(content), "--output", str(out), "--quiet")
    assert run.code == 1
    assert "Traceback" not in run.err
    assert message in run.err, run.err
    assert (out / "papers" / "smith-2019" / "index.html").read_text(encoding="utf-8") == before
    assert not any(p.name.startswith(".site.staging") for p in tmp_path.iterdir())


def test_missing_binary_is_a_diagnostic(make_site, tmp_path, monkeypatch):
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(tmp_path / "nowhere" / "pagefind"))
    run = run_cli("build", "--content", str(make_site(FILES, SITE_YAML)), "--output", str(tmp_path / "site"),
                  "--quiet")
    assert run.code == 1
    assert ("error: the Pagefind binary was not found; install the 'pagefind[bin]' package (or set "
            "PAGEFIND_BINARY_PATH), or build with --no-search [search.failed]") in run.err
    assert not (tmp_path / "site").exists()
