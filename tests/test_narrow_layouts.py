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
