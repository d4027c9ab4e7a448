"""Take the README screenshots: the demo site in headless Chromium at 1280 and 390 px wide.

    .venv/bin/python docs/screenshots/take.py [--out DIR] [PAGE ...]

Builds ``content/`` into a temporary directory (no search index), serves it on 127.0.0.1 and
writes ``NAME-1280.png`` and ``NAME-390.png`` for each page below, clipped to a sensible height.
Needs Chromium (Debian's ``chromium``) and Playwright, as the browser tests do.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

PAGES = {  # name → (site URL, height to clip at 1280, at 390, CSS selector to start at or None)
    "home": ("", 1500, 1600, "#findings-h"),
    "theory": ("theories/R1/", 1300, 1600, None),
    "what-works": ("what-works/", 1100, 1400, None),
    "map": ("maps/map-M1/", 1200, 1500, None),
    "matrix": ("matrix/components-by-outcome/", 1300, 1500, None),
    "combined": ("matrix/evidence-sets-by-component/", 1300, 1500, ".table-scroll"),
    "flow": ("reviews/slr/", 1150, 1500, "#flow-h"),
    "cmoc": ("cmocs/cmoc-R1-01/", 1100, 1600, None),
    "paper": ("papers/salisbury-2013/", 1000, 1400, None),
    "papers": ("papers/", 1100, 1500, None),
    "graph": ("graph/", 1300, 1500, None),
    "changes": ("changes/", 1100, 1400, None),
    "packet": ("review/packet/R1/", 1300, 1600, None),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    parser.add_argument("pages", nargs="*", default=list(PAGES))
    args = parser.parse_args()
    from browser import CHROMIUM_ARGS, chromium_path, serve_directory
    from playwright.sync_api import sync_playwright

    from evidence_explorer.cli import main as cli

    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        code = cli(["build", "--content", str(ROOT / "content"), "--output", str(site), "--no-search", "--quiet"])
        if code != 0:
            return code
        path = chromium_path()
        if path is None:
            print("chromium is not installed", file=sys.stderr)
            return 2
        with serve_directory(site) as url, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
            for name in args.pages:
                target, h_wide, h_narrow, start = PAGES[name]
                for width, height in ((1280, h_wide), (390, h_narrow)):
                    page = browser.new_page(viewport={"width": width, "height": 800})
                    page.goto(f"{url}/{target}")
                    full = page.evaluate("document.documentElement.scrollHeight")
                    top = 0 if start is None else max(0, int(page.evaluate(
                        "s => document.querySelector(s).getBoundingClientRect().top + scrollY", start)) - 16)
                    out = args.out / f"{name}-{width}.png"
                    page.screenshot(path=str(out), clip={"x": 0, "y": top, "width": width,
                                                         "height": min(height, full - top)}, full_page=True)
                    page.close()
                    print(out.relative_to(ROOT) if out.is_relative_to(ROOT) else out)
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
