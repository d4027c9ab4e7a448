"""No sideways scrolling: every page kind of the demo and of a synthetic evidence base, at 320, 390,
768 and 1280 px, is no wider than the viewport (wide tables and charts scroll inside their own box),
and the header with the navigation fits in the first fifth of a 390 × 844 phone screen."""
from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT, run_cli
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


def _widths(site, url, page) -> list[str]:
    """Each page is loaded once and laid out again at every width (a resize, not a reload)."""
    problems = []
    for kind in KINDS:
        path = page_path(site, kind)
        if path is None:
            continue
        page.set_viewport_size({"width": WIDTHS[0], "height": 844})
        _open(page, url, path)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 844})
            found = page.evaluate(OVERFLOW)
            if found:
                problems.append(f"{width}px /{path} ({kind}): {found['width']}px wide; {found['culprits']}")
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
