"""/review/ pages: the index with counts by status, review packets (also printed to PDF), integrity report."""
from __future__ import annotations

import csv
import html
import re
import shutil
import subprocess

import pytest

from conftest import SITES, run_cli
from evidence_explorer.content import integrity

FINDINGS = SITES / "integrity" / "findings"


def text_of(path) -> str:
    page = path.read_text(encoding="utf-8")
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


@pytest.fixture(scope="module")
def findings_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("review") / "site"
    run = run_cli("build", "--content", str(FINDINGS), "--output", str(out), "--no-search", "--quiet")
    assert run.code == 0, run.err
    return out


def test_review_index_counts_links_by_status(findings_site):
    page = (findings_site / "review" / "index.html").read_text(encoding="utf-8")
    row = re.search(r'<tr><th scope="row"><a href="/theories/T1/">T1: Supported theory</a></th>(.*?)</tr>',
                    page, re.S)
    cells = re.findall(r'<td class="num"[^>]*>(\d+)</td>', row.group(1))
    # statuses over every link T1's packet lists (c1 agreed, c2 contested; their 3 sources and the 2 papers
    # of map-T1 not reviewed), then by kind: CMOC → theory, CMOC → source, coded papers, evidence-set papers, all
    assert cells == ["0", "1", "1", "5", "2", "3", "0", "2", "7"]
    assert 'href="/review/packet/T1/"' in page
    assert 'href="/review/packet/T2/"' not in page  # T2 has no CMOCs, so no packet
    assert not (findings_site / "review" / "packet" / "T2").exists()
    assert 'href="/review/links.csv"' in page and 'href="/review/integrity/"' in page


def test_packet_shows_each_cmoc_with_provenance_status_and_note(findings_site):
    text = text_of(findings_site / "review" / "packet" / "T1" / "index.html")
    assert "1. Fewer referrals are lost. " in text and "2. Integration stalls. " in text  # untitled: by outcome
    assert "Context Teams share a building." in text
    assert "Mechanism Staff trust each other." in text and "Outcome Fewer referrals are lost." in text
    assert "p. 4 “we just walk across the corridor”" in text.replace("<q>", "“")\
        or "p. 4 we just walk across the corridor" in text
    assert "Table 2 no quote" in text  # a missing quote is shown, not hidden
    assert "Refutes T1" in text and re.search(r"Review status: \W*Contested", text)
    assert "Note on the CMOC Does this refute T1 or only qualify it?" in text


def test_link_status_overrides_cmoc_status(make_site, tmp_path):
    paper = "---\ntitle: P\nauthors: [A B]\nyear: 2020\n---\n"
    content = make_site({
        "papers/p1.md": paper, "theories/T1.md": "---\ntitle: One\n---\n", "theories/T2.md": "---\ntitle: Two\n---\n",
        "cmocs/c1.md": """
            ---
            context: C
            mechanism: M
            outcome: O
            sources: [p1]
            status: agreed
            theories:
              - T1
              - {theory: T2, status: contested, review_note: "Not what the paper says"}
            ---
            """})
    out = tmp_path / "site"
    assert run_cli("build", "--content", str(content), "--output", str(out), "--no-search").code == 0
    t1 = text_of(out / "review" / "packet" / "T1" / "index.html")
    t2 = text_of(out / "review" / "packet" / "T2" / "index.html")
    assert re.search(r"Review status: \W*Agreed", t1) and "Contested" not in t1
    assert re.search(r"Review status: \W*Contested", t2) and "Note on the link Not what the paper says" in t2


def test_integrity_page_lists_findings_with_links(findings_site):
    page = (findings_site / "review" / "integrity" / "index.html").read_text(encoding="utf-8")
    text = text_of(findings_site / "review" / "integrity" / "index.html")
    assert "Duplicate DOIs (1, warning)" in text
    assert "DOI 10.1000/dup is also the DOI of" in text
    assert '<a href="/papers/lonely-2022/">' in page
    assert "Papers cited only as refuting (1, warning)" in text
    assert "map lists 1 paper that no CMOC uses: mapped-2018" in text
    assert "Reported flow counts that differ from the papers present (1, warning)" in text


def test_integrity_page_on_clean_site_has_no_findings(tmp_path):
    out = tmp_path / "site"
    assert run_cli("build", "--content", str(SITES / "integrity" / "clean"), "--output", str(out),
                   "--no-search").code == 0
    page = (out / "review" / "integrity" / "index.html").read_text(encoding="utf-8")
    assert '<ul class="findings">' not in page
    assert len(re.findall(r'<td class="num">0</td>', page)) == len(integrity.CHECKS)


def test_demo_packet_prints_without_chrome_or_split_rows(demo_site, demo_url, page, tmp_path):
    """Headless Chromium prints the R1 packet: no navigation text, no table row split over pages, DOI
    links printed as their URLs, a decision area per link with room to write in, a sane page count."""
    if shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed; ./dev test installs it")
    page.goto(f"{demo_url.rstrip('/')}/review/packet/R1/")
    page.emulate_media(media="print")
    assert page.locator(".site-header").evaluate("e => getComputedStyle(e).display") == "none"
    assert page.locator(".site-footer").evaluate("e => getComputedStyle(e).display") == "none"
    breaks = page.eval_on_selector_all(".packet tr", "rows => rows.map(r => getComputedStyle(r).breakInside)")
    assert breaks and set(breaks) == {"avoid"}
    pdf = tmp_path / "R1.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=False)
    pages_text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                check=True).stdout.split("\f")
    full = "\n".join(pages_text)
    assert "R1: " in full and "Sources (" in full
    # the DOIs print as their URLs, and every link has its decision area, large enough to write in
    dois = page.eval_on_selector_all(".packet-sources a.doi", "as => as.map(a => [a.href, a.textContent])")
    assert dois and all(href == label and href.startswith("https://doi.org/10.") for href, label in dois)
    flat = " ".join(full.split())
    assert all(href.split("//", 1)[1][:20] in flat.replace(" ", "") for href, _label in dois)
    n = page.locator(".packet-cmoc").count()
    assert n >= 2 and len(re.findall(r"Decision on [^→]+ → R1\b", flat)) == n and "cmoc-R1-" not in flat
    assert len(re.findall(r"Agree Contest Revise", flat)) == n
    lines = page.eval_on_selector_all(".decision .write-lines", "ls => ls.map(l => l.getBoundingClientRect().height)")
    assert len(lines) == n and min(lines) >= 35 * 96 / 25.4  # at least 35 mm of ruled lines when printed
    ticks = page.eval_on_selector_all(".decision .ticks li", "ts => ts.map(t => getComputedStyle(t, '::before').width)")
    assert len(ticks) == 3 * n and min(float(w.removesuffix("px")) for w in ticks) >= 4.5 * 96 / 25.4
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    n_pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    assert n_pages == len(pages_text) - (pages_text[-1] == "") and n // 2 <= n_pages <= 3 * n
    for chrome in ("Skip to content", "Search the evidence", "Gap matrices", "Built with Evidence Explorer",
                   "All review packets"):
        assert chrome not in full
    # No row is cut: every source row's quote or locator starts and ends on one page. Check that each
    # printed page begins with a whole row (no page starts inside a quote that began on the page before).
    quotes = page.eval_on_selector_all(".packet-sources q", "qs => qs.map(q => q.textContent)")
    assert quotes
    for q in quotes:
        words = q.split()
        head, tail = " ".join(words[:3]), " ".join(words[-3:])
        # locate a quote's first and last words on the same page
        hits = [i for i, t in enumerate(pages_text) if head in " ".join(t.split())]
        ends = [i for i, t in enumerate(pages_text) if tail in " ".join(t.split())]
        assert hits and ends and hits[0] == ends[0], f"quote split across pages: {q[:60]}"


def test_cmoc_pages_carry_a_status_search_filter(findings_site):
    c1 = (findings_site / "cmocs" / "c1" / "index.html").read_text(encoding="utf-8")
    c2 = (findings_site / "cmocs" / "c2" / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'data-pagefind-filter="status">(\w+)<', c1) == ["Agreed"]
    assert re.findall(r'data-pagefind-filter="status">(\w+)<', c2) == ["Contested"]
    paper = (findings_site / "papers" / "good-2019" / "index.html").read_text(encoding="utf-8")
    assert 'data-pagefind-filter="status"' not in paper


def test_every_link_kind_shows_status_note_and_who_decided(make_site, tmp_path):
    """Each kind of link shows its status, note and provenance where it is displayed, in the packet of
    the theory it serves, and on /review/decisions/ (grouped by date and meeting, newest first)."""
    m3 = "{date: 2026-11-02, by: Advisory group meeting 3}"
    content = make_site({
        "theories/T1.md": "---\ntitle: One\n---\n",
        "papers/p1.md": "---\ntitle: First paper\nauthors: [Ahn B]\nyear: 2020\n---\n",
        "papers/p2.md": f"""
            ---
            title: Second paper
            authors: [Bell C]
            year: 2021
            theories:
              - theory: T1
                status: contested
                review_note: Coded from the discussion only
                reviewed: {m3}
            ---
            """,
        "papers/p3.md": "---\ntitle: Third paper\nauthors: [Cole D]\nyear: 2022\ntheories: [T1]\n---\n",
        "maps/m1.md": """
            ---
            theory: T1
            rows:
              - focus: Shared records
                papers:
                  - paper: p3
                    status: agreed
                    review_note: Table 2 shows it
                    reviewed: {date: 2026-09-14}
                  - p1
            ---
            """,
        "cmocs/c1.md": f"""
            ---
            context: C
            mechanism: M
            outcome: O
            sources:
              - paper: p1
                quote: the quote
                status: contested
                review_note: The quote is about another service
                reviewed: {m3}
            theories:
              - theory: T1
                status: agreed
                reviewed: {m3}
            ---
            """})
    out = tmp_path / "site"
    run = run_cli("build", "--content", str(content), "--output", str(out), "--no-search")
    assert run.code == 0, run.err
    by_m3 = r"\(Advisory group meeting 3, 2026-11-02 ?\)"  # the status, then who decided and when
    cmoc = text_of(out / "cmocs" / "c1" / "index.html")
    assert re.search(r"First paper Review status: \W*Contested by the group " + by_m3 +
                     " Note: The quote is about another service", cmoc)
    assert re.search(r"Supports T1: One Review status: \W*Agreed by the group " + by_m3, cmoc)
    p2 = text_of(out / "papers" / "p2" / "index.html")
    assert re.search(r"T1: One coded directly Review status: \W*Contested by the group " + by_m3 +
                     " Note: Coded from the discussion only", p2)
    p1 = text_of(out / "papers" / "p1" / "index.html")  # the source's review, beside the CMOC that cites it
    assert re.search("This source: Review status: Contested by the group " + by_m3 + " Note: The quote is about another service", p1)
    p3 = text_of(out / "papers" / "p3" / "index.html")
    assert "T1: One coded directly" in p3 and "Review status" not in p3  # not reviewed: nothing to show
    for page in ("maps/m1/index.html", "theories/T1/index.html"):
        assert re.search(r"Cole \(2022\) Review status: \W*Agreed by the group \( ?2026-09-14 ?\) Note: Table 2 shows it",
                         text_of(out / page)), page
    packet = text_of(out / "review" / "packet" / "T1" / "index.html") + text_of(out / "review" / "packet" / "T1" / "papers" / "index.html")
    assert re.search("This source: Review status: Contested by the group " + by_m3, packet)
    assert 'href="/review/packet/T1/papers/"' in (out / "review" / "packet" / "T1" / "index.html").read_text()
    assert "Papers coded to T1 (2)" in packet and "Papers in the evidence sets of T1 (2)" in packet
    assert re.search(r"Bell \(2021\) Review status: \W*Contested by the group " + by_m3 + r".*?☐ agreed", packet)
    assert re.search(r"Cole \(2022\) Not reviewed ☐ agreed ☐ contested ☐ proposed", packet)  # coded, not reviewed
    # the evidence map named once, above its papers' rows
    assert re.search(r"Evidence map ?Row 1: Shared records Cole \(2022\) Review status: \W*Agreed", packet)
    decisions = (out / "review" / "decisions" / "index.html").read_text(encoding="utf-8")
    text = text_of(out / "review" / "decisions" / "index.html")
    assert text.index("2026-11-02 : Advisory group meeting 3 (3 decisions)") < text.index("2026-09-14 (1 decision)")
    assert 'href="#d-2026-11-02-advisory-group-meeting-3"' in decisions and 'id="d-2026-09-14"' in decisions
    assert "CMOC → theory: c1 → T1" in text and "CMOC → source paper: source p1 of c1" in text
    assert "Paper coded to a theory: p2 coded to T1" in text
    assert "Paper in an evidence set: p3 in m1 row 1 (Shared records)" in text
    index = (out / "review" / "index.html").read_text(encoding="utf-8")
    assert 'href="/review/decisions/"' in index and 'href="/review/packet/T1/"' in index


def test_review_fields_are_validated_where_they_are_written(make_site):
    """A bad date, status or field in any link's review record is reported at its line."""
    content = make_site({
        "theories/T1.md": "---\ntitle: One\n---\n",
        "papers/p1.md": """
            ---
            title: P
            authors: [A B]
            year: 2020
            theories:
              - theory: T1
                reviewed: {date: 2026-02-30, by: Meeting 1}
            ---
            """,
        "maps/m1.md": """
            ---
            theory: T1
            rows:
              - focus: F
                papers:
                  - {paper: p1, stauts: agreed}
            ---
            """,
        "cmocs/c1.md": """
            ---
            context: C
            outcome: O
            sources:
              - paper: p1
                status: done
            ---
            """})
    run = run_cli("check", "--content", str(content))
    assert run.code == 1
    assert f"{content}/papers/p1.md:7: error: 'date' must be a date written YYYY-MM-DD, e.g. 2026-11-02; got " \
           "'2026-02-30' [schema.format]" in run.err
    assert f"{content}/maps/m1.md:6: error: unknown field 'stauts' in 'papers' (did you mean 'status'?) " \
           "[schema.unknown-field]" in run.err
    assert f"{content}/cmocs/c1.md:6: error: 'status' must be one of proposed, agreed, contested; got 'done' " \
           "[schema.choice]" in run.err


def _index_counts(site) -> dict:
    """/review/'s counts: the links still waiting and all links (its first line), and the table's
    "All theories" row, by status and by kind (each cell named by its data-label)."""
    page = (site / "review" / "index.html").read_text(encoding="utf-8")
    waiting, links = map(int, re.search(r"<strong>(\d+)</strong> of (\d+) links? still waiting", page).groups())
    foot = re.search(r"<tfoot>(.*?)</tfoot>", page, re.S).group(1)
    cells = {html.unescape(label): int(n) for label, n in re.findall(r'data-label="([^"]+)">(\d+)</td>', foot)}
    configurations = int(re.search(r"for each of the (\d+) configurations? as a whole", " ".join(page.split()))[1])
    return {"waiting": waiting, "links": links, "cells": cells, "configurations": configurations}


def _sheet_counts(site) -> dict:
    """The same counts from the sheet /review/ offers for download, over the kinds of link /review/
    counts, and its rows for configurations as a whole (which no theory's row counts)."""
    from collections import Counter

    from evidence_explorer.content.review_links import KIND_LABELS
    from evidence_explorer.content.status_words import STATUS_WORDS
    from evidence_explorer.exports.csvsafe import unprotect
    from evidence_explorer.site.views.advisory import LINK_KINDS, TO_REVIEW
    with (site / "review" / "links.csv").open(encoding="utf-8", newline="") as fh:
        every = list(csv.DictReader(fh))
    rows = [r for r in every if r["kind"] in LINK_KINDS]
    statuses = Counter(unprotect(r["status"]) for r in rows)
    cells = {STATUS_WORDS[s or "none"].label: statuses[s] for s in ("proposed", "agreed", "contested", "")}
    cells.update({KIND_LABELS[k]: n for k, n in Counter(r["kind"] for r in rows).items()}, **{"All links": len(rows)})
    return {"waiting": sum(statuses[s] for s in TO_REVIEW), "links": len(rows), "cells": cells,
            "configurations": sum(r["kind"] == "cmoc" for r in every)}


STATUSES_SITE = {
    "theories/T1.md": "---\ntitle: One\n---\n", "theories/T2.md": "---\ntitle: Two\n---\n",
    "papers/p1.md": "---\ntitle: P1\nauthors: [A B]\nyear: 2020\n---\n",
    "papers/p2.md": "---\ntitle: P2\nauthors: [C D]\nyear: 2021\ntheories: [{theory: T1, status: proposed}, T2]\n---\n",
    "cmocs/c1.md": "---\ncontext: C\nmechanism: M\noutcome: O\nsources: [p1]\ntheories: [T1]\nstatus: agreed\n---\n",
    "cmocs/c2.md": "---\ncontext: C\nmechanism: M\noutcome: O\nsources: [{paper: p2, status: contested}]\n"
                   "theories: [{theory: T2, status: agreed}]\nstatus: contested\n---\n",
    "cmocs/c3.md": "---\ncontext: C\nmechanism: M\noutcome: O\nsources: [p1, p2]\ntheories: [T1]\n---\n",
    "maps/m1.md": "---\ntheory: T2\nrows:\n  - focus: F\n    papers: [p1, {paper: p2, status: agreed}]\n---\n",
}
"""Every status on every kind of link, and theory links that take their CMOC's status (c1 → T1: agreed)."""


@pytest.mark.parametrize("base", ["demo", "statuses"])
def test_review_index_counts_equal_the_sheet(base, demo_site, make_site, tmp_path):
    """Each count on /review/ (links still waiting, all links, and per status and per kind over all
    theories) equals the rows of /review/links.csv with that status or kind. The sheet's status of a
    theory link without one of its own was empty, where /review/ and the packets count and show the
    status it takes from its configuration: the demo's 29 proposed theory links were "not reviewed"
    in the sheet (652 empty statuses against 623). The page also says how many rows are the
    configurations' own (the sheet has 681 rows where the page counted 652 links)."""
    if base == "demo":
        site = demo_site
    else:
        site = tmp_path / "site"
        run = run_cli("build", "--content", str(make_site(STATUSES_SITE)), "--output", str(site), "--no-search",
                      "--quiet")
        assert run.code == 0, run.err
    page, sheet = _index_counts(site), _sheet_counts(site)
    assert page["cells"]["All links"] == page["links"], "each link serves one theory: the table counts it once"
    assert page == sheet
    assert sum(page["cells"][w] for w in ("Proposed", "Agreed", "Contested", "Not reviewed")) == page["links"]
    if base == "statuses":
        assert page["cells"] == {"Proposed": 1, "Agreed": 3, "Contested": 1, "Not reviewed": 6,
                                 "CMOC → theory": 3, "CMOC → source paper": 4, "Paper coded to a theory": 2,
                                 "Paper in an evidence set": 2, "All links": 11}
