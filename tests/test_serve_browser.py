"""serve in a real browser: live reload of edited content, the error overlay while broken.

Runs ``build.py serve`` as a subprocess on a copy of the demo content (never the real
``content/``), on a free port of 127.0.0.1, and drives Chromium through Playwright.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from test_serve import start_serve, stop

ROOT = Path(__file__).resolve().parents[1]
CMOC = Path("cmocs") / "cmoc-R1-01.md"

pytestmark = pytest.mark.browser


def set_outcome(path: Path, value: str) -> int:
    """Replace the ``outcome:`` line of a CMOC file; return its (1-based) line number."""
    lines = path.read_text(encoding="utf-8").split("\n")
    index = next(i for i, line in enumerate(lines) if line.startswith("outcome:"))
    lines[index] = f"outcome: {value}"
    path.write_text("\n".join(lines), encoding="utf-8")
    return index + 1


def test_edit_reloads_open_pages_and_broken_yaml_shows_the_overlay(page, tmp_path):
    from playwright.sync_api import expect

    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    proc, url = start_serve(content, "--no-search")
    try:
        cmoc_page = page
        theory_page = page.context.new_page()
        cmoc_page.goto(url + "/cmocs/cmoc-R1-01/")
        theory_page.goto(url + "/theories/R1/")
        for p in (cmoc_page, theory_page):  # livereload.js has connected its websocket
            p.wait_for_function("() => !!window.LiveReload && !!document.querySelector('script[src*=overlay]')")
        cmoc_page.wait_for_timeout(1000)
        expect(cmoc_page.locator("main")).not_to_contain_text("Outcome edited live in the browser test")

        # 1. edit the outcome: both open pages show it without a manual reload
        set_outcome(content / CMOC, "Outcome edited live in the browser test.")
        expect(cmoc_page.locator("main")).to_contain_text("Outcome edited live in the browser test", timeout=30_000)
        expect(theory_page.locator("main")).to_contain_text("Outcome edited live in the browser test",
                                                            timeout=30_000)
        expect(cmoc_page.locator("#ee-dev-overlay")).to_have_count(0)

        # 2. break the YAML: the overlay lists path:line: message; the last good page stays
        line = set_outcome(content / CMOC, "Patients: they said it fits their lives")
        overlay = cmoc_page.locator("#ee-dev-overlay")
        expect(overlay).to_be_visible(timeout=30_000)
        expect(overlay).to_have_attribute("role", "alert")
        item = overlay.locator(".ee-dev-diagnostic")
        expect(item).to_have_count(1)
        expect(item).to_have_text(f"{content / CMOC}:{line}: error: YAML syntax error: mapping values are not "
                                  "allowed here (a ': ' inside a value; put the whole value in double quotes, "
                                  'e.g. title: "Care: what works") [yaml.syntax]')
        expect(cmoc_page.locator("main")).to_contain_text("Outcome edited live in the browser test")
        expect(theory_page.locator("#ee-dev-overlay")).to_be_visible(timeout=30_000)
        cmoc_page.reload()  # a reload while broken still serves the last good page, with the overlay
        expect(cmoc_page.locator("main")).to_contain_text("Outcome edited live in the browser test")
        expect(cmoc_page.locator("#ee-dev-overlay")).to_be_visible(timeout=30_000)

        # 3. fix it: the overlay goes and the fixed text shows
        set_outcome(content / CMOC, "Outcome fixed after the broken save.")
        expect(cmoc_page.locator("#ee-dev-overlay")).to_have_count(0, timeout=30_000)
        expect(cmoc_page.locator("main")).to_contain_text("Outcome fixed after the broken save", timeout=30_000)
        expect(theory_page.locator("#ee-dev-overlay")).to_have_count(0, timeout=30_000)
        expect(theory_page.locator("main")).to_contain_text("Outcome fixed after the broken save",
                                                            timeout=30_000)
    finally:
        log = stop(proc)
    assert f"{content / CMOC}:{line}: error: YAML syntax error" in log  # the terminal showed it too
    assert "still serving the last good site" in log
