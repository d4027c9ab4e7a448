"""Charts people can reuse (issue 17): every chart with its data as a table, its drawing as SVG and its
data as CSV beside its page, a "Cite this" line; the theory graph layered with full labels and a legend
that matches the drawing; the data page with licence, file sizes and how to cite. Uses the session
demo build; one browser check at 390 and 1280 px."""
from __future__ import annotations

import csv
import html
import io
import re
from pathlib import Path

import pytest

from conftest import run_cli
from evidence_explorer.site.charts import human_size
from evidence_explorer.site.svg_graph import MAX_WIDTH, wrap_full

TITLE = "Evidence Explorer: primary care-led integrated care"


def _read(site: Path, url: str) -> str:
    return (site / url / "index.html").read_text(encoding="utf-8")


def _csv(path: Path) -> list[dict[str, str]]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def _chart_pages(site: Path) -> dict[str, str]:
    """Site URL → HTML of every page that shows a chart's downloads."""
    out = {}
    for f in site.rglob("index.html"):
        text = f.read_text(encoding="utf-8")
        if 'class="chart-tools"' in text:
            out[f.parent.relative_to(site).as_posix() + "/"] = text
    return out


def _svg(page: str, cls: str) -> str:
    start = page.index(f'<svg xmlns="http://www.w3.org/2000/svg" class="figure {cls}"')
    return page[start:page.index("</svg>", start) + 6]


def _edge_classes(fragment: str) -> set[str]:
    return set(re.findall(r'<path class="(edge-[a-z]+)"', fragment))


def _check_graph_svg(svg: str) -> None:
    """The legend shows exactly the edge styles drawn, and every label is whole."""
    edges = svg[svg.index('<g class="edges">'):svg.index("</g>", svg.index('<g class="edges">'))]
    drawn = _edge_classes(edges)
    legend = _edge_classes(svg[svg.index('<g class="legend">'):]) if '<g class="legend">' in svg else set()
    assert drawn == legend, (drawn, legend)
    assert "…" not in svg
    for title, body in re.findall(r'<a href="[^"]*" class="node-link"><title>([^<]*)</title>(.*?)</a>', svg):
        words = re.findall(r">([^<]+)<", body)  # each line of text (the code line first, if any)
        squash = lambda s: re.sub(r"[\s/-]", "", html.unescape(s))
        drawn = f"{words[0]}: {''.join(words[1:])}" if title.startswith(f"{words[0]}: ") else "".join(words)
        assert squash(title) in squash(drawn), (title, words)  # "R1: title" is drawn as the code over the title
        assert 'class="s14' in body  # 14 px labels
    width = int(re.search(r'viewBox="0 0 (\d+) ', svg).group(1))
    assert width <= MAX_WIDTH <= 1120  # the content column at 1280 px: drawn at 1:1, so 14 px stays 14 px


def test_theory_graph_is_layered_with_whole_labels_and_a_matching_legend(demo_site, minimal_site):
    page = _read(demo_site, "graph")
    svg = _svg(page, "theory-graph")
    _check_graph_svg(svg)
    assert _edge_classes(svg) == {"edge-related"}  # the demo has no hierarchy: no arrow in the legend
    assert "Programme theory component" in svg and "mrt-cas" not in re.sub(r'href="[^"]*"', "", svg)
    hierarchy = _svg(_read(minimal_site, "graph"), "theory-graph")
    _check_graph_svg(hierarchy)
    assert "edge-parent" in _edge_classes(hierarchy)


def test_wrap_full_never_drops_text():
    for text in ("Multidisciplinary teams provide continuity for patients with long-term conditions/complex needs",
                 "Supercalifragilisticexpialidocious", "a"):
        lines = wrap_full(text, 100)
        assert re.sub(r"[\s-]", "", "".join(lines)) == re.sub(r"[\s-]", "", text)


def test_every_chart_has_its_table_files_and_citation(demo_site):
    pages = _chart_pages(demo_site)
    assert {"graph/", "matrix/components-by-outcome/", "reviews/slr/"} <= set(pages)
    for url, page in pages.items():
        links = re.findall(r'<a href="(/[^"]+\.(svg|csv))" download>', page)
        kinds = {k for _h, k in links}
        assert "csv" in kinds, url
        for href, _k in links:
            assert (demo_site / href.lstrip("/")).is_file(), href
        cite = re.search(r'<p class="chart-cite">(.*?)</p>', page, re.S).group(1)
        assert TITLE in html.unescape(cite) and f"/{url}" in cite and re.search(r"Version of \d{4}-\d\d-\d\d", cite)
        assert "<table" in page  # the chart's data as a table on the page (visible or in <details>)
        rows = _csv(demo_site / next(h for h, k in links if k == "csv").lstrip("/"))
        assert rows, url
        if url.startswith("matrix/"):
            _check_matrix(page, rows)
        elif url == "graph/":
            _check_graph_data(page, rows)
        elif url.startswith("reviews/"):
            for row in rows:  # every count of the flow is drawn, as "n = …" or in its table
                assert f"n = {int(row['count']):,}" in page or f'{int(row["count"]):,}</td>' in page
        if "svg" in kinds:
            svg_file = next(h for h, k in links if k == "svg").lstrip("/")
            assert (demo_site / svg_file).read_text(encoding="utf-8").startswith("<?xml")
            assert 'class="chart-png link-button"' in page and "static/charts.js" in page


def _check_matrix(page: str, rows: list[dict[str, str]]) -> None:
    svg = html.unescape(_svg(page, "bubble"))
    noun = next(k for k in rows[0] if k in ("CMOCs", "papers"))
    states = [r["cell"] for r in rows]
    assert svg.count('<g class="gap">') == states.count("gap")
    assert svg.count('<g class="na">') == states.count("not assessed")
    for r in rows:
        if r["cell"] == "evidence":
            n = int(r[noun])
            assert f"<title>{r['row']} × {r['column']}: {n} " in svg, r
            extra = [k for k in r if k not in ("row", "column", "cell", noun)]
            if extra:
                assert sum(int(r[k]) for k in extra) >= n  # an item may have more than one value


def _check_graph_data(page: str, rows: list[dict[str, str]]) -> None:
    svg = _svg(page, "theory-graph")
    edges = svg[svg.index('<g class="edges">'):svg.index("</g>", svg.index('<g class="edges">'))]
    assert len(rows) == svg.count('class="node-link"')
    pairs = {tuple(sorted((r["id"], o), key=str.lower)) for r in rows for o in r["related to"].split("; ") if o}
    assert edges.count('class="edge-related"') == len(pairs)


def test_data_page_states_licence_sizes_and_how_to_cite(demo_site):
    page = _read(demo_site, "data")
    assert "No licence is stated for this evidence base" in page  # the demo's seeds give none
    sizes = dict(re.findall(r'<a href="/data/([^"]+)" download>[^<]*</a> <span class="meta file-size">\(([^<]+)\)</span>',
                            page))
    assert len(sizes) == 6
    for name, shown in sizes.items():
        assert shown == human_size((demo_site / "data" / name).stat().st_size), name
    cite = html.unescape(re.search(r'<p class="cite-box evidence-citation">(.*?)</p>', page, re.S).group(1))
    assert TITLE in cite and re.search(r"Version of \d{4}-\d\d-\d\d \(commit [0-9a-f]{7}\)", cite)


def test_human_size():
    assert [human_size(n) for n in (1, 999, 1000, 12_345, 999_499, 1_400_000)] == \
        ["1 byte", "999 bytes", "1.0 kB", "12 kB", "999 kB", "1.4 MB"]


def test_licence_and_citation_settings(make_site, tmp_path):
    yaml = ("title: Licensed\nbase_url: https://example.org/ev/\nlicence:\n  name: CC BY 4.0\n"
            "  url: https://creativecommons.org/licenses/by/4.0/\ncitation:\n  authors: [A. Author, B. Author]\n"
            "  organisation: Example Unit\n  year: 2024\n  version: '1.2'\n  date: 2024-05-31\n")
    content = make_site({}, yaml)
    out = tmp_path / "out"
    run = run_cli("build", "--content", str(content), "--output", str(out), "--no-search", "--quiet")
    assert run.code == 0, run.err
    page = (out / "data" / "index.html").read_text(encoding="utf-8")
    assert '<a href="https://creativecommons.org/licenses/by/4.0/" rel="license">CC BY 4.0</a>' in page
    cite = html.unescape(re.search(r'<p class="cite-box evidence-citation">(.*?)</p>', page, re.S).group(1))
    assert cite.startswith("A. Author, B. Author (Example Unit) (2024). <cite>Licensed</cite>")
    assert "Version 1.2" in cite and "https://example.org/ev/" in cite
    bad = make_site({}, "title: Bad\nlicense: CC0\nlicence:\n  url: ftp://x\ncitation:\n  year: soon\n  who: me\n")
    run = run_cli("check", "--content", str(bad))
    assert run.code != 0
    for wanted in ("site.yaml:2: error: give 'licence' or 'license', not both", "site.yaml:3: error: 'licence' needs a 'name'",
                   "site.yaml:6: error: 'citation.year' must be a year", "site.yaml:7: error: unknown key 'who' in citation"):
        assert any(wanted in line for line in run.lines), (wanted, run.err)


@pytest.mark.browser
def test_graph_fits_a_phone_and_is_drawn_whole_on_a_desktop(demo_url, page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(demo_url + "/graph/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert not page.locator(".graph-drawing").is_visible()  # the outline stands in for the drawing
    assert page.locator(".outline").is_visible() and page.locator(".graph-narrow-note").is_visible()
    visible = page.locator("main").inner_text()
    assert "…" not in visible
    page.set_viewport_size({"width": 1280, "height": 900})
    svg = page.locator("svg.theory-graph")
    assert svg.is_visible()
    assert svg.bounding_box()["width"] >= MAX_WIDTH - 1  # not scaled down: labels at 14 px
    assert page.locator("button.chart-png").is_visible()  # JavaScript offers the PNG
    with page.expect_download() as got:
        page.locator("button.chart-png").click()
    assert got.value.suggested_filename == "theory-graph.png"


def test_chart_csv_is_formula_safe_and_the_stamp_never_reads_the_clock():
    from types import SimpleNamespace
    from evidence_explorer.content.config_cite import Citation
    from evidence_explorer.site.charts import csv_text, stamp
    text = csv_text(("title", "n"), [("=HYPERLINK(\"x\")", 3), ("+1", "-2"), ("plain", 0)])
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[1] == ["'=HYPERLINK(\"x\")", "3"] and rows[2] == ["'+1", "'-2"] and rows[3] == ["plain", "0"]
    no_git = SimpleNamespace(history=None, config=SimpleNamespace(citation=Citation(date="2024-05-31")))
    assert (stamp(no_git).date, stamp(no_git).commit) == ("2024-05-31", "")
    commit = SimpleNamespace(sha="0123456789abcdef", date="2025-01-02T03:04:05+00:00")
    with_git = SimpleNamespace(history=SimpleNamespace(commits=(commit,)), config=no_git.config)
    assert (stamp(with_git).date, stamp(with_git).commit) == ("2025-01-02", "0123456")
