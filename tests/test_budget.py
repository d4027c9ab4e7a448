"""Page weight (DESIGN §6): a page under 60 KB of HTML+CSS before the search bundle.

Measured as raw bytes on disk: the page's HTML plus every stylesheet it links (``static/style.css``
and any other ``<link rel="stylesheet">``), for every page of the demo; and, on a synthetic corpus
(``benchmarks/synth.py``), that list pages stay bounded because long lists are paginated.
"""
from __future__ import annotations

import importlib.util
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from evidence_explorer.static_files import minify_css
from evidence_explorer.views.pagination import Pager, paginate

BUDGET = 60_000
"""Bytes of HTML plus linked CSS allowed per page."""

KNOWN_OVER: dict[str, str] = {
    "changes/index.html": "changelog lists every commit of the content's history on one page (grows with "
                          "each commit): needs pagination or a cap by its owner",
    "review/integrity/index.html": "advisory-review integrity findings on one page: needs trimming or pages",
    "review/packet/R3/index.html": "printable review packet of R3: every link with quotes, plus review.css",
}
"""Pages of other page families known to be over budget (reported, not hidden: each is a strict
xfail, so the entry must go once the page fits)."""

STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]+)"')


def page_weight(site: Path, page: Path, base_url: str = "/") -> tuple[int, int]:
    """(HTML bytes, linked CSS bytes) of one written page."""
    html = page.read_bytes()
    css = 0
    for href in STYLESHEET.findall(html.decode("utf-8")):
        assert href.startswith(base_url), f"{page}: stylesheet {href} outside the site"
        css += (site / href[len(base_url):]).stat().st_size
    return len(html), css


def weights(site: Path, pages: list[Path] | None = None) -> dict[str, tuple[int, int]]:
    pages = pages if pages is not None else [p for p in site.rglob("*.html") if "pagefind" not in p.parts]
    return {p.relative_to(site).as_posix(): page_weight(site, p) for p in sorted(pages)}


def offenders(measured: dict[str, tuple[int, int]]) -> list[str]:
    over = sorted(((h + c, url, h, c) for url, (h, c) in measured.items() if h + c >= BUDGET), reverse=True)
    return [f"{url}: {total:,} bytes ({html:,} HTML + {css:,} CSS)" for total, url, html, css in over]


# --- the demo ----------------------------------------------------------------------------------

def test_every_demo_page_is_under_budget(demo_site):
    measured = weights(demo_site)
    assert len(measured) > 300  # every entity page, not a sample
    over = [line for line in offenders(measured) if line.split(":")[0] not in KNOWN_OVER]
    assert not over, "pages over %d bytes of HTML+CSS:\n%s" % (BUDGET, "\n".join(over))


@pytest.mark.parametrize("url", sorted(KNOWN_OVER))
def test_known_offenders_of_other_page_families(demo_site, url):
    if not (demo_site / url).exists():
        pytest.skip(f"{url} is not built")
    html, css = page_weight(demo_site, demo_site / url)
    if html + css >= BUDGET:
        pytest.xfail(f"{url}: {html + css:,} bytes ({html:,} HTML + {css:,} CSS): {KNOWN_OVER[url]}")
    pytest.fail(f"{url} now fits ({html + css:,} bytes): remove it from KNOWN_OVER")


def test_served_stylesheets_are_minified_and_equivalent(demo_site):
    source = (ROOT / "evidence_explorer" / "static" / "style.css").read_text(encoding="utf-8")
    served = (demo_site / "static" / "style.css").read_text(encoding="utf-8")
    assert served == minify_css(source) and len(served) < 0.9 * len(source)
    assert "/*" not in served and "\n  " not in served
    # every selector and declaration survives: compare with all whitespace and comments removed
    squash = lambda s: re.sub(r"\s+|/\*.*?\*/|(?<![\w.])0(?=\.\d)", "", s, flags=re.S).replace(";}", "}")
    assert squash(served) == squash(source)


def test_minify_css_keeps_strings_combinators_and_calc():
    css = '''/* note */
    a :hover , b > c { margin: 0.5rem 10.5rem ; content: " (" attr(href) ") /* not a comment */" }
    .x { width: calc(100% - 2rem) !important; }
    @media (max-width: 48rem) { .y + .z { color: red } }
    '''
    assert minify_css(css) == ('a :hover,b>c{margin:.5rem 10.5rem;content:" (" attr(href) ") /* not a comment */"}'
                               '.x{width:calc(100% - 2rem)!important}'
                               '@media (max-width:48rem){.y + .z{color:red}}\n')


def test_figures_carry_presentation_in_one_style_element(demo_site):
    page = (demo_site / "matrix" / "components-by-outcome" / "index.html").read_text(encoding="utf-8")
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert svg.count("<style>") == 1
    for attribute in ("font-size=", "font-weight=", "text-anchor=", "stroke-width=", 'fill="#0b5cad"'):
        assert attribute not in svg, attribute
    assert not re.search(r'="\d+\.0"', svg), "coordinates are rounded"
    assert '<a href="#cell-' in svg and "<title>" in svg  # still labelled links to the evidence


# --- pagination --------------------------------------------------------------------------------

def test_paginate_splits_by_rows_and_by_weight():
    pages = paginate(list(range(10)), "papers/", weight=lambda _i: 10, row_bytes=35, max_rows=100)
    assert [chunk for chunk, _p in pages] == [(0, 1, 2), (3, 4, 5), (6, 7, 8), (9,)]
    assert [p.url for _c, p in pages] == ["papers/", "papers/page/2/", "papers/page/3/", "papers/page/4/"]
    assert [(p.first, p.last, p.total, p.count) for _c, p in pages][1] == (4, 6, 10, 4)
    rows = paginate(list(range(7)), "x/", weight=lambda _i: 1, max_rows=3)
    assert [len(c) for c, _p in rows] == [3, 3, 1]
    heavy = paginate(["big"], "x/", weight=lambda _i: 10**6)
    assert len(heavy) == 1 and heavy[0][0] == ("big",)  # one row heavier than a page still gets one
    (empty, pager), = paginate([], "x/", weight=len)
    assert empty == () and not pager.paged and pager.title("Papers") == "Papers"


def test_pager_links_a_window_with_gaps_and_titles_pages():
    pager = Pager("papers/", 6, 12, 501, 600, 1150)
    links = pager.links
    assert [x[0] if x else None for x in links] == [1, None, 4, 5, 6, 7, 8, None, 12]
    assert pager.prev_url == "papers/page/5/" and pager.next_url == "papers/page/7/"
    assert pager.title("Papers") == "Papers (page 6 of 12)"
    first = Pager("papers/", 1, 2, 1, 100, 150)
    assert first.prev_url is None and first.next_url == "papers/page/2/"
    assert [x[0] for x in first.links] == [1, 2]


def _rows(page: str) -> list[str]:
    body = page[page.index("<tbody>"):page.index("</tbody>")]
    return re.findall(r'<tr><td><a href="/papers/([^/"]+)/">', body)


def test_demo_paper_index_pages_list_every_paper_once_with_accessible_navigation(demo_site):
    import json
    papers = [p["id"] for p in json.loads((demo_site / "data" / "evidence.json").read_text("utf-8"))["papers"]]
    first = (demo_site / "papers" / "index.html").read_text(encoding="utf-8")
    count = int(re.search(r"Page 1 of (\d+)", first).group(1))
    assert 2 <= count <= 3  # 249 papers: as few pages as the budget allows
    urls = ["papers/"] + [f"papers/page/{n}/" for n in range(2, count + 1)]
    listed = []
    for n, url in enumerate(urls, 1):
        page = (demo_site / url / "index.html").read_text(encoding="utf-8")
        listed += _rows(page)
        nav = page[page.index('<nav class="pagination" aria-label="Pagination">'):]
        nav = nav[:nav.index("</nav>")]
        assert f'<a href="/{url}" aria-current="page"><span class="visually-hidden">Page </span>{n}</a>' in nav
        for other in range(1, count + 1):
            assert f'<span class="visually-hidden">Page </span>{other}</a>' in nav
        assert ('rel="prev"' in nav) == (n > 1) and ('rel="next"' in nav) == (n < count)
        assert 'aria-label="Pagination (end of list)"' in page  # a second nav, named apart
        assert f"Page {n} of {count}" in page
        assert '<a href="/search/?kind=Paper">search</a>' in page and 'href="/data/papers.csv"' in page
        assert "Sorting and filtering work within this page" in page
        assert f"<title>Papers (page {n} of {count})" in page
    assert listed == papers  # every paper once, in the index's order
    sitemap = ET.parse(demo_site / "sitemap.xml").getroot()
    locs = {e.text for e in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    assert {f"/{u}" for u in urls} <= locs


def test_long_theory_paper_lists_get_their_own_table(demo_site):
    import json
    ev = json.loads((demo_site / "data" / "evidence.json").read_text("utf-8"))
    for t in ev["theories"]:
        page = (demo_site / "theories" / t["id"] / "index.html").read_text(encoding="utf-8")
        own = demo_site / "theories" / t["id"] / "papers" / "index.html"
        if len(t["papers"]) > 30:
            assert f'<a href="/theories/{t["id"]}/papers/">All {len(t["papers"])} papers behind {t["id"]}</a>' in page
            assert sorted(_rows(own.read_text(encoding="utf-8"))) == sorted(t["papers"])
        else:
            assert not own.exists() and f"Show all {len(t['papers'])} papers" in page or not t["papers"]


# --- a synthetic corpus: list pages stay bounded --------------------------------------------

@pytest.fixture(scope="module")
def synthetic_site(tmp_path_factory) -> Path:
    spec = importlib.util.spec_from_file_location("synth", ROOT / "benchmarks" / "synth.py")
    synth = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(synth)  # type: ignore[union-attr]
    base = tmp_path_factory.mktemp("budget-synth")
    assert synth.main(["300", str(base / "content")]) == 0
    run = run_cli("build", "--content", str(base / "content"), "--output", str(base / "site"), "--no-search",
                  "--quiet")
    assert run.code == 0, run.err
    return base / "site"


LIST_PAGES = ("papers/index.html", "papers/page/*/index.html", "cmocs/index.html", "cmocs/page/*/index.html",
              "theories/*/papers/index.html", "theories/*/papers/page/*/index.html",
              "matrix/*/index.html", "matrix/*/*/index.html", "matrix/*/*/page/*/index.html")


def test_synthetic_list_pages_are_paginated_under_budget(synthetic_site):
    pages = sorted({p for pattern in LIST_PAGES for p in synthetic_site.glob(pattern)})
    measured = weights(synthetic_site, pages)
    assert not offenders(measured), "\n".join(offenders(measured))
    assert (synthetic_site / "papers" / "page" / "2" / "index.html").exists()
    assert (synthetic_site / "cmocs" / "page" / "2" / "index.html").exists()
    listed = [pid for p in sorted(synthetic_site.glob("papers/**/index.html"))
              if p.parent.name == "papers" or p.parent.parent.name == "page"
              for pid in _rows(p.read_text(encoding="utf-8"))]
    assert len(listed) == len(set(listed)) == 300


def test_synthetic_cmoc_index_pages_cover_every_theory_link(synthetic_site):
    import json
    ev = json.loads((synthetic_site / "data" / "evidence.json").read_text("utf-8"))
    expected = sorted((t["id"], c) for t in ev["theories"] for c in t["cmocs"])
    expected += sorted(("", c["id"]) for c in ev["cmocs"] if not c["theories"])
    pages = [synthetic_site / "cmocs" / "index.html"] + sorted(
        (synthetic_site / "cmocs" / "page").glob("*/index.html"), key=lambda p: int(p.parent.name))
    seen = []
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for group in re.split(r'<section class="cmoc-group" aria-labelledby="t-', text)[1:]:
            tid = group[:group.index('"')]
            seen += [("" if tid == "unlinked" else tid, c) for c in re.findall(r'<li><a href="/cmocs/([^/"]+)/">', group)]
    assert sorted(seen) == sorted(expected)
