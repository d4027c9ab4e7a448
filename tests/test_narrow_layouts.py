"""Tables and help text on narrow screens, in Chromium on the demo: the papers table keeps its table
semantics where its rows are stacked blocks (explicit roles, as the what-works table's)."""
from __future__ import annotations

import re

import pytest

from quality.axe import describe, run_axe
from quality.tools import axe_js

pytestmark = pytest.mark.browser

ROLES = """() => { const t = document.querySelector('#papers-table');
  const parts = sel => [...t.querySelectorAll(sel)];
  return {table: getComputedStyle(t).display,
          rowgroups: parts('thead, tbody').map(e => e.getAttribute('role')),
          rows: parts('tr').map(e => [e.getAttribute('role'), getComputedStyle(e).display]),
          heads: parts('thead th').map(e => e.getAttribute('role')),
          cells: parts('tbody td').map(e => e.getAttribute('role'))}; }"""


def _assert_table_roles(found: dict, display_row: str) -> None:
    assert found["table"] == "table"  # the table itself is never display: block
    assert found["rowgroups"] and set(found["rowgroups"]) == {"rowgroup"}
    assert found["rows"] and {role for role, _d in found["rows"]} == {"row"}
    assert display_row in {d for _r, d in found["rows"]}
    assert found["heads"] and set(found["heads"]) == {"columnheader"}
    assert found["cells"] and set(found["cells"]) == {"cell"}


@pytest.mark.parametrize("width", [390, 768])
def test_papers_table_keeps_its_roles_when_rows_are_stacked(demo_url, page, width):
    """Below 72rem the papers table's rows are blocks (one stacked record per paper). display: block
    takes the semantics of a table's parts away in some browsers and screen readers, and the table
    itself was display: block too: the table now stays display: table and papers.js gives its parts
    their roles, on the page's rows and on the rows it draws when the reader filters or sorts,
    including the "no paper matches" row."""
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{demo_url}/papers/")
    page.wait_for_function("() => document.querySelector('#paper-status').textContent !== ''")
    _assert_table_roles(page.evaluate(ROLES), "block")
    snapshot = page.locator("#papers-table").aria_snapshot()
    assert re.match(r"- '?table ", snapshot) and "- columnheader" in snapshot and "- cell" in snapshot
    page.fill("#paper-filter", "care")  # the script draws the rows again
    page.wait_for_function("() => document.querySelector('#paper-status').textContent.includes(' of ')")
    _assert_table_roles(page.evaluate(ROLES), "block")
    page.fill("#paper-filter", "zzzz-no-such-paper")
    page.wait_for_function("() => document.querySelector('#paper-status').textContent.startsWith('No paper')")
    none = page.evaluate("""() => { const td = document.querySelector('#papers-table td.papers-none');
                                     return [td.getAttribute('role'), td.parentElement.getAttribute('role')]; }""")
    assert none == ["cell", "row"]
    page.fill("#paper-filter", "")
    found = run_axe(page, axe_js())  # (the axe gate loads pages at 1280 px only)
    assert not found, describe(found)


def test_papers_table_is_a_table_of_columns_on_a_desktop_screen(demo_url, page):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{demo_url}/papers/")
    page.wait_for_function("() => document.querySelector('#paper-status').textContent !== ''")
    _assert_table_roles(page.evaluate(ROLES), "table-row")


CARDS = """sel => { const out = [];
  for (const t of document.querySelectorAll(sel)) {
    const box = t.closest('.table-scroll');
    const heads = [...t.querySelectorAll('thead th')].map(h => h.textContent.trim());
    out.push({table: getComputedStyle(t).display, scroll: [box.scrollWidth, box.clientWidth],
      rows: [...t.querySelectorAll('tbody tr')].map(r => ({
        role: r.getAttribute('role'), display: getComputedStyle(r).display,
        cells: [...r.cells].map((c, i) => ({role: c.getAttribute('role'), head: heads[i],
          name: getComputedStyle(c, '::before').content, left: c.getBoundingClientRect().left,
          right: c.getBoundingClientRect().right, hidden: getComputedStyle(c).display === 'none'})),
        links: [...r.querySelectorAll('a')].map(a => [a.textContent.trim(), a.getBoundingClientRect().left,
                                                      a.getBoundingClientRect().right])}))});
  }
  return out; }"""
"""Each table matching the selector: its display, its scrolling box's widths, and per body row its
role and display, per cell its role, column header, ::before name and horizontal extent, and its links."""


def _cards(page, selector: str) -> list[dict]:
    page.wait_for_function("() => document.readyState === 'complete'")
    tables = page.evaluate(CARDS, selector)
    assert tables, f"no {selector} on the page"
    return tables


@pytest.mark.parametrize("path", ["maps/map-M1/", "maps/map-M3/", "maps/map-M5/", "theories/M1/", "theories/M4/"])
def test_evidence_map_references_are_in_view_on_a_phone(demo_url, page, path):
    """At 390 px the four-column map tables were 412-476 px wide in a 358 px box, the References column
    mostly out of view until the box was scrolled. Each evidence set is now a card: number, focus and
    kind, then every reference on screen, named "References" (seen only); still a table with roles."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{demo_url}/{path}")
    for t in _cards(page, "table.map-table"):
        assert t["table"] == "table" and t["scroll"][0] <= t["scroll"][1], f"{path}: {t['scroll']}"
        for row in t["rows"]:
            assert row["role"] == "row" and row["display"] == "grid"
            refs = row["cells"][-1]
            assert refs["head"] == "References" and refs["role"] == "cell"
            assert refs["name"] == '"References: " / ""'
            assert 0 <= refs["left"] and refs["right"] <= 390, f"{path}: references at {refs['left']}-{refs['right']}"
            assert [c["role"] for c in row["cells"]] == ["cell", "rowheader", "cell", "cell"]
            for text, left, right in row["links"]:
                assert 0 <= left and right <= 390, f"{path}: {text!r} at {left}-{right} px"
    found = run_axe(page, axe_js())
    assert not found, describe(found)


def test_evidence_map_is_a_table_of_columns_on_a_desktop_screen(demo_url, page):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{demo_url}/maps/map-M1/")
    (t,) = [t for t in _cards(page, "table.map-table")]
    assert t["scroll"][0] <= t["scroll"][1]
    assert {row["display"] for row in t["rows"]} == {"table-row"}
    assert page.locator("table.map-table thead").is_visible()


def test_review_index_packet_links_are_in_view_on_a_phone(demo_url, page):
    """/review/'s theories table was 995 px wide at 390 px, each theory's review packet link its last
    column (900-995 px). The packet is now the column beside the theory, and on a phone each theory
    is a card: name, packet link, then each count named by its column (seen only); nothing scrolls."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{demo_url}/review/")
    (t,) = _cards(page, "table.review-index")
    assert t["table"] == "table" and t["scroll"][0] <= t["scroll"][1], t["scroll"]
    for row in t["rows"]:
        assert row["role"] == "row" and row["display"] == "flex"
        name, packet, *counts = row["cells"]
        assert name["role"] == "rowheader" and packet["head"] == "Packet" and packet["role"] == "cell"
        (link,) = [lnk for lnk in row["links"] if lnk[0].startswith("Review packet")]
        assert 0 <= link[1] and link[2] <= 390, f"{link[0]!r} at {link[1]}-{link[2]} px"
        for cell in counts:
            assert cell["name"] == f'"{cell["head"]}: " / ""' and cell["right"] <= 390, cell
    found = run_axe(page, axe_js())
    assert not found, describe(found)
    page.set_viewport_size({"width": 1280, "height": 900})
    (t,) = _cards(page, "table.review-index")
    assert {row["display"] for row in t["rows"]} == {"table-row"} and t["scroll"][0] <= t["scroll"][1]
    packet = t["rows"][0]["cells"][1]
    assert packet["head"] == "Packet" and packet["right"] < 640  # beside the name, not past the counts


HELP = "Leave the box empty to browse with the filters alone."


def test_search_help_is_a_disclosure_on_a_phone(demo_url, page):
    """/search/'s help (an empty box browses with the filters; two values of one filter widen, values
    of two filters narrow) was hidden from sight on phones, left to screen readers as the box's
    description. At 390 px it is now folded behind "How search works", so the results still come
    first, and opens on a tap (or Enter) within the screen; it stays the box's description."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{demo_url}/search/")
    page.wait_for_function("() => document.querySelector('#search-app').dataset.searches")
    summary = page.locator(".search-help > summary")
    assert summary.is_visible() and summary.inner_text() == "How search works"
    assert page.locator("#search-help").is_hidden()
    box = summary.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["y"] < 844  # on the first screen
    summary.focus()
    page.keyboard.press("Enter")
    help_text = page.locator("#search-help")
    assert help_text.is_visible() and help_text.inner_text().startswith(HELP)
    box = help_text.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.locator("#search-q").get_attribute("aria-describedby") == "search-help"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    found = run_axe(page, axe_js())
    assert not found, describe(found)


def test_search_help_is_shown_on_a_desktop_screen(demo_url, page):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{demo_url}/search/")
    page.wait_for_function("() => document.querySelector('#search-app').dataset.searches")
    assert page.locator("#search-help").is_visible() and page.locator("#search-help").inner_text().startswith(HELP)


@pytest.mark.parametrize("question", ["rs-q1", "rs-q2", "rs-q3", "slr-o1"])
def test_question_theory_nodes_are_cards_on_a_phone(demo_url, page, question):
    """At 390 px a question's "Theory nodes answering ..." table was 99-301 px wider than its box,
    statements cut off mid-word. Each theory node is now a card: its name, its statements, then its
    elements and evidence named by their column (seen only); every cell within the screen, nothing
    scrolls; still a table with roles. At 1280 px it is a table of columns."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{demo_url}/questions/{question}/")
    (t,) = _cards(page, "table.ipt")
    assert t["table"] == "table" and t["scroll"][0] <= t["scroll"][1], f"{question}: {t['scroll']}"
    for row in t["rows"]:
        assert row["role"] == "row" and row["display"] == "block"
        assert [c["role"] for c in row["cells"]] == ["rowheader", "cell", "cell", "cell"]
        for cell in row["cells"]:
            assert 0 <= cell["left"] and cell["right"] <= 390, f"{question}: {cell['head']} at {cell['left']}-{cell['right']}"
        assert [c["name"] for c in row["cells"][2:]] == ['"Elements: " / ""', '"Evidence: " / ""']
        for text, left, right in row["links"]:
            assert 0 <= left and right <= 390, f"{question}: {text!r} at {left}-{right} px"
    found = run_axe(page, axe_js())
    assert not found, describe(found)
    page.set_viewport_size({"width": 1280, "height": 900})
    (t,) = _cards(page, "table.ipt")
    assert {row["display"] for row in t["rows"]} == {"table-row"} and t["scroll"][0] <= t["scroll"][1]
    assert page.locator("table.ipt thead").is_visible()


@pytest.mark.parametrize("packet", ["M1", "M2", "M3", "M4", "M5", "R1/papers", "R2/papers"])
def test_packet_paper_links_are_cards_on_a_phone(demo_url, page, packet):
    """At 390 px a packet's table of paper links (evidence set, paper, review status, decision) was
    92-177 px wider than its box, the Decision column out of view, and every row repeated the
    evidence map's whole title. Each paper is now a card with its decision's boxes on screen, named
    "Decision" (seen only); each evidence map is named once, in a row above its papers."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{demo_url}/review/packet/{packet}/")
    tables = _cards(page, "table.packet-links-table")
    for t in tables:
        assert t["table"] == "table" and t["scroll"][0] <= t["scroll"][1], f"{packet}: {t['scroll']}"
        for row in t["rows"]:
            assert row["role"] == "row" and row["display"] == "block"
            for cell in row["cells"]:
                assert 0 <= cell["left"] and cell["right"] <= 390, f"{packet}: {cell['head']} at {cell['left']}-{cell['right']}"
            for text, left, right in row["links"]:
                assert 0 <= left and right <= 390, f"{packet}: {text!r} at {left}-{right} px"
            if len(row["cells"]) > 1:  # a paper's row; its decision last
                assert row["cells"][-1]["name"] == '"Decision: " / ""' and row["cells"][-1]["head"] == "Decision"
    maps = page.evaluate("""() => [...document.querySelectorAll('table.packet-links-table tbody')].map(b =>
        [b.rows[0].classList.contains('packet-map') ? b.rows[0].textContent.trim() : null,
         [...b.rows].slice(1).map(r => r.textContent.includes('Evidence map'))])""")
    if not packet.endswith("papers") or any(m for m, _r in maps):
        names = [m for m, _r in maps]
        assert names and all(names) and len(set(names)) == len(names), names  # each map once
        assert not any(any(r) for _m, r in maps)  # and not again in its papers' rows
    found = run_axe(page, axe_js())
    assert not found, describe(found)
    page.set_viewport_size({"width": 1280, "height": 900})
    for t in _cards(page, "table.packet-links-table"):
        assert t["scroll"][0] <= t["scroll"][1] and {row["display"] for row in t["rows"]} == {"table-row"}


@pytest.mark.parametrize("width", [320, 390])
@pytest.mark.parametrize("path", ["maps/map-M1/", "maps/map-M2/", "maps/map-M3/", "maps/map-M4/", "maps/map-M5/"])
def test_papers_by_evidence_set_fit_a_phone(demo_url, page, path, width):
    """At 390 px the papers × evidence sets table of M2 and M4 was 3-6 px wider than its box, and at
    320 px those of M1, M2 and M4 9-28 px: the Sets column was cut at the box's edge with no sign of
    more, to be scrolled to sideways. Its cells are narrower on a phone, its type a little smaller,
    and the table fits: no scrolling in the box, every cell within the screen, no word of a paper's
    name broken (a hyphen may end a line)."""
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(f"{demo_url}/{path}")
    page.wait_for_function("() => document.readyState === 'complete'")
    box, cells, broken = page.evaluate("""() => { const t = document.querySelector('table.grid-table'), b = t.closest('.table-scroll');
        const broken = [];
        for (const a of t.querySelectorAll('tbody th a')) for (const w of a.firstChild.textContent.matchAll(/[^\\s-]+/g)) {
          const r = document.createRange(); r.setStart(a.firstChild, w.index); r.setEnd(a.firstChild, w.index + w[0].length);
          if ([...r.getClientRects()].filter(x => x.width > 0).length > 1) broken.push(w[0]); }
        return [[b.scrollWidth, b.clientWidth], [...t.querySelectorAll('th, td')].map(c => c.getBoundingClientRect().right), broken]; }""")
    assert box[0] <= box[1], f"{path} at {width} px: {box}"
    assert max(cells) <= width - 16 + 0.5, f"{path}: a cell ends at {max(cells)} px"  # within the page's margin
    assert broken == [], f"{path} at {width} px: names broken inside a word: {broken}"


CHOICES = """() => [...document.querySelectorAll('.decision .ticks, table.packet-links-table .decision-cell')].map(box => {
  const b = box.getBoundingClientRect(), pad = parseFloat(getComputedStyle(box).paddingLeft);
  return [...box.querySelectorAll(':scope > li, :scope > span')].map(c => { const r = c.getBoundingClientRect();
    return [Math.round(r.left - b.left - pad), Math.round(r.top), Math.round(r.right)]; }); })"""


@pytest.mark.parametrize("width", [320, 360, 390])
@pytest.mark.parametrize("packet", ["R1", "R1/papers", "mrt-cas"])
def test_decision_choices_wrap_whole_on_a_phone(demo_url, page, packet, width):
    """A decision's choices (a configuration's Agree, Contest, Revise; a paper's agreed, contested,
    proposed) are on one line or one per line, starting at the box's left edge. At 390 px a paper's
    "Decision:" shared the first line with two choices and "proposed" wrapped alone under them; below
    370 px a configuration's "Revise" did."""
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(f"{demo_url}/review/packet/{packet}/")
    boxes = page.evaluate(CHOICES)
    assert boxes and all(len(choices) == 3 for choices in boxes), boxes
    for choices in boxes:
        lefts, tops, rights = zip(*choices)
        one_line = len(set(tops)) == 1
        one_per_line = len(set(lefts)) == 1 and len(set(tops)) == 3
        assert one_line or one_per_line, f"{packet} at {width} px: choices at (left, top) {choices}"
        assert lefts[0] == 0 and max(rights) <= width, f"{packet} at {width} px: {choices}"
    if width == 390:  # where all three fit, they share a line
        assert all(len({top for _l, top, _r in choices}) == 1 for choices in boxes)


@pytest.mark.parametrize("width", [320, 390])
def test_a_two_column_table_in_a_page_fits_a_phone(demo_url, page, width):
    """The realist synthesis's methods page has a table of study types and the evidence type each
    was given; "Theoretical evidence/opinion/commentary" could not wrap, and the table scrolled in
    its box (21 px at 390 px, 91 px at 320 px, the evidence type cut off). It breaks after its
    slashes now, and fits."""
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(f"{demo_url}/methods-realist-synthesis/")
    boxes = page.evaluate("""() => [...document.querySelectorAll('.prose .table-scroll')].map(b =>
        [b.scrollWidth, b.clientWidth])""")
    assert boxes and all(scroll <= client for scroll, client in boxes), boxes
