"""Stakeholder views (issue 4): each page kind, asserted on its content.

The demo content is built once for this module without the search index; the minimal fixture
(``tests/sites/minimal``) covers CMOC directions, relations and review statuses the demo lacks.
"""
from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from markupsafe import escape

from conftest import ROOT, SITES, run_cli
from evidence_explorer.content.model import is_code

DATA = Path(__file__).resolve().parent / "data"
SEED_MAPS = {m["id"]: m for m in json.loads((DATA / "mcp_evidence_maps.json").read_text(encoding="utf-8"))}
TEMPLATES = ROOT / "evidence_explorer" / "site" / "templates"


@pytest.fixture(scope="module")
def demo(demo_site) -> Path:
    """The demo built once per session (conftest), shared with the search and quality tests."""
    return demo_site


@pytest.fixture(scope="module")
def ev(demo) -> dict:
    return json.loads((demo / "data" / "evidence.json").read_text(encoding="utf-8"))


def read(site: Path, url: str) -> str:
    return (site / url / "index.html").read_text(encoding="utf-8")


def text(fragment: str) -> str:
    """Visible text of an HTML fragment, whitespace collapsed (``<wbr>``, a line-break opportunity, is none)."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment.replace("<wbr>", ""))).split())


def section(page: str, start: str, end: str = "</section>") -> str:
    i = page.index(start)
    return page[i:page.index(end, i)]


def table_rows(table: str) -> list[str]:
    body = table[table.index("<tbody>"):table.index("</tbody>")]
    return re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)


# --- home --------------------------------------------------------------------------------------

def test_home_counts_link_to_their_lists_and_shows_every_component(demo, ev):
    page = read(demo, "")
    for url, n, noun in (("theories/", len(ev["theories"]), "theory nodes"), ("papers/", len(ev["papers"]), "papers"),
                         ("cmocs/", len(ev["cmocs"]), "configurations"), ("maps/", len(ev["maps"]), "evidence maps"),
                         ("reviews/", len(ev["reviews"]), "reviews")):
        assert re.search(rf'<a href="/{url}"><strong>{n}</strong> {noun}', page), (url, n)
    assert '<form class="home-search" role="search" aria-labelledby="' in page and 'action="/search/"' in page
    components = [t for t in ev["theories"] if t.get("kind", "component") == "component"]
    assert len(components) == 8
    for t in components:
        assert f'href="/theories/{t["id"]}/"><span class="theory-id">{t["id"]}<' in page
        statement = t["statement"][0] if isinstance(t["statement"], list) else t["statement"]
        message = t.get("summary") or statement  # the key message where there is one
        assert html.escape(message, quote=False) in page or message in text(page)
        card = page[page.index(f'<span class="theory-id">{t["id"]}<'):]
        card = text(card[:card.index("</li>")])
        n, m = len(t["cmocs"]), len(t["papers"])
        if n:
            assert f"{n} configuration{'s' if n != 1 else ''}" in card
        else:  # a mapped component is never shown by the CMOCs it was never meant to have
            assert "CMOC" not in card and "configuration" not in card
        assert f"{m} paper{'s' if m != 1 else ''}" in card
    for r in ev["reviews"]:
        assert f'href="/reviews/{r["id"]}/">' in page


# --- theory pages --------------------------------------------------------------------------------

def test_theory_page_shows_statement_cmocs_with_sources_and_status(demo, ev):
    page = read(demo, "theories/R1")
    r1 = next(t for t in ev["theories"] if t["id"] == "R1")
    assert '<a href="/theories/">Theories</a>' in page and "R1: Community-based, co-ordinated care" in page
    assert "If primary care providers grow" in page
    cmocs = section(page, '<section aria-labelledby="cmocs-h">')
    by_id = {c["id"]: c for c in ev["cmocs"]}
    assert "Supporting configurations" in cmocs
    for cid in r1["cmocs"]:
        c = by_id[cid]
        assert f'href="/cmocs/{cid}/"' in cmocs
        entry = cmocs[cmocs.index(f'href="/cmocs/{cid}/"'):]
        entry = entry[:entry.index('</li>\n\n') if '</li>\n\n' in entry else len(entry)]
        assert "Proposed" in text(entry[:600])  # the status badge
        for s in c["sources"]:
            assert f'href="/papers/{s["paper"]}/"' in entry
    # the quote and locator of a source appear under its CMOC
    assert "how the care provided in community settings &#39;fits into their lives&#39;" in cmocs
    assert "linked at Chapter 4 (R1), Mechanisms: Patient factors, para. 1 (report ref. 178)" in cmocs
    assert f"<strong>{len(r1['cmocs'])}</strong> configurations" in page
    assert f"<strong>{len(r1['papers'])}</strong> papers" in page


def test_theory_page_puts_the_narrative_before_the_at_a_glance_aside(demo):
    """On a phone the columns stack in document order: the finding and narrative come first, the
    counts after (on wide screens the grid places the aside beside them, from the top: the finding
    is in the main column, ``test_layout_widths``)."""
    page = read(demo, "theories/R1")
    assert (page.index('class="theory-main"') < page.index("<h1>") < page.index('class="key-finding"')
            < page.index('class="prose"') < page.index('class="theory-aside"'))


def test_theory_page_counts_papers_by_evidence_type(demo, ev):
    page = read(demo, "theories/R1")
    r1 = next(t for t in ev["theories"] if t["id"] == "R1")
    papers = {p["id"]: p for p in ev["papers"]}
    expected: dict[str, int] = {}
    for pid in r1["papers"]:
        for v in papers[pid].get("evidence_type") or ["Not classified"]:
            expected[v] = expected.get(v, 0) + 1
    table = section(page, "Papers behind R1 by evidence type", "</table>")
    rows = {text(m.group(1)): int(m.group(2)) for m in
            re.finditer(r'<th scope="row">(.*?)</th><td>(\d+)</td>', table)}
    assert sum(rows.values()) == sum(expected.values()) and sum(rows.values()) >= len(r1["papers"])
    assert rows["Qualitative research"] == expected["qualitative-research"]


def test_mapped_component_embeds_its_evidence_map(demo):
    page = read(demo, "theories/M1")
    assert '<a href="/maps/map-M1/">Open the map' in page
    assert "Care for long-term conditions and multimorbidity" in page and "Grant and Chika-Ezerihoa (2014)" in page


def test_theory_page_shows_shared_middle_range_theories(demo):
    page = read(demo, "theories/R1")
    related = page[page.index("<h2>Related theories</h2>"):]
    assert '<h3><a class="term" href="/glossary/#term-middle-range-theory">Middle-range theory</a></h3>' in related
    cas = related[related.index('href="/theories/mrt-cas/"'):]
    cas = cas[:cas.index("</li>")]
    assert "also related to" in cas and 'href="/theories/R3/">R3</a>' in cas  # R1 shares CAS with R3


def test_theory_page_splits_cmocs_by_relation_and_direction(minimal_site):
    page = read(minimal_site, "theories/R1")
    cmocs = section(page, '<section aria-labelledby="cmocs-h">')
    supporting = cmocs[cmocs.index("Supporting configurations"):cmocs.index("Refining configurations")]
    refining = cmocs[cmocs.index("Refining configurations"):]
    assert "<h4>Enablers" in supporting and 'href="/cmocs/c1/"' in supporting
    assert 'href="/cmocs/c2/"' not in supporting
    assert 'href="/cmocs/c2/"' in refining and "<h4>Barriers" in refining
    assert "Agreed" in supporting and "Proposed" in refining
    assert "We trust each other now." in supporting and "p. 50" in supporting


def test_theory_page_lists_its_papers_once_when_all_of_them_are_coded(demo, make_site, tmp_path):
    """A theory whose papers are all coded to it lists them once, under "Papers coded to this
    theory", with no "Show all" disclosure repeating the same list; a theory with papers beyond the
    coded ones keeps the disclosure, and one with many papers its link to their own table."""
    cas = read(demo, "theories/mrt-cas")
    for pid in ("plsek-2001", "zimmerman-1998"):
        assert cas.count(f'<li><a href="/papers/{pid}/">') == 1
    assert "Show all" not in cas and "All papers behind this theory" not in cas
    assert "Show all 11 papers" in read(demo, "theories/M1")  # none coded, all from its evidence map
    assert '<a href="/theories/R1/papers/">All 38 papers behind R1</a>' in read(demo, "theories/R1")
    paper = "---\ntitle: Paper {0}\nauthors: [Author {0}]\nyear: 2020\n{1}---\n"
    content = make_site({
        "theories/T1.md": "---\ntitle: One\n---\n", "theories/T2.md": "---\ntitle: Two\n---\n",
        "papers/p1.md": paper.format("A", "theories: [T1, T2]\n"), "papers/p2.md": paper.format("B", ""),
        "cmocs/c1.md": "---\ncontext: C\nmechanism: M\noutcome: O\nsources: [p2]\ntheories: [T1]\n---\n"})
    out = tmp_path / "site"
    assert run_cli("build", "--content", str(content), "--output", str(out), "--no-search").code == 0
    t1, t2 = read(out, "theories/T1"), read(out, "theories/T2")
    shown = section(t1, '<details class="all-papers">', "</details>")
    assert "Show all 2 papers" in shown and 'href="/papers/p1/"' in shown and 'href="/papers/p2/"' in shown
    assert t2.count('<li><a href="/papers/p1/">') == 1 and "<details" not in t2


# --- maps --------------------------------------------------------------------------------------

def test_map_m1_lists_table_5_rows_in_order(demo):
    seed = SEED_MAPS["M1"]
    page = read(demo, "maps/map-M1")
    table = section(page, '<table class="map-table card-rows" id="map-table">', "</table>")
    rows = table_rows(table)
    assert len(rows) == len(seed["rows"]) == 5
    for row, seed_row in zip(rows, seed["rows"]):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        number, focus, kind, refs = (text(c) for c in cells)
        assert number == str(seed_row["evidence_set_number"])
        assert focus == seed_row["focus"]
        assert kind.lower() == seed_row["kind"]
        labels = re.findall(r"<a href=\"/papers/[^\"]+/\">([^<]+)</a>", row)
        assert len(labels) == seed_row["reference_count"]
        assert [re.sub(r" \(\d{4}\)$", "", html.unescape(x)) for x in labels] == \
            [r["author_label"] for r in seed_row["references"]]
        assert all(re.search(r"\(\d{4}\)$", x) for x in labels)  # "Author et al. (year)"


@pytest.mark.parametrize("mid", ["M1", "M2", "M3", "M4", "M5"])
def test_map_paper_by_set_view_agrees_with_the_table(demo, ev, mid):
    m = next(m for m in ev["maps"] if m["theory"] == mid)
    page = read(demo, f"maps/{m['id']}")
    grid = section(page, '<table class="grid-table">', "</table>")
    rows = table_rows(grid)
    papers = list(dict.fromkeys(p for row in m["rows"] for p in row["papers"]))
    assert len(rows) == len(papers)
    for row, pid in zip(rows, papers):
        assert f'href="/papers/{pid}/"' in row
        marks = re.findall(r'<td class="mark">(.*?)</td>', row)
        assert [">yes<" in x for x in marks] == [pid in r["papers"] for r in m["rows"]]
        assert row.rstrip().endswith(f'<td class="num">{sum(pid in r["papers"] for r in m["rows"])}</td>')


# --- matrices ----------------------------------------------------------------------------------

def _matrix_cells(page: str) -> dict[str, int]:
    return {m.group(1): int(m.group(2)) for m in
            re.finditer(r'<td class="cell-filled"><a href="#(cell-\d+-\d+)" class="count">(\d+)<', page)}


@pytest.mark.parametrize("mid", ["components-by-outcome", "factors-by-evidence-type"])
def test_matrix_cell_count_equals_the_evidence_it_links_to(demo, mid):
    page = read(demo, f"matrix/{mid}")
    cells = _matrix_cells(page)
    assert cells, "no filled cells"
    for anchor, n in cells.items():
        listing = section(page, f'<section class="cell-evidence" id="{anchor}"')
        assert len(re.findall(r"<li>", listing)) == n, anchor
        assert f'href="#{anchor}"' in section(page, "<svg", "</svg>")  # the bubble links there too
    gaps = page.count('<td class="cell-gap">')
    assert gaps + len(cells) == len(re.findall(r"<td class=\"cell-(?:gap|filled)\"", page))
    assert f"<strong>{gaps}</strong> gaps" in page


def test_matrix_counts_match_evidence_json(demo, ev):
    page = read(demo, "matrix/components-by-outcome")
    table = section(page, '<table class="matrix">', "</table>")
    domains = ["population-health", "cost-effectiveness", "patient-experience", "staff-experience", "unintended"]
    components = [t["id"] for t in ev["theories"] if t.get("kind", "component") == "component"]
    for i, row in enumerate(table_rows(table)):
        tid = text(re.search(r"<th scope=\"row\">(.*?)</th>", row).group(1)).split(":")[0]
        assert tid == components[i]
        cells = re.findall(r"<td class=\"cell-(gap|filled|na)\">(.*?)</td>", row, re.S)
        assert len(cells) == len(domains)
        for domain, (kind, body) in zip(domains, cells):
            expected = sum(1 for c in ev["cmocs"] if domain in (c.get("outcome_domain") or [])
                           and tid in [x["theory"] for x in c["theories"]])
            got = 0 if kind in ("gap", "na") else int(re.search(r'class="count">(\d+)', body).group(1))
            assert got == expected, (tid, domain)
    assert "R1: Community-based, co-ordinated care is more accessible × Patient experience" in page


def test_matrix_bubble_view_is_labelled_and_never_colour_only(minimal_site):
    page = read(minimal_site, "matrix/theory-by-outcome")
    svg = section(page, "<svg", "</svg>")
    assert 'role="group"' in svg and "<title id=" in svg and "<desc id=" in svg
    # the second dimension (direction) is shown by shape and named in the legend and link text
    assert "Shape shows:" in svg and ">Enabler</text>" in svg and ">Barrier</text>" in svg
    enabler_cell = re.search(r'<a href="#cell-0-0" class="cell-link"><title>([^<]*)</title>(.*?)</a>', svg, re.S)
    assert enabler_cell and "1 CMOC (1 enabler)" in enabler_cell.group(1)
    assert "<circle" in enabler_cell.group(2)
    barrier_cell = re.search(r'<a href="#cell-0-1" class="cell-link"><title>([^<]*)</title>(.*?)</a>', svg, re.S)
    assert "(1 barrier)" in barrier_cell.group(1) and '<rect x="' in barrier_cell.group(2).split("</rect>")[0]
    assert ">1</text>" in enabler_cell.group(2)  # the count is written, not only drawn
    assert "gap" in svg  # empty cells are visibly gaps
    table = section(page, '<table class="matrix">', "</table>")
    assert "1 enabler" in table and "1 barrier" in table


# --- CMOCs -------------------------------------------------------------------------------------

def test_cmoc_page_reads_as_a_chain_with_sources(demo):
    page = read(demo, "cmocs/cmoc-R1-01")
    chain = section(page, '<ol class="chain"', "</ol>")
    steps = [text(s) for s in re.findall(r'<li class="step[^"]*">(.*?)</li>', chain, re.S)]
    assert [s.split()[0] for s in steps] == ["Context", "Mechanism", "Outcome"]
    assert "Resource Community-based services placed" in steps[1] and "Reasoning Patients and carers" in steps[1]
    assert "More use of health services delivered in the community." in steps[2]
    assert '<a href="/papers/heath-2015/">Heath et al. (2015)</a>' in page
    assert "<blockquote><p>how the care provided in community settings &#39;fits into their lives&#39;</p>" in page
    assert "Supports</span> <a" in page and "Proposed" in page


def test_cmoc_page_shows_chains_both_ways(minimal_site):
    c1, c2 = read(minimal_site, "cmocs/c1"), read(minimal_site, "cmocs/c2")
    assert "This outcome is the context of:</span> <a" in c1 and 'href="/cmocs/c2/"' in c1
    assert "Its outcome is the context of this one:</span> <a" in c2 and 'href="/cmocs/c1/"' in c2


def test_cmoc_index_groups_by_theory_with_direction_columns(minimal_site, demo, ev):
    page = read(minimal_site, "cmocs")
    group = section(page, '<section class="cmoc-group" aria-labelledby="t-R1">')
    enablers = group[group.index("<h3>Enablers"):group.index("<h3>Barriers")]
    barriers = group[group.index("<h3>Barriers"):]
    assert 'href="/cmocs/c1/"' in enablers and 'href="/cmocs/c2/"' in barriers
    assert '<span class="c-label">C</span>' in group and '<span class="c-label">M</span>' in group
    demo_page = read(demo, "cmocs")
    for t in ev["theories"]:
        if t["cmocs"]:
            g = section(demo_page, f'<section class="cmoc-group" aria-labelledby="t-{t["id"]}">')
            assert g.count('<li><a href="/cmocs/') == len(t["cmocs"])
    assert "<h3>Enablers" not in demo_page  # no directions in the demo: no empty columns


# --- questions and reviews ----------------------------------------------------------------------

def test_question_page_lists_theory_nodes_with_their_elements(minimal_site, demo, ev):
    page = read(demo, "questions/rs-q1")
    q = next(q for q in ev["questions"] if q["id"] == "rs-q1")
    table = section(page, '<table class="ipt question-nodes card-rows">', "</table>")
    rows = table_rows(table)
    assert [re.search(r'href="/theories/([^/]+)/"', r).group(1) for r in rows] == q["theories"]
    theories = {t["id"]: t for t in ev["theories"]}
    cmocs = {c["id"]: c for c in ev["cmocs"]}
    for row, tid in zip(rows, q["theories"]):
        for cid in theories[tid]["cmocs"]:
            assert cmocs[cid]["title"] in text(row)
        n = len(theories[tid]['cmocs'])
        if n:
            assert f"{n} configuration{'s' if n != 1 else ''}" in text(row)
        else:  # mapped: never "0 configurations" beside its evidence
            assert "0 configuration" not in text(row) and f"{len(theories[tid]['papers'])} paper" in text(row)
    small = read(minimal_site, "questions/Q1")
    assert "Trust enables shared care" in section(small, '<table class="ipt question-nodes card-rows">', "</table>")


@pytest.mark.parametrize("rid", ["realist-synthesis", "rapid-scan", "slr"])
def test_flow_shows_each_reported_count(demo, ev, rid):
    r = next(r for r in ev["reviews"] if r["id"] == rid)
    page = read(demo, f"reviews/{rid}")
    if not r.get("flow"):
        assert 'aria-labelledby="flow-h"' not in page
        return
    flow = section(page, '<section aria-labelledby="flow-h">')
    for step in r["flow"]:
        assert html.escape(step["stage"], quote=False) in flow, step
        assert f"{step['count']:,}<" in flow, step
    present = sum(1 for p in ev["papers"] if rid in (p.get("review") or []))
    assert f"Papers from this review in this evidence base: <strong>{present}</strong>" in flow
    if all(step.get("role") for step in r["flow"]):  # PRISMA-shaped: boxes, exclusions to the side
        assert flow.count('class="prisma-box side"') == sum(
            step["role"] in ("removed", "excluded", "not-retrieved") for step in r["flow"])
    else:  # strands side by side, never chained
        assert '<ol class="prisma">' not in flow and "↓" not in flow
        assert flow.count('<table class="flow">') == len({step.get("group") for step in r["flow"]})


# --- papers ------------------------------------------------------------------------------------

def test_paper_page_has_citation_doi_and_the_quotes_used(demo, ev):
    p = next(p for p in ev["papers"] if p["id"] == "heath-2015")
    page = read(demo, "papers/heath-2015")
    assert '<p class="citation">' in page and "Heath et al. (2015)" in page
    if p.get("doi"):
        assert f'<a href="https://doi.org/{p["doi"]}">' in page
    uses = page[page.index("drawn from it</h2>"):]
    assert 'href="/cmocs/cmoc-R1-01/"' in uses and "fits into their lives" in uses
    for t in p["theories"]:
        assert f'href="/theories/{t}/"' in page


def _paper_pages(demo: Path) -> list[str]:
    """The plain pages of the paper index, in order."""
    count = len(list((demo / "papers" / "page").glob("*/index.html")))
    return [read(demo, "papers")] + [read(demo, f"papers/page/{n}") for n in range(2, count + 2)]


def _cell_links(cell: str) -> list[str]:
    return re.findall(r'<a href="/([^"]+)">', cell)


def test_paper_index_is_a_complete_table_without_javascript(demo, ev):
    """Every paper is a row on one of the plain pages, with its design, country, theories and
    reviews (labels, linked); the JSON the browser table loads has the same values for every paper."""
    pages = _paper_pages(demo)
    assert len(pages) > 1  # the demo's 249 papers take several plain pages: the browser test needs that
    first = pages[0]
    assert '<form id="paper-tools" class="paper-tools" role="search" aria-label="Filter papers" hidden' in first
    assert 'src="/static/papers.js" defer' in first and 'data-src="/papers/page/all.json"' in first
    head = text(section(first, "<thead>", "</thead>"))
    assert head == "Title Reference Year Design Evidence type Country Theory Review"
    theories = {t["id"]: t for t in ev["theories"]}
    rows = {}
    for page in pages:
        for row in table_rows(section(page, '<table class="papers" id="papers-table">', "</table>")):
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
            pid = re.match(r'<a href="/papers/([^/"]+)/">', cells[0]).group(1)
            assert pid not in rows, pid
            rows[pid] = cells
    assert list(rows) == [p["id"] for p in ev["papers"]]  # every paper once, in the index's order
    for p in ev["papers"]:
        cells = rows[p["id"]]
        assert text(cells[0]) == p["title"] and text(cells[2]) == str(p["year"])
        assert text(cells[3]) == p.get("design", "") and text(cells[5]) == "; ".join(p.get("country", []))
        assert sorted(_cell_links(cells[6])) == sorted(f"theories/{t}/" for t in p["theories"])
        assert _cell_links(cells[7]) == [f"reviews/{r}/" for r in p.get("review", [])]
        for label in re.findall(r">([^<]+)</a>", cells[6]):  # a code (R1) or a title, never a slug
            assert label in theories or label in {t["title"] for t in theories.values()}, label
            assert "-" not in label or label not in theories, label
    data = json.loads((demo / "papers" / "page" / "all.json").read_text(encoding="utf-8"))
    assert [t[0] for t in data["theories"]] == list(theories) and data["type_heading"] == "Evidence type"
    assert len(data["papers"]) == len(ev["papers"])
    for row, p in zip(data["papers"], ev["papers"]):
        url, title, _cite, year, design, _type, country, tidx, ridx = row
        assert (url, title, year, design, country) == (f"papers/{p['id']}/", p["title"], p["year"], p.get("design", ""),
                                                       p.get("country", []))
        assert sorted(data["theories"][i][0] for i in tidx) == sorted(p["theories"])
        assert [data["reviews"][i][0] for i in ridx] == p.get("review", [])
        assert text(rows[p["id"]][1]) == _cite and text(rows[p["id"]][4]) == _type


@pytest.mark.browser
def test_paper_index_sorts_filters_and_pages_every_paper_in_the_browser(demo, ev, browser, page):
    """With JavaScript: a theory filter and a sort by year cover every paper (not one plain page),
    the count is announced, the state is in the URL, and the page fits a phone. Without: the plain table."""
    from browser import serve_directory
    first_page = {re.match(r'<a href="/papers/([^/"]+)/">', re.findall(r"<td[^>]*>(.*?)</td>", r)[0]).group(1)
                  for r in table_rows(section(_paper_pages(demo)[0], "<tbody>", "</tbody>") + "</tbody>")}
    later = [p for p in ev["papers"] if p["id"] not in first_page and p["theories"]]
    # a theory with papers beyond the first plain page, and fewer than one browser page of them
    theory = next(t for p in later for t in p["theories"] if sum(t in q["theories"] for q in ev["papers"]) <= 100)
    expected = [p for p in ev["papers"] if theory in p["theories"]]
    beyond = next(p for p in expected if p["id"] not in first_page)
    years = sorted(p["year"] for p in expected if isinstance(p["year"], int))
    with serve_directory(demo) as url:
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{url}/papers/")
        status = page.locator("#paper-status")
        page.wait_for_function("document.querySelectorAll('#paper-theory option').length > 1")
        assert status.inner_text().startswith(f"{len(ev['papers'])} papers")
        page.locator("#paper-more summary").click()  # the selects are behind a disclosure on a phone
        page.select_option("#paper-theory", theory)
        assert status.inner_text().startswith(f"{len(expected)} of {len(ev['papers'])} papers")
        rows = page.locator("#papers-table tbody tr")
        assert rows.count() == len(expected)
        assert page.locator(f'#papers-table a[href="/papers/{beyond["id"]}/"]').count() == 1
        assert page.locator("nav.pagination[aria-label='Pagination']").is_hidden()  # the plain pages give way
        page.get_by_role("button", name="Year").click()
        assert page.locator("th[aria-sort='ascending']").inner_text().startswith("Year")
        shown = [int(y) for y in page.locator("#papers-table tbody td:nth-child(3)").all_text_contents() if y.isdigit()]
        assert shown == years
        assert f"theory={theory}" in page.url and "sort=year" in page.url
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.locator(f'#papers-table td[data-label="Theory"] a[href="/theories/{theory}/"]').count() == len(expected)
        page.goto(page.url)  # a shared link restores the view
        assert page.locator("#papers-table tbody tr").count() == len(expected)
        assert page.locator("th[aria-sort='ascending']").inner_text().startswith("Year")
        page.get_by_label("Filter by text").fill(beyond["title"].lower())
        assert page.locator(f'#papers-table a[href="/papers/{beyond["id"]}/"]').count() == 1
        page.get_by_role("button", name="Clear filters").click()
        page.wait_for_function("!location.search.includes('theory=')")
        n = len(first_page)  # the script's pages over all papers hold as many as the plain first page
        assert page.locator("#papers-table tbody tr").count() == n
        page.get_by_role("button", name="Next page").click()
        assert f"{n + 1}–{2 * n} shown" in status.inner_text() and "page=2" in page.url
        own = next(t for t in ev["theories"] if (demo / "theories" / t["id"] / "papers" / "index.html").is_file())
        page.goto(f"{url}/theories/{own['id']}/papers/")  # a theory's own list: all its papers, no theory filter
        page.wait_for_function("document.querySelectorAll('#paper-design option').length > 1")
        assert status.inner_text().startswith(f"{len(own['papers'])} papers")
        assert page.locator("#paper-theory").count() == 0
        plain = browser.new_context(java_script_enabled=False).new_page()
        try:
            plain.goto(f"{url}/papers/")
            assert plain.locator("#paper-tools").is_hidden()
            assert plain.locator("#papers-table tbody tr").count() == len(first_page)
            assert plain.locator("nav.pagination[aria-label='Pagination']").is_visible()
            plain.goto(f"{url}/what-works/")  # a styled form the page hid stays hidden ([hidden] beats display)
            assert plain.locator("#ww-tools").count() == 1 and plain.locator("#ww-tools").is_hidden()
        finally:
            plain.context.close()


def _rows(html: str) -> list[str]:
    return table_rows(section(html, "<tbody>", "</tbody>") + "</tbody>")


@pytest.mark.browser
def test_a_plain_page_keeps_its_rows_until_the_reader_sorts_or_filters(demo, browser, page):
    """/papers/page/2/ with JavaScript showed the script's first 100 papers under the heading of page
    2, and /papers/ the script's 100 under the title "page 1 of 4" with a pager of 3: now every plain
    page keeps its own rows, note and numbered pages until the reader sorts or filters (then the
    script's pages over every paper, and the title loses the plain page's number)."""
    from browser import serve_directory
    second = _paper_pages(demo)[1]
    own = [re.match(r'<a href="/papers/([^/"]+)/">', re.findall(r"<td[^>]*>(.*?)</td>", r)[0]).group(1)
           for r in _rows(second)]
    with serve_directory(demo) as url:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"{url}/papers/page/2/")
        page.wait_for_function("document.querySelectorAll('#paper-design option').length > 1")  # loaded
        links = page.locator("#papers-table tbody tr td:first-child a")
        assert [h.split("/")[-2] for h in links.evaluate_all("as => as.map(a => a.getAttribute('href'))")] == own
        assert page.locator("#paper-page-note").is_visible()
        assert page.locator("nav.pagination[aria-label='Pagination']").is_visible()
        assert "cover all of them" in page.locator("#paper-status").inner_text()
        page.get_by_role("button", name="Year").click()  # the reader asks: every paper, the script's pages
        assert page.locator("#papers-table tbody tr").count() == len(_rows(_paper_pages(demo)[0]))
        assert page.locator("nav.pagination[aria-label='Pagination']").is_hidden()
        assert page.locator("#paper-page-note").is_hidden()
        assert "(page 2 of" not in page.title()
        page.goto(f"{url}/papers/")
        page.wait_for_function("document.querySelectorAll('#paper-design option').length > 1")  # loaded
        assert page.locator("#papers-table tbody tr").count() == len(_rows(_paper_pages(demo)[0]))
        assert "cover all of them" in page.locator("#paper-status").inner_text()
        assert page.locator("nav.pagination[aria-label='Pagination']").is_visible()
        assert "(page 1 of" in page.title()
        page.fill("#paper-filter", "care")  # the reader filters: the script's pages
        page.wait_for_function("document.querySelector(\"nav.pagination[aria-label='Pagination']\").hidden")
        assert "cover all of them" not in page.locator("#paper-status").inner_text()
        assert page.locator("nav.pagination[aria-label='Pagination']").is_hidden()
        assert "(page 1 of" not in page.title()


@pytest.mark.browser
def test_what_works_filters_that_match_nothing_say_so_in_the_table(demo, page):
    """/what-works/ with no matching configuration showed its headers only and "0 of 29
    configurations shown" (walkthrough finding): the table says so in a row of its own, as
    /papers/ does, and the status line too; the row leaves again when a filter matches."""
    from browser import serve_directory
    with serve_directory(demo) as url:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"{url}/what-works/")
        page.wait_for_function("document.querySelector('#ww-status').textContent.includes('shown')")
        none = page.locator("#ww-table td.ww-none")
        assert none.is_hidden()
        options = {key: page.eval_on_selector_all(f"#ww-{key} option", "os => os.map(o => o.value)")
                   for key in ("theory", "mechanism_group")}
        found = None
        for theory in options["theory"][1:]:
            for group in options["mechanism_group"][1:]:
                page.select_option("#ww-theory", theory)
                page.select_option("#ww-mechanism_group", group)
                if page.locator("#ww-status").inner_text().startswith("No configuration"):
                    found = (theory, group)
                    break
            if found:
                break
        assert found, "no theory and mechanism group of the demo without a configuration"
        assert none.is_visible() and none.inner_text().startswith("No configuration matches these filters")
        assert re.fullmatch(r"No configuration matches these filters \(\d+ in all\)",
                            page.locator("#ww-status").inner_text())
        page.select_option("#ww-mechanism_group", "*")
        assert none.is_hidden()


@pytest.mark.browser
def test_a_filter_that_matches_nothing_says_so_in_the_table(demo, browser, page):
    """A filter with no match left an empty table with its headers only, flush on the footer: the
    table now says so in a row of its own, and so does the status line (without a sort order)."""
    from browser import serve_directory
    with serve_directory(demo) as url:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"{url}/papers/?q=zzzzqqq&sort=year&dir=desc")
        page.wait_for_function("document.querySelector('#paper-status').textContent.startsWith('No paper')")
        assert page.locator("#papers-table tbody tr").count() == 1
        assert page.locator("#papers-table tbody td").inner_text().startswith("No paper matches these filters")
        aligned = page.evaluate("""() => [...document.querySelectorAll('#papers-table thead th')].map(th => {
            const b = th.querySelector('button.sort');  // a button centred its label: the sorted header stood out
            return !b || getComputedStyle(b).textAlign === getComputedStyle(th).textAlign; })""")
        assert all(aligned), aligned
        status = page.locator("#paper-status").inner_text()
        assert re.fullmatch(r"No paper matches these filters \(\d+ papers in all\)", status), status
        gap = page.evaluate("""() => document.querySelector('.site-footer').getBoundingClientRect().top
                                     - document.querySelector('#papers-table').getBoundingClientRect().bottom""")
        assert gap >= 24, f"the table ends {gap} px above the footer"
        page.fill("#paper-filter", "")
        page.wait_for_function("!document.querySelector('#paper-status').textContent.startsWith('No paper')")
        assert page.locator("#papers-table tbody tr").count() > 1


# --- theory graph, 404, structure -----------------------------------------------------------------

def test_theory_graph_links_every_node_and_has_a_text_outline(demo, ev):
    page = read(demo, "graph")
    svg = section(page, '<svg xmlns="http://www.w3.org/2000/svg" class="figure theory-graph"', "</svg>")
    outline = section(page, '<section class="outline"')
    for t in ev["theories"]:  # labelled by code and title (R1: …), or by title alone for a slug
        label = escape(f'{t["id"]}: {t["title"]}' if is_code(t["id"]) else t["title"])
        assert f'<a href="../theories/{t["id"]}/" class="node-link"><title>{label}</title>' in svg
        assert f'href="/theories/{t["id"]}/">{label}</a>' in outline
    pairs = {tuple(sorted((t["id"], r), key=str.lower)) for t in ev["theories"] for r in t.get("related", [])}
    assert svg.count('class="edge-related"') == len(pairs) + 1  # and its sample in the legend
    assert f"{len(pairs)} related links" in svg


def test_theory_graph_draws_hierarchy(minimal_site):
    svg = section(read(minimal_site, "graph"), "<svg", "</svg>")
    assert svg.count('class="edge-parent"') == 2  # R1a is part of R1; and the legend's sample


def test_404_page_offers_search_and_the_main_sections(demo):
    page = (demo / "404.html").read_text(encoding="utf-8")
    assert '<form class="home-search" role="search" aria-labelledby="' in page and 'action="/search/"' in page
    for url in ("/theories/", "/papers/", "/cmocs/", "/graph/"):
        assert f'<a href="{url}">' in page


def test_content_cannot_inject_markup_into_figures(make_site, tmp_path):
    evil = '<script>alert(1)</script>'
    content = make_site({
        "theories/T1.md": f"---\ntitle: \"{evil}\"\nstatement: \"{evil}\"\n---\n",
        "papers/p1.md": f"---\ntitle: \"{evil}\"\nauthors: [\"{evil}\"]\nyear: 2020\ntheories: [T1]\n---\n",
        "cmocs/c1.md": f"---\ncontext: \"{evil}\"\nmechanism: m\noutcome: o\nsources: [p1]\ntheories: [T1]\n"
                       "direction: enabler\ndomain: [a]\n---\n",
        "reviews/r1.md": f"---\ntitle: t\nflow:\n  - {{stage: \"{evil}\", count: 3}}\n---\n",
    }, site_yaml="title: T\nfacets:\n  domain: {label: D, applies_to: [cmoc], values: {a: \"<b>A</b>\"}}\n"
                 "matrices:\n  - {id: m1, rows: {theories: {}}, columns: {facet: domain}, count: cmocs}\n")
    out = tmp_path / "site"
    run = run_cli("build", "--content", str(content), "--output", str(out), "--no-search", "--quiet")
    assert run.code == 0, run.err
    for f in out.rglob("*.html"):
        body = f.read_text(encoding="utf-8")
        assert "<script>alert" not in body and "<b>A</b>" not in body, f


BODYLESS = {
    "theories/T1.md": "---\ntitle: One\n---\n",
    "papers/p1.md": "---\ntitle: P\nauthors: [A B]\nyear: 2020\ntheories: [T1]\n---\n",
    "cmocs/c1.md": "---\ncontext: C\nmechanism: M\noutcome: O\nsources: [p1]\ntheories: [T1]\n---\n",
    "maps/m1.md": "---\ntheory: T1\nrows:\n  - {focus: F, kind: context, papers: [p1]}\n---\n",
    "questions/q1.md": "---\ntext: Why?\n---\n",
    "reviews/r1.md": "---\ntitle: R\n---\n",
    "pages/about.md": "---\ntitle: About\n---\n",
    "pages/glossary.md": "---\ntitle: Glossary\n---\n\n   \n",  # white space only
}


def test_pages_without_a_body_have_no_empty_prose_wrapper(make_site, tmp_path, minimal_site, demo):
    """An entity with no Markdown body gets no ``<div class="prose"></div>`` (158 demo papers had
    one); the pages of entities with a body keep their wrapper, around the body."""
    content = make_site(BODYLESS)
    out = tmp_path / "site"
    run = run_cli("build", "--content", str(content), "--output", str(out), "--no-search", "--quiet")
    assert run.code == 0, run.err
    urls = ("theories/T1", "papers/p1", "cmocs/c1", "maps/m1", "questions/q1", "reviews/r1", "about", "glossary")
    for url in urls:
        assert 'class="prose"' not in read(out, url), url
    assert "Terms from the reviews" not in read(out, "glossary")  # (its section: nothing to show under it)
    for url, words in (("theories/R1", "Teams work when members trust each other"), ("cmocs/c1", "The configuration links"),
                       ("maps/map-R1", "Evidence for R1"), ("questions/Q1", "The question behind"),
                       ("reviews/rev1", "The review followed RAMESES"), ("about", "This is a fixture.")):
        assert words in text(section(read(minimal_site, url), '<div class="prose">', "</div>")), url
    empty = [str(f.relative_to(demo)) for f in demo.rglob("*.html")
             if re.search(r'<div class="prose">\s*</div>', f.read_text(encoding="utf-8"))]
    assert empty == []


def test_no_template_loops_over_every_entity():
    """Per-page work depends on neighbours only: templates never iterate a whole collection."""
    pattern = re.compile(r"\{%-?\s*for\s+[\w, ]+\s+in\s+corpus\.|corpus\.(?:all|by_id)\b")
    offenders = [str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html") if pattern.search(p.read_text())]
    assert offenders == []


def test_screenshots_are_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("home", "theory", "map", "matrix", "cmoc", "paper", "papers", "graph", "changes", "packet"):
        for width in (1280, 390):
            path = ROOT / "docs" / "screenshots" / f"{name}-{width}.png"
            assert path.is_file() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path
            assert f"docs/screenshots/{name}-{width}.png" in readme


def test_every_scrolling_table_box_is_a_named_focusable_region(demo):
    """A table wider than a phone scrolls inside its box: the box must be reachable by keyboard and
    named (WCAG 2.1.1, 4.1.2; axe's scrollable-region-focusable). The what-works, map, matrix and
    question tables' boxes were neither, while the theory pages' count tables were."""
    boxes = 0
    for path in demo.rglob("*.html"):
        for tag in re.findall(r'<div class="table-scroll"[^>]*>', path.read_text(encoding="utf-8")):
            boxes += 1
            assert 'role="region"' in tag and 'tabindex="0"' in tag and "aria-label" in tag, f"{path}: {tag}"
    assert boxes > 10


def test_the_authors_capitals_are_kept_where_a_label_starts_with_a_capital(demo, make_site, tmp_path):
    """A review's breadcrumb (its method) and a direction's label (site.yaml) went through Jinja's
    ``capitalize``, which lowers every other letter: the systematic review's breadcrumb read
    "reported with prisma". Only the first letter is raised now."""
    crumb = section(read(demo, "reviews/slr"), '<nav aria-label="Breadcrumb"', "</nav>")
    assert "Systematic literature review, reported with PRISMA; thematic synthesis" in crumb
    content = make_site({
        "theories/T1.md": "---\ntitle: One\n---\n",
        "papers/p1.md": "---\ntitle: P\nauthors: [A B]\nyear: 2020\n---\n",
        "cmocs/c1.md": "---\ncontext: C\nmechanism: M\noutcome: O\nsources: [p1]\ntheories: [T1]\n"
                       "direction: enabler\n---\n",
        "cmocs/c2.md": "---\ncontext: C\nmechanism: M\noutcome: O\nsources: [p1]\ntheories: [T1]\n---\n",
    }, "title: T\nfacets:\n  direction:\n    label: Direction\n    values: {enabler: helps the ICS work, "
       "barrier: holds the ICS back}\n")
    out = tmp_path / "site"
    run = run_cli("build", "--content", str(content), "--output", str(out), "--no-search", "--quiet")
    assert run.code == 0, run.err
    for where in ("cmocs/c1", "theories/T1", "what-works"):
        page = read(out, where)
        assert ">Helps the ICS work</span>" in page and "Helps the ics work" not in page, where


def test_a_table_in_markdown_breaks_after_its_slashes(make_site, tmp_path):
    """A Markdown table's text has a line-break opportunity after each slash between words, as the
    site's own tables have (``slash_breaks``): the realist synthesis's methods page, a two-column
    table of evidence types such as "Theoretical evidence/opinion/commentary", scrolled 21 px at
    390 px and 91 px at 320 px. A link's address and other attributes are left as they are."""
    content = make_site({
        "papers/p1.md": "---\ntitle: P\nauthors: [A B]\nyear: 2020\n---\n",
        "pages/methods.md": "---\ntitle: Methods\n---\n| As printed | Type |\n|---|---|\n"
                            "| Commentary, see [[p1]] and [a/b](https://example.org/a/b) | Theoretical "
                            "evidence/opinion/commentary |\n\nNot in a table: and/or.\n",
    })
    out = tmp_path / "site"
    run = run_cli("build", "--content", str(content), "--output", str(out), "--no-search", "--quiet")
    assert run.code == 0, run.err
    page = read(out, "methods")
    assert "<td>Theoretical evidence/<wbr>opinion/<wbr>commentary</td>" in page
    assert '<a href="https://example.org/a/b">a/<wbr>b</a>' in page and 'href="/papers/p1/"' in page
    assert "and/or" in page  # prose outside tables is as written


def test_each_search_landmark_of_a_page_has_a_name_of_its_own(demo):
    """The home page and the 404 page have a search box of their own besides the header's: two
    search landmarks without a name, which a screen reader's list of landmarks cannot tell apart
    (axe: landmark-unique). Each is named now, differently on one page."""
    pages = []
    for path in demo.rglob("*.html"):
        page = path.read_text(encoding="utf-8")
        forms = re.findall(r'<form\b[^>]*\brole="search"[^>]*>', page)
        if len(forms) < 2:  # (one alone needs no name to be told apart: /search/'s)
            continue
        names = []
        for form in forms:
            label = re.search(r'aria-label="([^"]+)"', form)
            by = re.search(r'aria-labelledby="([^"]+)"', form)
            assert label or by, f"{path}: {form}"
            names.append(label[1] if label else text(re.search(rf'<label id="{by[1]}"[^>]*>(.*?)</label>', page)[1]))
        assert len(set(names)) == len(names), f"{path}: {names}"
        pages.append(path.relative_to(demo).as_posix())
    assert {"index.html", "404.html", "papers/index.html"} <= set(pages)  # the papers list: its filters
