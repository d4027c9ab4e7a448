"""Gate: no broken internal link, src or #fragment anywhere in the built demo site,
at the domain root and under a non-root ``--base-url``.

Run alone: ``./dev test tests/test_quality_links.py``.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from quality.links import check_site, check_sitemap

SUB = "/sub/path/"


def _report(broken) -> str:
    return f"{len(broken)} broken links:\n" + "\n".join(map(str, broken[:60]))


@pytest.fixture(scope="session")  # used by a browser test too, which runs last (conftest)
def demo_sub_root(tmp_path_factory) -> Path:
    """The demo built with ``--base-url /sub/path/`` into ROOT/sub/path/ (serve ROOT)."""
    root = tmp_path_factory.mktemp("subroot")
    run = run_cli("build", "--content", str(ROOT / "content"), "--output", str(root / "sub" / "path"),
                  "--base-url", SUB, "--quiet")
    assert run.code == 0, run.err
    return root


def test_checker_finds_broken_links(tmp_path):
    """The gate can fail: missing files, missing fragments, links outside the base, unsafe schemes."""
    site = tmp_path / "site"
    (site / "a").mkdir(parents=True)
    (site / "a" / "index.html").write_text('<h2 id="here">A</h2>', encoding="utf-8")
    (site / "index.html").write_text(
        '<a href="/base/a/">ok</a> <a href="a/#here">ok</a> <a href="#top" id="top">ok</a>'
        '<a href="https://example.org/x">external</a> <img src="/base/a/index.html" alt="">'
        '<a href="/base/a/#nowhere">1</a> <a href="/base/missing/">2</a> <a href="/a/">3</a>'
        '<a href="/base/a">4</a> <a href="java\tscript:alert(1)">5</a> <a href="../../etc/">6</a>'
        '<img src="/base/gone.png" srcset="/base/a/index.html 1x, /base/gone2.png 2x" alt="">',
        encoding="utf-8")
    (site / "sitemap.xml").write_text("<urlset><url><loc>/base/a/</loc></url>"
                                      "<url><loc>/base/nope/</loc></url></urlset>", encoding="utf-8")
    broken = check_site(site, "/base/")
    assert [(b.url, b.reason) for b in broken] == [
        ("/base/a/#nowhere", "no id 'nowhere' on the target page"),
        ("/base/missing/", "no such file"),
        ("/a/", "outside the base URL /base/"),
        ("/base/a", "directory link without a trailing slash"),
        ("java\tscript:alert(1)", "unsafe or unknown scheme 'javascript:'"),
        ("../../etc/", "outside the base URL /base/"),
        ("/base/gone.png", "no such file"),
        ("/base/gone2.png", "no such file"),
    ]
    assert [b.url for b in check_sitemap(site, "/base/")] == ["/base/nope/"]


def test_demo_site_has_no_broken_links(demo_site: Path):
    assert len(list(demo_site.rglob("*.html"))) > 300
    broken = check_site(demo_site, "/")
    assert not broken, _report(broken)
    assert not check_sitemap(demo_site, "/")


def test_demo_site_under_sub_path_has_no_broken_links(demo_sub_root: Path):
    site = demo_sub_root / "sub" / "path"
    broken = check_site(site, SUB)
    assert not broken, _report(broken)
    assert not check_sitemap(site, SUB)


def test_sub_path_site_loads_its_assets_in_a_browser(demo_sub_root: Path, page):
    """Served from the parent directory, pages under /sub/path/ fetch every asset they ask for."""
    from browser import serve_directory
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("requestfailed", lambda r: failed.append(f"failed {r.url}"))
    with serve_directory(demo_sub_root) as url:
        for path in ("", "theories/", "papers/", "matrix/", "search/?q=continuity"):
            page.goto(f"{url}{SUB}{path}", wait_until="networkidle")
            assert page.locator("h1").count() >= 1
            sheet = page.evaluate("getComputedStyle(document.body).fontFamily")
            assert "system-ui" in sheet or "sans" in sheet, "the stylesheet did not load"
            nav = page.locator("header a").first.get_attribute("href")
            assert nav.startswith(SUB), nav
    assert not failed, failed
