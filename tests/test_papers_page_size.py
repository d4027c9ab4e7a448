"""The papers list in Chromium on the demo: papers.js pages the list by the size of the plain,
server-rendered pages (it used 100 where the page said "papers 1–64"), and the page note's advice
for readers without JavaScript is hidden when the script runs (its status line says the same)."""
from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

READY = "() => document.querySelector('#paper-status').textContent !== ''"


def test_script_pages_the_papers_as_the_plain_page_does(demo_url, page):
    page.goto(f"{demo_url}/papers/")
    page.wait_for_function(READY)
    note = page.locator("#paper-page-note")
    m = re.match(r"Page 1 of (\d+): papers 1–(\d+)\.", note.inner_text())
    assert m, note.inner_text()
    plain_pages, plain_size = int(m[1]), int(m[2])
    assert plain_size == page.locator("#papers-table tbody tr").count()
    assert "With JavaScript on" not in note.inner_text()  # the no-JS advice, hidden by the script
    assert "sorting and filtering cover all" in page.locator("#paper-status").inner_text()
    page.click("#papers-table th[data-key='year'] button")  # the script takes over the table
    page.wait_for_function("() => document.querySelector('#paper-status').textContent.includes('sorted by')")
    assert page.locator("#paper-page").inner_text() == f"Page 1 of {plain_pages}"
    assert page.locator("#papers-table tbody tr").count() == plain_size
    page.fill("#paper-filter", "care")
    page.wait_for_function("() => / of \\d+ papers/.test(document.querySelector('#paper-status').textContent)")
    page.click("button.paper-reset")  # "Clear filters"
    page.wait_for_function("() => !/ of \\d+ papers/.test(document.querySelector('#paper-status').textContent)")
    assert page.locator("#paper-page").inner_text() == f"Page 1 of {plain_pages}"
    assert page.locator("#papers-table tbody tr").count() == plain_size


def test_plain_page_keeps_its_no_js_advice(demo_url, browser):
    context = browser.new_context(java_script_enabled=False)
    try:
        pg = context.new_page()
        pg.goto(f"{demo_url}/papers/")
        assert "without it, browse the pages" in pg.locator("#paper-page-note").inner_text()
    finally:
        context.close()
