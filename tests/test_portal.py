"""Issue 16, 'say what the evidence shows', read from the built demo: key messages and confidence
first, counts that add up with /data/evidence.json, gap maps that tell a gap from 'not assessed',
the active ingredients on their question, provenance on the review's side, no extraction artefacts;
and a base that records no confidence builds and reads 'not assessed'."""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from conftest import run_cli
from test_views import read, section, table_rows, text

ARTEFACTS = re.compile(r"Other \(state\)|text line|seed text|\bref_0\d\d|\bcitation_0\d\d")


@pytest.fixture(scope="module")
def demo(demo_site) -> Path:
    return demo_site


@pytest.fixture(scope="module")
def ev(demo) -> dict:
    return json.loads((demo / "data" / "evidence.json").read_text(encoding="utf-8"))


def _pages(site: Path):
    for path in sorted(site.rglob("*.html")):
        if "pagefind" not in path.parts:
            yield path, path.read_text(encoding="utf-8")


def _card(page: str, tid: str) -> str:
    start = page.index(f'class="card-title"><a href="/theories/{tid}/">')
    return page[start:page.index("</li>", start)]


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _evidence_line(t: dict, maps: dict) -> list[str]:
    """The evidence a page must state for theory record ``t``, computed from evidence.json alone."""
    rows = sum(len(maps[m]["rows"]) for m in t["maps"])
    out = []
    if t["cmocs"]:
        out.append(_plural(len(t["cmocs"]), "configuration (CMOC)", "configurations (CMOCs)"))
    if t["papers"]:
        out.append(_plural(len(t["papers"]), "paper", "papers"))
    if rows:
        out.append(_plural(rows, "evidence set", "evidence sets"))
    return out


def test_home_leads_with_r1_to_r3_their_key_message_and_strength_of_support(demo, ev):
    page = read(demo, "")
    findings = section(page, '<section aria-labelledby="findings-h">')
    assert page.index("findings-h") < page.index('class="counts"')  # before the numbers
    theories = {t["id"]: t for t in ev["theories"]}
    expected = {"R1": "Moderate", "R2": "Relatively weak", "R3": "Moderate"}
    for tid, level in expected.items():
        card = text(_card(findings, tid))
        assert theories[tid]["summary"] in card
        assert f"Strength of support: {level}" in card
        assert "Reviewed in depth · " in card
    # the review's order: R1-R3 before M1-M5; the marks are shapes with words, not colour alone
    ids = re.findall(r'<span class="theory-id">([^<]+)<', findings)
    assert ids == ["R1", "R2", "R3", "M1", "M2", "M3", "M4", "M5"]
    assert '<span class="pips" aria-hidden="true">●●○</span>' in _card(findings, "R1")
    assert '<span class="pips" aria-hidden="true">●○○</span>' in _card(findings, "R2")
    for n in range(1, 6):  # mapped, indicative, not graded
        card = text(_card(findings, f"M{n}"))
        assert "Mapped to evidence sets" in card and "Strength of support: Not assessed" in card
        assert "CMOC" not in card and "configuration" not in card


def test_every_displayed_count_equals_evidence_json(demo, ev):
    maps = {m["id"]: m for m in ev["maps"]}
    theories = {t["id"]: t for t in ev["theories"]}
    home = read(demo, "")
    index = read(demo, "theories")
    for t in ev["theories"]:
        want = _evidence_line(t, maps)
        cards = [text(_card(index, t["id"]))]
        if t.get("kind") == "component":
            cards.append(text(_card(home, t["id"])))
        facts = read(demo, f"theories/{t['id']}")
        aside = text(section(facts, '<aside class="theory-aside"', "</aside>"))
        for shown in (*cards, aside.replace(" evidence map", "")):
            for part in want:
                assert part in shown or part.replace(" (CMOC", "").replace("s)", "s") in shown, (t["id"], part)
            assert not re.search(r"(?<![\d.])0 (configuration|paper|evidence set|CMOC)", shown), (t["id"], shown)
    for q in ev["questions"]:
        nodes = [theories[i] for i in q["theories"]]
        cmocs = set(q["cmocs"]) | {c for t in nodes for c in t["cmocs"]}
        papers = set(q["papers"]) | {p for t in nodes for p in t["papers"]}
        assert set(q["cmocs"]) == cmocs and set(q["papers"]) == papers, q["id"]  # the export agrees
        page = read(demo, f"questions/{q['id']}")
        facts = text(page[page.index('<h1>'):page.index('<div class="prose">')])
        if cmocs:
            assert _plural(len(cmocs), "configuration (CMOC)", "configurations (CMOCs)") in facts, q["id"]
        if papers:
            assert _plural(len(papers), "paper", "papers") in facts, q["id"]
        assert not re.search(r"(?<!\d)0 (configuration|paper|theory node)", facts), (q["id"], facts)
    # the cases: rs-q1 named 0 configurations above R1-R3, slr-o1 0 papers with 33 coded
    assert "29 configurations (CMOCs)" in text(read(demo, "questions/rs-q1"))
    assert "33 papers" in text(read(demo, "questions/slr-o1"))


def test_no_matrix_cell_of_a_mapped_component_is_called_a_gap(demo):
    page = read(demo, "matrix/components-by-outcome")
    table = section(page, '<table class="matrix">', "</table>")
    for row in table_rows(table):
        label = text(re.search(r'<th scope="row">(.*?)</th>', row).group(1))
        kinds = re.findall(r'<td class="cell-(gap|filled|na)">', row)
        if label.startswith("M"):
            assert kinds == ["na"] * 5, label
        else:
            assert "na" not in kinds, label
    assert "<strong>25</strong> not assessed" in page and "<strong>4</strong> gaps" in page
    svg = section(page, "<svg", "</svg>")
    assert svg.count('<g class="na">') == 25 and svg.count('<g class="gap">') == 4


def test_the_active_ingredients_answer_their_question(demo, ev):
    page = read(demo, "questions/rs-q2")
    table = text(section(page, '<table class="ipt question-nodes card-rows">', "</table>"))
    ingredients = [t for t in ev["theories"] if t.get("kind") == "ingredient"]
    assert [t["title"] for t in ingredients] == ["Design", "Delivery", "Management", "People and communities",
                                                 "Workforce", "Technology", "Leadership", "Knowledge"]
    for t in ingredients:
        assert t["title"] in table and t["summary"] in table
    assert "Establish a dedicated change-management team" in table
    assert "Drawn from the synthesis as a whole" in table
    assert "No configurations" not in table and "0 theory nodes" not in text(page)


def test_sources_say_where_in_the_review_and_whether_a_quote_is_verbatim(demo, ev):
    sources = [s for c in ev["cmocs"] for s in c["sources"]]
    assert all("found_in" in s and "text line" not in s["found_in"] for s in sources)
    assert not any("locator" in s for s in sources)  # none of the demo's says where in the paper
    assert sum("quote" in s for s in sources) == sum("verbatim" in s for s in sources) == 10
    page = text(read(demo, "cmocs/cmoc-R3-08"))
    assert "linked in the review at Chapter 6 (R3), Mechanisms: Staff factors" in page
    assert "The paper's words, as quoted" in page
    sheet = (demo / "review" / "links.csv").read_text(encoding="utf-8")  # the advisory sheet too
    assert "ocloo-2016 [review: Chapter 6 (R3), Mechanisms: Staff factors, para. 2 (report ref. 287)]" \
           " “sharing power and accepting user expertise” (verbatim)" in sheet


def test_no_page_shows_extraction_artefacts_or_empty_states_that_do_not_apply(demo):
    offenders = [str(p.relative_to(demo)) for p, html in _pages(demo) if ARTEFACTS.search(text(html))]
    assert not offenders, offenders[:10]
    for tid in ("M1", "factor-leadership", "ai-design"):  # CMOCs never apply to them
        assert "No configurations are linked" not in read(demo, f"theories/{tid}")
    assert "Not classified" not in read(demo, "theories/M1")  # no table of one 'Not classified' row


def test_a_base_without_confidence_reads_not_assessed_never_a_gap(make_site, tmp_path):
    content = make_site({
        "theories/Q1.md": "---\ntitle: Bucket code\n---\n",
        "theories/Q2.md": "---\ntitle: Consolidated code\nparent: Q1\n---\n",
        "papers/p1.md": "---\ntitle: A study\nauthors: [Smith J]\nyear: 2020\n---\n",
        "cmocs/c1.md": "---\ncontext: C\nmechanism: M\noutcome: O\nsources: [p1]\ntheories: [Q2]\n"
                       "direction: barrier\n---\n",
    }, "title: Another shape\nmatrices:\n  - {id: m, title: M, rows: {theories: {}}, columns: {facet: direction},"
       " count: cmocs}\nfacets:\n  direction: {label: Enabler or barrier}\n")
    out = tmp_path / "site"
    run = run_cli("build", "--content", str(content), "--output", str(out), "--no-search", "--quiet")
    assert run.code == 0, run.err
    home = text(read(out, ""))
    assert "Confidence: Not assessed" in home and "error" not in home.lower()
    q2 = text(read(out, "theories/Q2"))
    assert "Confidence: Not assessed" in q2 and "How it was examined: reviewed in depth." in q2  # from its CMOC
    matrix = read(out, "matrix/m")
    # Q1 has no evidence of its own and was never examined: not assessed, not two gaps
    row = next(r for r in table_rows(section(matrix, '<table class="matrix">', "</table>")) if "Bucket code" in r)
    assert re.findall(r'<td class="cell-(gap|filled|na)">', row) == ["na", "na"]


def test_what_works_lists_every_cmoc_with_its_columns(demo, ev):
    page = read(demo, "what-works")
    table = section(page, '<table class="what-works"', "</table>")
    head = text(table[:table.index("</thead>")])
    for column in ("Context (for whom, in what circumstances)", "Mechanism", "Outcome", "Outcome domain",
                   "Mechanism group", "Sources"):
        assert column in head
    for column in ("Direction", "Strength of support"):  # no demo CMOC has one: test_what_works.py
        assert column not in head
    rows = table_rows(table)
    assert len(rows) == len(ev["cmocs"])  # the demo's 29 fit one page
    facets = ev["site"]["facets"]
    for row, c in zip(rows, sorted(ev["cmocs"], key=lambda c: [t["id"] for t in ev["theories"]].index(
            c["theories"][0]["theory"]))):
        assert f'href="/cmocs/{c["id"]}/"' in row
        shown = text(row)
        assert c["context"][:40] in shown and c["outcome"][:40] in shown
        for key in ("outcome_domain", "mechanism_group"):
            for v in c.get(key, []):
                assert facets[key]["values"][v] in shown
        assert shown.endswith(str(len(c["sources"])))
    assert 'href="/data/cmocs.csv"' in page and 'href="/what-works/"' in read(demo, "")


@pytest.mark.parametrize("width", [390, 1280])
def test_the_slr_flow_draws_exclusions_beside_the_main_column(demo_url, page, width):
    """PRISMA 2020 in Chromium: identification sources side by side, every removal and exclusion to
    the right of the main column at the height of the step it leaves, every n = on screen."""
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{demo_url}/reviews/slr/")
    rows = page.eval_on_selector_all(".prisma-row", """rows => rows.map(row => {
        const box = el => { const r = el.getBoundingClientRect();
                            return {l: r.left, r: r.right, t: r.top, b: r.bottom}; };
        return {main: [...row.querySelectorAll('.prisma-main .prisma-box')].map(box),
                side: [...row.querySelectorAll('.prisma-side .prisma-box')].map(box),
                text: row.innerText};
    })""")
    assert len(rows) == 5 and sum(len(r["side"]) for r in rows) == 4  # sources, total, screened, assessed, included
    sources = rows[0]["main"]
    assert len(sources) == 2
    if width >= 768:  # side by side where they fit; stacked but still above the flow on a phone
        assert abs(sources[0]["t"] - sources[1]["t"]) < 2 and sources[1]["l"] >= sources[0]["r"]
    main_right = max(b["r"] for r in rows for b in r["main"])
    for r in rows:
        for side in r["side"]:
            assert side["l"] >= main_right, r["text"]  # beside the column, never in it
            main = r["main"][0]
            assert side["t"] < main["b"] + 80 and side["b"] > main["t"] - 80, r["text"]  # at its step's height
    tops = [r["main"][0]["t"] for r in rows]
    assert tops == sorted(tops)  # the main column runs down
    width_used = page.evaluate("document.documentElement.scrollWidth")
    assert width_used <= width
    for n in page.eval_on_selector_all(".prisma .n", "els => els.map(e => e.getBoundingClientRect().right)"):
        assert n <= width  # every count readable without scrolling sideways


def test_what_works_filters_by_theory_and_downloads_the_view_as_csv(demo_url, demo, ev, page, tmp_path):
    r2 = next(t for t in ev["theories"] if t["id"] == "R2")
    assert 'href="/what-works/?theory=R2"' in read(demo, "theories/R2")  # the section per theory
    page.goto(f"{demo_url}/what-works/?theory=R2")
    visible = page.eval_on_selector_all("#ww-table tbody tr", "rows => rows.filter(r => !r.hidden).length")
    assert visible == len(r2["cmocs"])
    assert page.input_value("#ww-theory") == "R2"
    assert page.inner_text("#ww-status") == f"{len(r2['cmocs'])} of {len(ev['cmocs'])} configurations shown"
    with page.expect_download() as info:
        page.click("#ww-csv")
    path = tmp_path / "view.csv"
    info.value.save_as(path)
    lines = path.read_text(encoding="utf-8-sig").strip().splitlines()
    assert lines[0].startswith('id,Configuration,Theory,"Context (for whom')  # title and code apart
    assert len(lines) == 1 + len(r2["cmocs"])
    assert {line.split(",")[0] for line in lines[1:]} == set(r2["cmocs"])
    rows = list(csv.DictReader(lines))
    titles = {c["id"]: c["title"] for c in ev["cmocs"] if c["id"] in r2["cmocs"]}
    assert {r["id"]: r["Configuration"] for r in rows} == titles  # the title alone, no "… R2" on its end
    assert all("R2" in r["Theory"].split("; ") for r in rows)
    page.select_option("#ww-theory", "*")
    assert page.eval_on_selector_all("#ww-table tbody tr", "rows => rows.filter(r => !r.hidden).length") == \
        len(ev["cmocs"])
    assert page.url.endswith("/what-works/")


def test_the_mapped_components_as_one_combined_map(demo, ev):
    """Rows are the evidence sets of every map (by focus), columns M1-M5: a cell counts the papers
    of that set in that component's map, is 'not assessed' where the map has no such set, and a gap
    only where the set is there and empty (Table 8's Audit and feedback row)."""
    page = read(demo, "matrix/evidence-sets-by-component")
    table = section(page, '<table class="matrix">', "</table>")
    heads = re.findall(r'<th scope="col">(.*?)</th>', table)
    assert [text(h).split(":")[0] for h in heads] == ["M1", "M2", "M3", "M4", "M5"]
    maps = {m["theory"]: m for m in ev["maps"]}
    for row in table_rows(table):
        label = text(re.search(r'<th scope="row">(.*?)</th>', row).group(1))
        focus = re.sub(r" \((context|mechanism|outcome)\)$", "", label)
        cells = re.findall(r'<td class="cell-(gap|filled|na)">(.*?)</td>', row, re.S)
        assert len(cells) == 5
        for tid, (kind, body) in zip(["M1", "M2", "M3", "M4", "M5"], cells):
            sets = [r for r in maps[tid]["rows"] if r["focus"] == focus]
            papers = {p for r in sets for p in r.get("papers", [])}
            expected = "na" if not sets else "filled" if papers else "gap"
            assert kind == expected, (focus, tid)
            if papers:
                assert int(re.search(r'class="count">(\d+)', body).group(1)) == len(papers), (focus, tid)
    assert "<strong>1</strong> gap<" in page  # M4's Audit and feedback, empty in the source table


def test_a_second_dimension_with_its_legend(demo):
    page = read(demo, "matrix/components-by-outcome")
    svg = section(page, "<svg", "</svg>")
    assert "Shape shows:" in svg and ">Patient / service user</text>" in svg and ">System</text>" in svg
    table = section(page, '<table class="matrix">', "</table>")
    assert re.search(r'class="split">\d+ patient / service user', table)


def test_a_cmoc_can_carry_its_key_message_and_confidence(make_site, tmp_path):
    content = make_site({
        "theories/T1.md": "---\ntitle: A theory\n---\n",
        "papers/p1.md": "---\ntitle: A study\nauthors: [Smith J]\nyear: 2020\n---\n",
        "cmocs/c1.md": "---\ncontext: C\nmechanism: M\noutcome: O\nsources: [p1]\ntheories: [T1]\n"
                       "summary: Works when people trust the team.\n"
                       "confidence: {level: low, rationale: One small study., assessed_with: GRADE-CERQual}\n---\n",
    })
    out = tmp_path / "site"
    assert run_cli("build", "--content", str(content), "--output", str(out), "--no-search", "--quiet").code == 0
    page = read(out, "cmocs/c1")
    assert "Works when people trust the team." in text(page) and "Confidence: Low" in text(page)
    assert '<span class="pips" aria-hidden="true">●●○○</span>' in page  # GRADE-CERQual's four levels
    assert "●●○○ Low (2 of 4" in text(read(out, "what-works"))  # the column is named Confidence


def test_a_mapped_paper_is_not_described_as_lacking_configurations(demo):
    page = text(read(demo, "papers/ouwens-2005"))
    assert "Not drawn into configurations: this paper is listed in an evidence map" in page
    assert "No configuration cites this paper" not in page


def test_counts_on_the_other_page_kinds_equal_evidence_json(demo, ev):
    for m in ev["maps"]:
        facts = text(section(read(demo, f"maps/{m['id']}"), '<ul class="facts"', "</ul>"))
        papers = {p for r in m["rows"] for p in r.get("papers", [])}
        assert f"{len(m['rows'])} evidence sets" in facts and f"{len(papers)} papers" in facts, m["id"]
    for r in ev["reviews"]:
        page = text(read(demo, f"reviews/{r['id']}"))
        n = len(r["papers"])
        assert f"In this evidence base {n} paper{'s' if n != 1 else ''}" in page, r["id"]
    for c in ev["cmocs"]:
        assert f"Sources ({len(c['sources'])})" in text(read(demo, f"cmocs/{c['id']}")), c["id"]
    assert f"The {len(ev['papers'])} included studies" in text(read(demo, "papers"))
    assert text(read(demo, "cmocs")).count(f"{len(ev['cmocs'])} configurations (CMOCs)") >= 1
    data = text(read(demo, "data"))
    n_papers, n_cmocs, n_theories = len(ev["papers"]), len(ev["cmocs"]), len(ev["theories"])
    assert f"{n_papers} papers, {n_cmocs} configurations (CMOCs), {n_theories} theory nodes" in data
