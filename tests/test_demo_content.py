"""The demo evidence base in content/ against the seed reports' ground truth.

Ground truth lives in tests/data/ (copied from the seed digests) so the suite
runs on a fresh clone:
- mcp_evidence_maps.json: Tables 5-9 of the realist synthesis (maps M1-M5);
- slr_003.json: the 33 articles of the systematic review and their
  factor-category coding (Appendix C).
Papers carry the seed's reference numbers in `extra` (`ref_001` for the
realist synthesis, `ref_003` for the systematic review), which is how seed
references are matched to paper ids here.
"""
from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "site"
    subprocess.run(
        [sys.executable, "build.py", "--content", "content", "--output", str(out),
         "--no-search", "--quiet"],
        cwd=ROOT, check=True,
    )
    return out


@pytest.fixture(scope="module")
def evidence(site: Path) -> dict:
    return json.loads((site / "data" / "evidence.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def papers_by_ref(evidence: dict) -> dict[int, str]:
    """Realist-synthesis reference number -> paper id."""
    index: dict[int, str] = {}
    for paper in evidence["papers"]:
        ref = (paper.get("extra") or {}).get("ref_001")
        if ref is not None:
            assert ref not in index, f"reference {ref} has two paper files"
            index[ref] = paper["id"]
    return index


SEED_MAPS = json.loads((DATA / "mcp_evidence_maps.json").read_text(encoding="utf-8"))
SEED_SLR = json.loads((DATA / "slr_003.json").read_text(encoding="utf-8"))


def test_seed_data_is_what_we_expect():
    assert [m["id"] for m in SEED_MAPS] == ["M1", "M2", "M3", "M4", "M5"]
    assert len(SEED_SLR["articles"]) == 33


@pytest.mark.parametrize("seed_map", SEED_MAPS, ids=lambda m: m["id"])
def test_map_matches_seed_table(seed_map, evidence, papers_by_ref):
    maps = [m for m in evidence["maps"] if m["theory"] == seed_map["id"]]
    assert len(maps) == 1, f"expected one map for {seed_map['id']}"
    rows = maps[0]["rows"]
    seed_rows = seed_map["rows"]
    assert len(rows) == len(seed_rows), f"{seed_map['table']}: row count"
    for n, (row, seed_row) in enumerate(zip(rows, seed_rows), start=1):
        where = f"{seed_map['table']} row {n}"
        assert row["focus"] == seed_row["focus"], where
        assert row["kind"] == seed_row["kind"], where
        expected = {papers_by_ref[r["ref_number"]] for r in seed_row["references"]}
        listed = row["papers"]
        assert set(listed) == expected, where
        assert len(listed) == len(seed_row["references"]), f"{where}: duplicates"


def test_map_reference_labels_that_collide_stay_distinct(papers_by_ref):
    # Same printed label, different papers (Tables 6-8).
    for a, b in [(338, 342), (364, 374), (375, 391), (332, 369)]:
        assert papers_by_ref[a] != papers_by_ref[b]


def test_empty_map_row_is_the_one_the_source_reports(evidence):
    empty = [(m["theory"], r["focus"]) for m in evidence["maps"] for r in m["rows"]
             if not r.get("papers")]
    assert empty == [("M4", "Audit and feedback")]


def test_slr_factor_coding_matches_appendix_c(evidence):
    factors = {t["title"]: t["id"] for t in evidence["theories"] if t.get("kind") == "factor"}
    assert set(factors) == set(SEED_SLR["categories"])
    by_ref = {}
    for paper in evidence["papers"]:
        ref = (paper.get("extra") or {}).get("ref_003")
        if ref is not None:
            assert ref not in by_ref, f"systematic review article {ref} has two paper files"
            by_ref[ref] = paper
    assert sorted(by_ref) == list(range(1, 34))
    factor_ids = set(factors.values())
    for article in SEED_SLR["articles"]:
        paper = by_ref[article["ref"]]
        coded = {t for t in paper.get("coded_theories", []) if t in factor_ids}
        expected = {factors[c] for c in article["categories"]}
        assert coded == expected, f"article {article['ref']} ({article['first_author']})"
        assert paper["year"] == article["year"] or "notes" in paper["extra"], article["ref"]
        reviews = paper["review"] if isinstance(paper["review"], list) else [paper["review"]]
        assert "slr" in reviews


def test_uncounted_chart_row_is_not_included(evidence):
    titles = {p["title"] for p in evidence["papers"]}
    for row in SEED_SLR["other_chart_rows_not_counted"]:
        assert not any(p["title"] == row["title"] and p["year"] == row["year"]
                       for p in evidence["papers"]), titles


def test_factor_counts_recomputed_from_coding(evidence):
    expected = SEED_SLR["counts"]["derived_from_chart"]["factor_categories_n"]
    factors = {t["id"]: t["title"] for t in evidence["theories"] if t.get("kind") == "factor"}
    counts = {title: 0 for title in factors.values()}
    for paper in evidence["papers"]:
        for t in paper.get("coded_theories", []):
            if t in factors:
                counts[factors[t]] += 1
    assert counts == expected


# Document-flow counts as the seeds report them.
SLR_FLOW = SEED_SLR["counts"]["as_printed"]["prisma_flow_figure_1"]
REPORTED_FLOW = {
    "slr": [
        SLR_FLOW["records_database_searching"], SLR_FLOW["records_other_sources"],
        SLR_FLOW["records_identified_total"], SLR_FLOW["duplicates_excluded"],
        SLR_FLOW["records_screened"], SLR_FLOW["excluded_title_abstract_not_relevant"],
        SLR_FLOW["full_text_assessed"], SLR_FLOW["full_text_excluded_not_relevant"],
        SLR_FLOW["full_text_excluded_unobtainable"], SLR_FLOW["included"],
    ],
    # Realist synthesis: Chapter 2 (logic models, if-then statements, theory
    # reduction 12 -> 10 -> 8), Table 3 (records screened per theme) and
    # Table 4 (Google Scholar exemplar, 264 -> 99).
    "realist-synthesis": [12, 1394, 12, 10, 8, 7965, 2230, 8772, 2695, 8843, 264, 99],
    # The rapid evidence scan reports no method and no counts.
    "rapid-scan": [],
}


@pytest.mark.parametrize("review_id", sorted(REPORTED_FLOW))
def test_review_flow_counts(review_id, evidence, site):
    review = next(r for r in evidence["reviews"] if r["id"] == review_id)
    counts = [stage["count"] for stage in review.get("flow") or []]
    assert counts == REPORTED_FLOW[review_id]
    page = html.unescape((site / "reviews" / review_id / "index.html").read_text(encoding="utf-8"))
    text = re.sub(r"<[^>]+>", " ", page)
    for count in counts:
        forms = {str(count), f"{count:,}", f"{count:,}".replace(",", "\u202f"),
                 f"{count:,}".replace(",", "\u2009")}
        assert any(re.search(rf"(?<![\d,]){re.escape(f)}(?![\d,])", text) for f in forms), \
            f"{review_id}: count {count} not shown"


def test_every_cmoc_cites_papers_and_a_component(evidence):
    components = {t["id"] for t in evidence["theories"] if t.get("kind") == "component"}
    assert len(evidence["cmocs"]) == 29
    for cmoc in evidence["cmocs"]:
        assert cmoc["sources"], cmoc["id"]
        linked = {t["theory"] if isinstance(t, dict) else t for t in cmoc["theories"]}
        assert linked & components, cmoc["id"]


def test_included_study_appendices_are_coded_to_their_component(evidence, papers_by_ref):
    papers = {p["id"]: p for p in evidence["papers"]}
    # Appendix 5 (R1) has 38 rows, Appendix 6 (R2) 47, Appendix 7 (R3) 40;
    # reference 191 is in both R1 and R2. Each included study is coded to its
    # component and names its appendix in `extra.included_in`.
    appendix = {"R1": "Appendix 5", "R2": "Appendix 6", "R3": "Appendix 7"}
    counts = {}
    for component, label in appendix.items():
        listed = [p for p in papers.values()
                  if label in str((p.get("extra") or {}).get("included_in", ""))]
        counts[component] = len(listed)
        for p in listed:
            assert component in (p.get("coded_theories") or []), (p["id"], component)
    assert counts == {"R1": 38, "R2": 47, "R3": 40}
    assert {"R1", "R2"} <= set(papers[papers_by_ref[191]]["coded_theories"])


ORGANISATIONS = {  # demo authors that are bodies, not people: kept whole, as the seeds print them
    "Collaborations for Leadership in Applied Health Research and Care (CLAHRC) Greater Manchester",
    "Collaborative Rehabilitation Environments in Acute Stroke (CREATE) team", "College of Paramedics", "DOH",
    "House of Commons", "Monitor", "Mott MacDonald", "NHS England", "NHS Future Forum", "NHS Improvement",
    "NHS Leadership Academy", "NHS RightCare", "National Audit Office", "Nesta",
    "Primary Care Workforce Commission", "Realising the value", "SQW", "The University of York",
    "Fernandez Concepción",  # the review prints this order and notes its appendices disagree: kept as printed
}


def test_demo_people_are_written_as_people(evidence, site):
    """Every demo author is 'Surname Initials' (as an import gives it back), an organisation above, or the final 'et al.'
    marker: a name written 'Given Surname' was exported to BibTeX as an organisation ({Gerald Wistow})."""
    from evidence_explorer.content.citation import ET_AL, parse_name
    odd = set()
    for paper in evidence["papers"]:
        named = paper["authors"][:-1] if paper["authors"][-1:] == [ET_AL] else paper["authors"]
        odd |= {a for a in named if parse_name(a).organisation and a not in ORGANISATIONS}
    assert not odd
    bib = (site / "data" / "references.bib").read_text(encoding="utf-8")
    assert "Wistow, G and Gaskins, M and Holder, H and Smith, J" in bib
    assert "*et al*" not in bib
