"""`import --kind review FILE` applies a reviewer's sheet through the CLI: status and note only."""
from __future__ import annotations

import csv
import shutil

from conftest import SITES, run_cli


def test_import_review_sheet_changes_only_status_and_note(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(SITES / "minimal", content)
    out = tmp_path / "site"
    assert run_cli("build", "--content", str(content), "--output", str(out), "--no-search").code == 0
    with (out / "review" / "links.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        if row["cmoc"] == "c2" and not row["theory"]:
            row["decision"], row["comment"] = "contested", "Not convinced by the single source"
    rows.append({**rows[0], "cmoc": "c-gone", "theory": "", "decision": "agreed"})
    sheet = tmp_path / "decisions.csv"
    with sheet.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    before = {p.name: p.read_text(encoding="utf-8") for p in (content / "cmocs").glob("*.md")}
    run = run_cli("import", str(sheet), "--kind", "review", "--content", str(content))
    assert "c-gone" in run.err  # a row whose CMOC no longer exists is reported
    after = {p.name: p.read_text(encoding="utf-8") for p in (content / "cmocs").glob("*.md")}
    assert after["c1.md"] == before["c1.md"]
    changed = [line for line in after["c2.md"].splitlines() if line not in before["c2.md"].splitlines()]
    assert changed == ["status: contested", "review_note: Not convinced by the single source"]
    assert after["c2.md"].replace("status: contested\n", "status: proposed\n").replace(
        "review_note: Not convinced by the single source\n", "") == before["c2.md"]
