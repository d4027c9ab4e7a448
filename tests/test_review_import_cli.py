"""`import --kind review FILE` applies a reviewer's sheet through the CLI: status, note and provenance
only, for every kind of link, every row accounted for."""
from __future__ import annotations

import csv
import shutil

from conftest import SITES, run_cli


def export(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(SITES / "minimal", content)
    out = tmp_path / "site"
    assert run_cli("build", "--content", str(content), "--output", str(out), "--no-search").code == 0
    with (out / "review" / "links.csv").open(encoding="utf-8-sig", newline="") as fh:
        return content, list(csv.DictReader(fh))


def write(path, rows):
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_import_review_sheet_changes_only_status_and_note(tmp_path):
    content, rows = export(tmp_path)
    for row in rows:
        if row["kind"] == "cmoc" and row["cmoc"] == "c2":
            row["decision"], row["comment"] = "contested", "Not convinced by the single source"
    rows.append({**rows[0], "cmoc": "c-gone", "theory": "", "decision": "agreed"})
    sheet = write(tmp_path / "decisions.csv", rows)
    before = {p.name: p.read_text(encoding="utf-8") for p in (content / "cmocs").glob("*.md")}
    run = run_cli("import", str(sheet), "--kind", "review", "--content", str(content))
    assert "c-gone" in run.err  # a row whose CMOC no longer exists is reported
    assert f"{sheet}: {len(rows)} rows: 1 applied, 0 unchanged, 0 conflict, 1 unknown, 0 invalid, " \
           f"{len(rows) - 2} without a decision" in run.err
    after = {p.name: p.read_text(encoding="utf-8") for p in (content / "cmocs").glob("*.md")}
    assert after["c1.md"] == before["c1.md"]
    changed = [line for line in after["c2.md"].splitlines() if line not in before["c2.md"].splitlines()]
    assert changed == ["status: contested", "review_note: Not convinced by the single source"]
    assert after["c2.md"].replace("status: contested\n", "status: proposed\n").replace(
        "review_note: Not convinced by the single source\n", "") == before["c2.md"]


def test_import_every_kind_with_provenance_dry_run_then_for_real(tmp_path):
    content, rows = export(tmp_path)
    assert {r["kind"] for r in rows} == {"cmoc", "cmoc-theory", "cmoc-source", "paper-theory", "map-paper"}
    meeting = {"decided_on": "2026-11-02", "decided_by": "Advisory group meeting 3"}
    picked = {kind: next(r for r in rows if r["kind"] == kind) for kind in ("cmoc-source", "paper-theory",
                                                                           "map-paper")}
    for r in picked.values():
        r.update(decision="agreed", **meeting)
    sheet = write(tmp_path / "decisions.csv", rows)
    files = {p: p.read_bytes() for p in content.rglob("*") if p.is_file()}
    dry = run_cli("import", str(sheet), "--kind", "review", "--content", str(content), "--dry-run")
    assert dry.code == 0, dry.err
    assert "3 applied" in dry.err and "dry run: 3 file(s) would change" in dry.err
    assert {p: p.read_bytes() for p in files} == files  # a dry run writes nothing
    run = run_cli("import", str(sheet), "--kind", "review", "--content", str(content))
    assert run.code == 0, run.err
    changed = sorted(p.relative_to(content).as_posix() for p in files if p.read_bytes() != files[p])
    src, coded, mapped = (picked[k] for k in ("cmoc-source", "paper-theory", "map-paper"))
    assert changed == sorted({f"cmocs/{src['cmoc']}.md", f"papers/{coded['paper']}.md", f"maps/{mapped['map']}.md"})
    # the next build shows every decision with who made it and when
    out = tmp_path / "site2"
    assert run_cli("build", "--content", str(content), "--output", str(out), "--no-search").code == 0
    with (out / "review" / "links.csv").open(encoding="utf-8-sig", newline="") as fh:
        again = list(csv.DictReader(fh))
    for kind, r in picked.items():
        same = next(x for x in again if all(x[k] == r[k] for k in ("kind", "cmoc", "theory", "paper", "map", "row")))
        assert (same["status"], same["reviewed"]) == ("agreed", "2026-11-02 by Advisory group meeting 3"), kind
    # applying the same sheet again: every decided row is now unchanged
    rerun = run_cli("import", str(sheet), "--kind", "review", "--content", str(content))
    assert "0 applied, 3 unchanged" in rerun.err
