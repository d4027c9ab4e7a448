"""Integrity findings: each present on tests/sites/integrity/findings, absent on .../clean.

Both fixtures raise every informational check to ``warning`` in their site.yaml,
so each finding is one located diagnostic line.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT, SITES, run_cli
from evidence_explorer.content import integrity
from evidence_explorer.content.diagnostics import Report
from evidence_explorer.pipeline import load_corpus

FINDINGS = SITES / "integrity" / "findings"
CLEAN = SITES / "integrity" / "clean"

# (check, path:line, message) that the findings fixture must give: one per planted problem.
EXPECTED = [
    ("orphan-paper", "papers/lonely-2022.md", "paper is not cited by any CMOC or map, nor coded to a theory"),
    ("orphan-paper", "papers/twin-2020b.md", "paper is not cited by any CMOC or map, nor coded to a theory"),
    ("theory-without-evidence", "theories/T2.md", "theory has no evidence: no CMOC, paper or map links to it "
     "(nor to its children or related theories)"),
    ("empty-map-row", "maps/map-T1.md:7", "row 'Shared records' lists no papers (a gap in the evidence)"),
    ("few-sources", "cmocs/c2.md:5", "CMOC rests on 1 source (the integrity minimum is 2)"),
    ("source-provenance", "cmocs/c1.md:9", "source 'twin-2020' has no quote"),
    ("source-provenance", "cmocs/c2.md:6", "source 'critic-2021' has no locator"),
    ("duplicate-doi", "papers/twin-2020b.md:5", "DOI 10.1000/dup is also the DOI of papers/twin-2020.md ('twin-2020')"),
    ("only-refuting", "papers/critic-2021.md", "paper is cited only as refuting: every theory link of its 1 CMOC "
     "is 'refutes'"),
    ("flow-count", "reviews/rev1.md:6", "flow stage 'Studies included in the synthesis' reports 5 but 3 included "
     "papers name this review (update this count, or the 'review' field of the papers)"),
    ("flow-arithmetic", "reviews/rev2.md:6", "flow counts do not add up: 50 identified − 10 removed = 40, but "
     "'Records screened' reports 45"),
    ("map-paper-unused", "maps/map-T1.md:3", "map lists 1 paper that no CMOC uses: mapped-2018"),
]


def check(site: Path, *extra: str):
    return run_cli("check", "--content", ".", *extra, cwd=site)


def test_every_check_has_a_planted_finding():
    assert {c for c, _, _ in EXPECTED} == set(integrity.CHECKS)


@pytest.mark.parametrize("check_name,where,message", EXPECTED, ids=[f"{c}:{w}" for c, w, _ in EXPECTED])
def test_finding_present(check_name, where, message):
    run = check(FINDINGS)
    line = f"{where}: warning: {message} [{integrity.CHECKS[check_name].code}]"
    assert line in run.lines, run.err


def test_findings_site_gives_exactly_the_planted_findings():
    run = check(FINDINGS, "--strict")
    assert run.code == 1
    diagnostics = [line for line in run.lines if ": warning: " in line or ": error: " in line]
    assert len(diagnostics) == len(EXPECTED), run.err
    assert run.lines[-1] == f"check failed: 0 errors, {len(EXPECTED)} warnings"


@pytest.mark.parametrize("check_name", list(integrity.CHECKS))
def test_finding_absent_on_clean_site(check_name):
    """The clean fixture holds the near misses: an excluded unreferenced paper, a parent whose evidence is
    its child's, an acknowledged gap row, a paper that refutes one theory and supports another, matching
    flow counts, distinct DOIs, quoted and located sources."""
    run = check(CLEAN, "--strict")
    assert f"[{integrity.CHECKS[check_name].code}]" not in run.err
    assert run.code == 0, run.err


def test_findings_as_data_for_the_integrity_page():
    corpus = load_corpus(FINDINGS, Report())
    found = integrity.findings(corpus)
    by_check = {}
    for f in found:
        by_check.setdefault(f.check, []).append(f)
    assert [f.entity for f in by_check["orphan-paper"]] == ["lonely-2022", "twin-2020b"]
    assert by_check["duplicate-doi"][0].related == ("twin-2020",)
    assert by_check["map-paper-unused"][0].related == ("mapped-2018",)
    assert by_check["only-refuting"][0].related == ("c2",)
    assert len(found) == len(EXPECTED)


def test_default_levels_make_informational_checks_one_counted_note(tmp_path):
    site = tmp_path / "site"
    import shutil
    shutil.copytree(FINDINGS, site)
    (site / "site.yaml").write_text("title: Defaults\n", encoding="utf-8")
    run = check(site)
    assert run.code == 0
    assert ("site.yaml: note: Sources without a quote or locator: 2 (informational, listed on /review/integrity/; "
            "set 'integrity: {source-provenance: warning}' in site.yaml to report each one) "
            "[integrity.source-provenance]") in run.lines
    assert any(line.startswith("site.yaml: note: CMOCs with a single source: 1 ") for line in run.lines)
    assert not any("cmocs/c1.md:9" in line for line in run.lines)
    # notes never fail --strict; the remaining warnings do
    strict = check(site, "--strict")
    assert strict.lines[-1] == "check failed: 0 errors, 8 warnings"


def test_levels_and_min_sources_from_site_yaml(make_site):
    paper = "---\ntitle: P\nauthors: [A B]\nyear: 2020\n---\n"
    content = make_site({
        "papers/p1.md": paper, "papers/p2.md": paper,
        "cmocs/c1.md": """
            ---
            context: C
            mechanism: M
            outcome: O
            sources:
              - {paper: p1, locator: p. 1, quote: q}
              - {paper: p2, locator: p. 2, quote: r}
            ---
            """,
    }, site_yaml="title: T\nintegrity:\n  min_sources: 3\n  few-sources: warning\n  orphan-paper: 'off'\n")
    run = run_cli("check", "--content", str(content))
    assert f"{content}/cmocs/c1.md:5: warning: CMOC rests on 2 sources (the integrity minimum is 3) " \
           "[integrity.few-sources]" in run.lines, run.err


def test_two_passages_of_one_paper_are_one_source_on_the_page_too(make_site, tmp_path):
    """The CMOC page counts what the integrity check counts: two quoted passages of one paper are
    one source, so the heading says so instead of 'Sources (2)' beside 'rests on 1 source'."""
    content = make_site({
        "papers/p1.md": "---\ntitle: P\nauthors: [A B]\nyear: 2020\n---\n",
        "cmocs/c1.md": """
            ---
            context: C
            mechanism: M
            outcome: O
            sources:
              - {paper: p1, locator: p. 1, quote: q}
              - {paper: p1, locator: p. 7, quote: r}
            ---
            """,
    }, site_yaml="title: T\nintegrity:\n  few-sources: warning\n")
    run = run_cli("build", "--content", str(content), "--output", str(tmp_path / "site"), "--no-search")
    assert "CMOC rests on 1 source (the integrity minimum is 2)" in run.err, run.err
    page = (tmp_path / "site" / "cmocs" / "c1" / "index.html").read_text()
    assert "<h2>Sources (2 passages from 1 paper)</h2>" in page


def test_off_level_silences_a_check(make_site):
    content = make_site({"papers/p1.md": "---\ntitle: P\nauthors: [A B]\nyear: 2020\n---\n"},
                        site_yaml="title: T\nintegrity:\n  orphan-paper: off\n")
    run = run_cli("check", "--content", str(content), "--strict")
    assert run.code == 0, run.err
    assert "link.orphan" not in run.err


def test_integrity_config_errors_are_located(make_site):
    content = make_site({}, site_yaml="title: T\nintegrity:\n  few-source: warning\n  duplicate-doi: loud\n"
                                      "  min_sources: 0\n")
    run = run_cli("check", "--content", str(content))
    assert run.code == 2
    shown = f"{content}/site.yaml"
    assert f"{shown}:3: error: unknown key 'few-source' in integrity (did you mean 'few-sources'?) " \
           "[config.unknown-key]" in run.lines
    assert f"{shown}:4: error: 'integrity.duplicate-doi' must be one of warning, note, off, got 'loud' " \
           "[config.invalid]" in run.lines
    assert f"{shown}:5: error: 'integrity.min_sources' must be a whole number of at least 1 [config.invalid]" \
           in run.lines


def test_demo_passes_strict_with_informational_notes():
    run = run_cli("check", "--content", str(ROOT / "content"), "--strict")
    assert run.code == 0, run.err
    assert not [line for line in run.lines if ": warning: " in line]
    assert any("[integrity.source-provenance]" in line for line in run.lines)


def test_quiet_hides_notes_but_not_warnings():
    run = run_cli("check", "--content", str(ROOT / "content"), "--strict", "--quiet")
    assert run.code == 0 and run.err == ""
    findings = check(FINDINGS, "--quiet")
    assert sum(": warning: " in line for line in findings.lines) == len(EXPECTED)
