"""The core contract: every entity has its page, evidence.json is complete, builds are atomic."""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from conftest import ROOT, SITES, run_cli
from evidence_explorer.content import urls
from evidence_explorer.content.model import KINDS
from evidence_explorer.authoring.format_reference import reference_markdown
from evidence_explorer.content.fields import content_fields

COLLECTION_KEYS = ("reviews", "questions", "theories", "maps", "papers", "cmocs")


def test_every_entity_has_its_page(minimal_site, minimal_evidence):
    ids = {}
    for key in COLLECTION_KEYS:
        for rec in minimal_evidence[key]:
            page = minimal_site / rec["url"].lstrip("/") / "index.html"
            assert page.is_file(), rec["url"]
            ids[rec["id"]] = key
    files = {p.stem for p in (SITES / "minimal").glob("*/*.md") if p.parent.name != "pages"}
    assert files == set(ids)
    for coll in ("", "theories/", "maps/", "cmocs/", "papers/", "questions/", "reviews/", "data/", "matrix/"):
        assert (minimal_site / coll / "index.html").is_file(), coll
    assert (minimal_site / "about" / "index.html").is_file()


def test_evidence_json_relations(minimal_evidence):
    ev = minimal_evidence
    assert set(COLLECTION_KEYS) | {"site"} <= set(ev)
    paper = {r["id"]: r for r in ev["papers"]}["smith-2019"]
    assert paper["cmocs"] == ["c1", "c2"]
    assert paper["maps"] == ["map-R1"]
    assert set(paper["theories"]) == {"R1", "R1a", "F1"}
    assert paper["doi"] == "10.1234/jic.2019.45"  # doi.org URL normalised
    assert paper["source_url"] == "https://example.org/smith"
    assert paper["coded_theories"] == ["F1"]
    theory = {r["id"]: r for r in ev["theories"]}["R1"]
    assert theory["children"] == ["R1a"]
    assert theory["cmocs"] == ["c1", "c2"]
    assert theory["papers"] == ["smith-2019", "nhs-2020"]
    assert theory["statement"][0].startswith("If teams share")
    question = ev["questions"][0]
    # c1 names the question; c2 answers it through its theory node R1 (issue 16: counts that add up)
    assert question["theories"] == ["R1"] and question["cmocs"] == ["c1", "c2"]
    assert set(question["papers"]) == {"smith-2019", "nhs-2020"}
    cmoc = {r["id"]: r for r in ev["cmocs"]}["c1"]
    assert cmoc["sources"][0] == {"paper": "smith-2019", "locator": "p. 50", "quote": "We trust each other now."}
    assert cmoc["sources"][1] == {"paper": "nhs-2020"}
    assert cmoc["theories"][1] == {"theory": "R1a", "relation": "supports"}
    assert cmoc["outcome_domain"] == ["patient-experience"]
    c2 = {r["id"]: r for r in ev["cmocs"]}["c2"]
    assert c2["chained_from"] == ["c1"] and c2["mechanism"] == "Patients feel known"
    assert ev["maps"][0]["rows"][2] == {"focus": "Patient-reported continuity", "kind": "outcome", "papers": []}
    assert ev["reviews"][0]["flow"][0] == {"stage": "Records identified", "count": 120}


def test_wikilinks_render_with_target_title(minimal_site):
    html = (minimal_site / "theories" / "R1" / "index.html").read_text()
    assert '<a class="xref" href="/cmocs/c1/">Trust enables shared care</a>' in html
    assert 'href="/papers/smith-2019/">Smith et al. (2019) Teams and trust in primary care</a>' in html
    q = (minimal_site / "questions" / "Q1" / "index.html").read_text()
    assert '<a class="xref" href="/theories/R1/">the first component</a>' in q


def test_raw_html_in_body_is_text(minimal_site):
    html = (minimal_site / "about" / "index.html").read_text()
    assert "A &lt;b&gt;raw&lt;/b&gt; tag stays text." in html


def test_base_url_prefixes_every_internal_link(tmp_path):
    out = tmp_path / "site"
    run = run_cli("build", "--content", str(SITES / "minimal"), "--output", str(out), "--no-search",
                  "--base-url", "/evidence")
    assert run.code == 0, run.err
    for page in out.rglob("*.html"):
        for link in re.findall(r'(?:href|src)="([^"#]*)"', page.read_text()):
            if link.startswith("/"):
                assert link.startswith("/evidence/"), (page, link)
    ev = json.loads((out / "data" / "evidence.json").read_text())
    assert ev["papers"][0]["url"].startswith("/evidence/papers/")


def _tree_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_failed_build_leaves_previous_output_untouched(tmp_path, make_site):
    out = tmp_path / "site"
    good = run_cli("build", "--content", str(SITES / "minimal"), "--output", str(out), "--no-search")
    assert good.code == 0
    before = _tree_digest(out)
    content = make_site({"papers/x.md": "---\ntitle: X\nauthors: [A B]\nyaer: 2020\n---\n"})
    bad = run_cli("build", "--content", str(content), "--output", str(out), "--no-search")
    assert bad.code == 1
    assert "unknown field 'yaer' (did you mean 'year'?)" in bad.err
    assert _tree_digest(out) == before
    assert not list(tmp_path.glob(".site.*")), "no staging directory left behind"


def test_refuses_to_replace_a_directory_it_did_not_write(tmp_path, make_site):
    content = make_site({})
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.docx").write_text("years of work")
    run = run_cli("build", "--content", str(content), "--output", str(out), "--no-search")
    assert run.code == 2 and "refusing to replace" in run.err
    assert (out / "thesis.docx").read_text() == "years of work"


def test_check_writes_nothing(tmp_path):
    run = run_cli("check", "--content", str(SITES / "minimal"), cwd=tmp_path)
    assert run.code == 0, run.err
    assert not (tmp_path / "site").exists()
    assert "warning: row 'Patient-reported continuity' lists no papers" in run.err


def test_strict_makes_warnings_fail():
    run = run_cli("check", "--content", str(SITES / "minimal"), "--strict")
    assert run.code == 1
    assert run.lines[-1] == "check failed: 0 errors, 1 warning"


def test_usage_errors_exit_2(tmp_path):
    assert run_cli("build", "--content", str(tmp_path / "nope")).code == 2
    assert run_cli("frobnicate").code == 2
    assert run_cli("build", "--no-such-option").code == 2


def test_every_model_field_is_documented():
    doc = (ROOT / "docs" / "content-format.md").read_text(encoding="utf-8")
    assert doc == reference_markdown(), \
        "run: python -m evidence_explorer.authoring.format_reference > docs/content-format.md"
    for kind, cls in KINDS.items():
        section = doc.split(f"## {cls.label} (")[1].split("\n## ")[0]
        for name in content_fields(cls):
            assert f"| `{name}` |" in section, (kind, name)


@pytest.mark.parametrize("kind,eid,expected", [
    ("paper", "smith-2019", "papers/smith-2019/"),
    ("theory", "M1", "theories/M1/"),
    ("map", "map-M1", "maps/map-M1/"),
    ("cmoc", "c.1", "cmocs/c.1/"),
    ("page", "about", "about/"),
])
def test_entity_urls(kind, eid, expected):
    assert urls.entity_url(kind, eid) == expected
    assert urls.output_path(expected) == expected + "index.html"


@pytest.mark.parametrize("raw,expected", [("", "/"), ("/", "/"), ("sub", "/sub/"), ("/sub", "/sub/"),
                                          ("/a/b/", "/a/b/"), ("https://x.org/ev", "https://x.org/ev/")])
def test_normalise_base_url(raw, expected):
    assert urls.normalise_base_url(raw) == expected


def test_yaml_dates_stay_text(make_site, tmp_path):
    content = make_site({
        "theories/T1.md": "---\ntitle: T\n---\n",
        "papers/a.md": "---\ntitle: A\nauthors: [A B]\nyear: 2020\ntheories: [T1]\nextra: {accessed: 2020-01-02}\n---\n",
    })
    out = tmp_path / "out"
    assert run_cli("build", "--content", str(content), "--output", str(out), "--no-search").code == 0
    ev = json.loads((out / "data" / "evidence.json").read_text())
    assert ev["papers"][0]["extra"] == {"accessed": "2020-01-02"}


def test_page_cannot_take_a_generated_url(make_site):
    content = make_site({"pages/search.md": "---\ntitle: Search\n---\n"})
    run = run_cli("check", "--content", str(content))
    assert run.code == 1
    assert "page id 'search' would overwrite the generated '/search/'" in run.err
