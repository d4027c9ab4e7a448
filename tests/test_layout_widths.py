"""No sideways scrolling: every page kind of the demo and of a synthetic evidence base, at 320, 390,
768 and 1280 px, is no wider than the viewport (wide tables and charts scroll inside their own box),
and the header with the navigation fits in the first fifth of a 390 × 844 phone screen."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import ROOT, run_cli
from quality.axe import describe, run_axe
from quality.tools import axe_js
from test_quality_a11y import KINDS, _open, page_path

pytestmark = pytest.mark.browser
WIDTHS = (320, 390, 768, 1280)

OVERFLOW = """() => {
  const doc = document.documentElement;
  if (doc.scrollWidth <= window.innerWidth) return null;
  // what to fix: the innermost elements past the right edge that no scrolling box clips
  const clipped = e => {
    for (let a = e.offsetParent || e.parentElement; a && a !== document.body; a = a.offsetParent || a.parentElement)
      if (getComputedStyle(a).overflowX !== 'visible') return true;
    return false;
  };
  const wide = [...document.querySelectorAll('body *')].filter(e =>
    e.getBoundingClientRect().right > window.innerWidth + 1 && !clipped(e));
  const inner = wide.filter(e => !wide.some(c => c !== e && e.contains(c)));
  return {width: doc.scrollWidth, culprits: inner.slice(0, 5).map(e =>
    e.tagName.toLowerCase() + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : '')
    + ' ' + Math.round(e.getBoundingClientRect().right) + 'px')};
}"""


CUT_CAPTIONS = """() => [...document.querySelectorAll('.table-scroll caption')].filter(c =>
  c.getBoundingClientRect().width > c.closest('.table-scroll').getBoundingClientRect().width + 1
).map(c => c.textContent.trim().slice(0, 40))"""
"""Captions of tables that scroll in their own box but are wider than it: their end is cut off."""


TABS = 4
"""Pages loading at once, in tabs opened once and reused: each load ends with Playwright's 500 ms
of network quiet (most of a load), and in side-by-side tabs those waits overlap."""


def _widths(site, url, page) -> list[str]:
    """Each page is loaded once and laid out again at every width (a resize, not a reload), once
    its network has been quiet for 500 ms (``_open``), as when loaded alone."""
    paths = [(kind, path) for kind in KINDS if (path := page_path(site, kind)) is not None]
    tabs = [page] + [page.context.new_page() for _ in range(TABS - 1)]
    problems = []
    for start in range(0, len(paths), TABS):
        batch = list(zip(tabs, paths[start:start + TABS]))
        for tab, (_kind, path) in batch:
            tab.set_viewport_size({"width": WIDTHS[0], "height": 844})
            tab.goto(f"{url}/{path}", wait_until="commit")
        for tab, (kind, path) in batch:
            _open(tab, url, path, navigate=False)
            for width in WIDTHS:
                tab.set_viewport_size({"width": width, "height": 844})
                found = tab.evaluate(OVERFLOW)
                if found:
                    problems.append(f"{width}px /{path} ({kind}): {found['width']}px wide; {found['culprits']}")
                cut = tab.evaluate(CUT_CAPTIONS)
                if cut:
                    problems.append(f"{width}px /{path} ({kind}): caption wider than its scrolling box: {cut}")
    return problems


def test_demo_never_scrolls_sideways(demo_site, demo_url, page):
    problems = _widths(demo_site, demo_url, page)
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def synthetic_site(tmp_path_factory):
    work = tmp_path_factory.mktemp("synth")
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "synth.py"), "60", str(work / "content")],
                   check=True, capture_output=True)
    out = work / "site"
    run = run_cli("build", "--content", str(work / "content"), "--output", str(out), "--quiet")
    assert run.code == 0, run.err
    return out


def test_synthetic_never_scrolls_sideways(synthetic_site, page):
    from browser import serve_directory
    with serve_directory(synthetic_site) as url:
        problems = _widths(synthetic_site, url, page)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", ["", "theories/", "papers/", "reviews/", "data/", "search/"])
def test_header_fits_the_first_fifth_of_a_phone(demo_url, page, path):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{demo_url}/{path}")
    bottom = page.evaluate("document.querySelector('.site-header').getBoundingClientRect().bottom")
    assert bottom <= 844 / 5, f"/{path}: the header ends at {bottom}px"


@pytest.mark.parametrize("path", ["graph/", "matrix/", "cmocs/"])
def test_current_section_is_in_view_on_a_phone(demo_url, page, path):
    """The second navigation row is one line scrolled inside its own box at 390 px; the section the
    reader is in (the last one of the Findings row on /graph/) is brought into view, not cut off."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{demo_url}/{path}")
    page.wait_for_function("() => document.readyState === 'complete'")
    box = page.evaluate("""() => { const r = document.querySelector('.sub-nav [aria-current]').getBoundingClientRect();
                                   return [r.left, r.right]; }""")
    assert box[0] >= 0 and box[1] <= 390, f"/{path}: the current section spans {box} of a 390 px screen"


FOCUSED_IN_SUB_NAV = """() => { const a = document.activeElement, ul = a.closest('.sub-nav ul');
  if (!ul) return null;
  const r = a.getBoundingClientRect(), box = ul.getBoundingClientRect();
  return {text: a.textContent.trim(), item: [r.left, r.right], box: [box.left, box.right]}; }"""


@pytest.mark.parametrize("path", ["theories/", "graph/"])
def test_each_sub_nav_item_is_in_view_when_focused_on_a_phone(demo_url, page, path):
    """WCAG 2.4.11 (focus not obscured): at 390 px tabbing to "Theory graph" in the Findings row left
    it at 355-457 px of a row showing 16-374 px, and the row did not move. Each item tabbed to (and,
    from the end, tabbed back to) is now within the row's visible box with its focus ring, and the screen."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{demo_url}/{path}")
    page.wait_for_function("() => document.readyState === 'complete'")
    items = page.locator(".sub-nav a").count()
    for _ in range(30):  # to the row's first item
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED_IN_SUB_NAV):
            break
    seen = []
    for key in ["Tab"] * (items - 1) + ["Tab", "Shift+Tab"] + ["Shift+Tab"] * (items - 1) + [None]:
        found = page.evaluate(FOCUSED_IN_SUB_NAV)
        if found:  # (after the row's last item the focus is past it for one step)
            seen.append(found["text"])
            (left, right), (box_left, box_right) = found["item"], found["box"]
            ring = 6  # the focus ring's width outside the item (style.css :focus-visible)
            assert box_left + ring <= left + 1 and right - 1 <= box_right - ring, f"/{path}: {found}"
            assert 0 <= left and right <= 390, f"/{path}: {found}"
        if key:
            page.keyboard.press(key)
    assert len(seen) == 2 * items and set(seen) >= {"Theories", "Theory graph"}, seen


@pytest.mark.parametrize("width", [390, 1280])
def test_search_page_shows_its_navigation_item_as_current(demo_url, page, width):
    """On /search/ the header's Search link is the current item, in view at every width. It was marked
    ``aria-current`` but hidden from 48rem up (it stands in for the header's search box on phones),
    so on a desktop screen no navigation item was current; elsewhere the box keeps its place."""
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(f"{demo_url}/search/")
    current = page.locator('.site-nav a[aria-current="page"]')
    assert current.count() == 1 and current.inner_text() == "Search" and current.is_visible()
    assert current.evaluate("e => getComputedStyle(e).borderBottomStyle") == "solid"  # marked as the others are
    page.goto(f"{demo_url}/papers/")
    assert page.locator('.site-nav a[href="/search/"]').is_visible() == (width == 390)
    assert page.locator(".header-search").is_visible() == (width == 1280)


def test_theory_aside_starts_beside_the_title_on_a_desktop_screen(demo_url, page):
    """At 1280 px the at-a-glance column starts level with the page's title, not below the finding
    box (which left the right third of the first screen empty), and it is beside the main column."""
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{demo_url}/theories/R1/")
    title, aside, main = page.evaluate("""() => ['h1', '.theory-aside', '.theory-main'].map(
        s => { const r = document.querySelector(s).getBoundingClientRect(); return [r.left, r.top, r.right]; })""")
    assert aside[1] <= title[1] + 40, f"the aside starts at {aside[1]} px, the title at {title[1]} px"
    assert aside[0] >= main[2], f"the aside ({aside}) overlaps the main column ({main})"


@pytest.mark.parametrize("path", ["review/"])
def test_review_theory_names_stay_in_view_while_the_counts_scroll_on_a_phone(demo_url, page, path):
    """The advisory index's theories table scrolls sideways in its region at 390 px; scrolled to its
    last column, each row's theory name is still in view (a sticky first column)."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{demo_url}/{path}")
    region = page.locator(".review-index").locator("xpath=..")
    region.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
    left, right = page.evaluate("""() => { const r = document.querySelector('.review-index tbody th').getBoundingClientRect();
                                         return [r.left, r.right]; }""")
    assert 0 <= left and right <= 390, f"the first theory's name spans {left}-{right} px of a 390 px screen"


def test_what_works_table_fits_a_desktop_screen(demo_url, page):
    """The what-works table (nine columns) scrolls in its own box on a phone, but on a desktop screen
    all of it is in view: its last column (the sources) was cut off by 15 px at 1280 px."""
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{demo_url}/what-works/")
    box = page.evaluate("""() => { const s = document.querySelector('#ww-table').closest('.table-scroll');
                                   return [s.scrollWidth, s.clientWidth]; }""")
    assert box[0] <= box[1], f"the table is {box[0]} px wide in a {box[1]} px box"
    assert page.evaluate("getComputedStyle(document.querySelector('#ww-table tbody tr')).display") == "table-row"


@pytest.mark.parametrize("width", [390, 768])
def test_what_works_rows_are_cards_on_narrow_screens(demo_url, page, width):
    """Below 72rem each configuration is a card whose cells are named by their column (CSS, data-label):
    the nine-column table scrolled sideways in its box (1,080 px of table in 358 px at 390 px). The
    table keeps its semantics (explicit roles: display: block or flex drops them in some browsers),
    axe finds nothing at these widths, and the filters still hide cards."""
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{demo_url}/what-works/?theory=R2")
    page.wait_for_function("() => document.querySelector('#ww-status').textContent !== ''")
    box = page.evaluate("""() => { const s = document.querySelector('#ww-table').closest('.table-scroll');
                                   return [s.scrollWidth, s.clientWidth]; }""")
    assert box[0] <= box[1], f"the table is {box[0]} px wide in a {box[1]} px box"
    # each cell after the title named on its card by its column's name, out of the accessibility tree ('/ ""')
    cards = page.evaluate("""() => { const heads = [...document.querySelectorAll('#ww-table thead th')].map(h => h.textContent);
      return [...document.querySelectorAll('#ww-table tbody tr:not([hidden])')].map(r => [
        getComputedStyle(r).display, r.getAttribute('role'), [...r.cells].slice(1).map((c, i) => {
          const name = /^"(.+): " \\/ ""$/.exec(getComputedStyle(c, '::before').content);
          return [c.getAttribute('role'), name !== null && heads[i + 1].startsWith(name[1])]; })]); }""")
    heads = page.evaluate("[...document.querySelectorAll('#ww-table thead th')].map(h => h.textContent)")
    hidden = page.evaluate("[...document.querySelectorAll('#ww-table tbody tr[hidden]')].map(r => getComputedStyle(r).display)")
    assert cards and hidden and set(hidden) == {"none"}  # R2's configurations only
    for display, row_role, cells in cards:
        assert display == "flex" and row_role == "row" and cells == [["cell", True]] * (len(heads) - 1)
    found = run_axe(page, axe_js())  # (the axe gate loads pages at 1280 px only)
    assert not found, describe(found)
    snapshot = page.locator("#ww-table").aria_snapshot()
    assert re.match(r"- '?table ", snapshot) and '- columnheader "Mechanism"' in snapshot and "- rowheader" in snapshot


@pytest.mark.parametrize("width", [320, 390])
def test_home_search_placeholder_is_not_cut_off_on_a_phone(demo_url, page, width):
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(f"{demo_url}/")
    text, room = page.evaluate("""() => { const i = document.querySelector('#home-q'), s = getComputedStyle(i);
        const c = document.createElement('canvas').getContext('2d'); c.font = s.font;
        return [c.measureText(i.placeholder).width,
                i.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight)]; }""")
    assert text <= room, f"the placeholder needs {text:.0f} px, the box has {room:.0f} px"


def test_theory_card_links_underline_the_title_not_the_gap(demo_url, page):
    """A theory card's link holds the code badge and the title: the words between them must read as
    two ("M2 Multidisciplinary…", for screen readers and search), yet the gap after the badge is
    not underlined, so no text (an underlined space) sits between the badge and the title."""
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{demo_url}/")
    cards = page.evaluate("""() => [...document.querySelectorAll('.card-title a')].filter(a => a.querySelector('.theory-id'))
        .map(a => [a.textContent, a.querySelector('.theory-id').nextSibling.textContent])""")
    assert cards
    for text, after in cards:
        assert re.match(r"[A-Z]+\d+ \S", text) and not after[:1].isspace(), (text, after)


@pytest.mark.parametrize("width", [390, 1280])
def test_what_works_filters_sit_under_their_labels(demo_url, page, width):
    """Each what-works filter's label is right above its list: at 1280 px the "Outcome domain" label
    ended the first row while its list began the next, and the theory list took 750 px."""
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{demo_url}/what-works/")
    pairs = page.evaluate("""() => [...document.querySelectorAll('#ww-tools select')].map(s => {
        const l = document.querySelector(`label[for="${s.id}"]`).getBoundingClientRect(), b = s.getBoundingClientRect();
        return [s.id, l.left, l.bottom, b.left, b.top, b.width]; })""")
    assert len(pairs) >= 3
    widths = {round(w) for *_rest, w in pairs}
    for name, label_left, label_bottom, left, top, _w in pairs:
        assert abs(label_left - left) <= 1 and 0 <= top - label_bottom <= 12, f"{name}: label not above its list"
    assert len(widths) == 1, f"the lists differ in width: {sorted(widths)}"


@pytest.mark.parametrize("width", [1160, 1280])
def test_paper_list_cells_break_at_slashes_not_inside_words(demo_site, demo_url, page, width):
    """"Theoretical evidence/opinion/commentary" in the papers table's narrow column wrapped as
    "evidence/opi|nion/comme|ntary", and "International" in the country column as "Internationa|l":
    the page's rows and the rows the filters redraw both put a line-break opportunity after each
    slash, and where the table has columns (from 1,153 px) no word of up to 16 letters is split
    across lines in the reference or a labelled column, on any plain page (between 960 and 1,100 px
    "Interorganisational" and others were; at 1,280 px "Collaborations" and "Thistlethwaite" in
    the reference column were). A longer name ("PricewaterhouseCoopers") may break inside."""
    page.set_viewport_size({"width": width, "height": 900})
    broken = """() => { const out = [];
        for (const td of document.querySelectorAll('#papers-table td[data-label], #papers-table td:nth-child(2)')) {
          const r = document.createRange(), walker = document.createTreeWalker(td, NodeFilter.SHOW_TEXT);
          for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            const re = /[A-Za-z]+/g; let m;
            while ((m = re.exec(n.data))) { r.setStart(n, m.index); r.setEnd(n, m.index + m[0].length);
              if (m[0].length <= 16 && r.getClientRects().length > 1) out.push(m[0]); } } }
        return [out, document.querySelectorAll('#papers-table td wbr').length]; }"""
    plain_pages = sorted(p.parent.name for p in (demo_site / "papers" / "page").glob("*/index.html"))
    for later in plain_pages:
        page.goto(f"{demo_url}/papers/page/{later}/")
        words, _breaks = page.evaluate(broken)
        assert not words, f"page {later}: words split across lines: {words[:5]}"
    page.goto(f"{demo_url}/papers/")
    words, breaks = page.evaluate(broken)
    assert breaks and not words, f"words split across lines: {words[:5]}"
    page.select_option("#paper-design", index=1)  # the filter redraws the rows in the browser
    page.select_option("#paper-design", index=0)
    words, breaks = page.evaluate(broken)
    assert breaks and not words, f"redrawn rows: words split across lines: {words[:5]}"


def test_paper_list_is_stacked_where_its_columns_would_split_words(demo_url, page):
    """Below 72rem each paper is a block with labelled cells, not a row of narrow columns."""
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto(f"{demo_url}/papers/")
    shown = page.evaluate("() => getComputedStyle(document.querySelector('#papers-table tbody tr')).display")
    assert shown == "block"


def test_search_box_focus_ring_clears_its_label(demo_url, page):
    """The search box's focus ring (outline and a 6 px shadow) covered the bottom of its two-line
    label at 390 px: the label now ends at least 8 px above the box."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{demo_url}/search/")
    label = page.locator("label[for=search-q]").bounding_box()
    box = page.locator("#search-q").bounding_box()
    assert box["y"] - (label["y"] + label["height"]) >= 8


CONTRAST = """e => {
  const rgb = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number).map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
  const lum = c => { const [r, g, b] = rgb(c); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  let bg = 'rgba(0, 0, 0, 0)';
  for (let a = e; a && /rgba\\(.*, 0\\)|transparent/.test(bg); a = a.parentElement) bg = getComputedStyle(a).backgroundColor;
  const [l1, l2] = [lum(getComputedStyle(e).color), lum(bg)].sort((x, y) => y - x);
  return (l1 + 0.05) / (l2 + 0.05);
}"""
"""The contrast ratio (WCAG) of an element's text against the first background behind it."""


@pytest.mark.parametrize("path, selector", [("search/?q=trust&kind=CMOC", "#search-clear"),
                                            ("graph/", ".link-button")])
def test_secondary_buttons_stay_readable_on_hover(demo_url, page, path, selector):
    """Buttons styled as secondary or as links keep their text readable under the pointer (and after a
    tap on a phone, where hover sticks): the plain buttons' dark hover fill had turned their accent
    text to 1.58:1."""
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{demo_url}/{path}")
    button = page.locator(selector).first
    button.wait_for(state="visible")
    button.hover()
    ratio = button.evaluate(CONTRAST)
    assert ratio >= 4.5, f"{path} {selector}: {ratio:.2f}:1 under the pointer"


def test_theory_evidence_type_counts_fit_the_aside(demo_url, page):
    """The aside's "Papers behind … by evidence type" table fits its column at 1280 px: the long
    type names ("Theoretical evidence/opinion/commentary") break at their slashes, so the counts are
    not pushed into a scroll."""
    page.set_viewport_size({"width": 1280, "height": 900})
    for theory in ("M2", "R2"):
        page.goto(f"{demo_url}/theories/{theory}/")
        widths = page.evaluate("""() => [...document.querySelectorAll('.theory-aside .table-scroll')].map(
            b => [b.scrollWidth, b.clientWidth])""")
        assert widths and all(scroll <= client + 1 for scroll, client in widths), (theory, widths)


def test_search_filters_add_no_space_below_the_footer(demo_url, page):
    """Opening a long filter group on /search/ leaves the footer at the end of the page: the hidden
    counts inside the group's scrolling list had been placed below it, 550 px past the footer."""
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{demo_url}/search/?q=trust&kind=CMOC&theory=R2&theory=R1")
    page.wait_for_selector(".filter-group")
    page.evaluate("() => document.querySelectorAll('.filter-group details, details.filter-group').forEach(d => d.open = true)")
    gap = page.evaluate("""() => document.documentElement.scrollHeight
        - (document.querySelector('.site-footer').getBoundingClientRect().bottom + window.scrollY)""")
    assert gap <= 2, f"{gap:.0f} px of page below the footer"
