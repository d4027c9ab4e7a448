"""CSV exports never hand a spreadsheet a formula, and imports read the cells back unchanged."""
from __future__ import annotations

import csv
import io

from conftest import run_cli
from evidence_explorer.exports.csvsafe import protect, unprotect


def test_protect_and_unprotect_round_trip():
    for text in ("=HYPERLINK(\"http://x\")", "+1", "-note", "@SUM(A1)", "\tx", "plain", "'quoted", "", "45-67"):
        assert unprotect(protect(text)) == text
    assert protect("=1+1") == "'=1+1" and protect("plain") == "plain" and protect(3) == 3


def test_exported_csv_cells_are_not_formulas_and_import_restores_them(make_site, tmp_path):
    content = make_site({
        "theories/T1.md": "---\ntitle: T\n---\n",
        "papers/evil-2020.md": "---\ntitle: \"=HYPERLINK(\\\"http://x.invalid\\\",\\\"click\\\")\"\n"
                               "authors: [Evil A]\nyear: 2020\ntheories: [T1]\n---\n",
        "cmocs/c1.md": "---\ncontext: \"+1 context\"\nmechanism: \"@mechanism\"\noutcome: \"-outcome\"\n"
                       "sources: [evil-2020]\ntheories: [T1]\n---\n",
    })
    out = tmp_path / "out"
    assert run_cli("build", "--content", str(content), "--output", str(out), "--no-search").code == 0
    for name in ("data/papers.csv", "data/cmocs.csv", "review/links.csv"):
        text = (out / name).read_text(encoding="utf-8-sig")
        for row in csv.reader(io.StringIO(text)):
            assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row), (name, row)
    assert "'=HYPERLINK" in (out / "data/papers.csv").read_text(encoding="utf-8-sig")
    # the paper's coding to T1 is a row of the review sheet too, its title protected
    assert '\npaper-theory,,T1,evil-2020,,,,,,,,"\'=HYPERLINK(' in (out / "review/links.csv").read_text(encoding="utf-8")
    target = tmp_path / "imported"
    run = run_cli("import", str(out / "data" / "papers.csv"), "--content", str(target))
    assert run.code == 0, run.err
    imported = next((target / "papers").glob("*.md")).read_text(encoding="utf-8")
    assert '=HYPERLINK(' in imported and "'=HYPERLINK" not in imported
