"""The review sheet: links.csv out, decisions back into the CMOC files (status and note only)."""
from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

from conftest import SITES, run_cli
from evidence_explorer.content.diagnostics import Report
from evidence_explorer.pipeline import load_corpus
from evidence_explorer.authoring.advisory_decisions import apply_review_csv
from evidence_explorer.exports.advisory_sheet import COLUMNS, links_csv

FINDINGS = SITES / "integrity" / "findings"

C3 = """---
context: Shared budget  # a comment the import must keep
mechanism: "Trust: slowly built"
outcome: O
sources: [good-2019, twin-2020]
theories:
  - T1
  - {theory: T2, relation: refines}
review_note: >-
  An old note
  over two lines.
---
Body with [[T1]] and trailing spaces   
"""


def site_copy(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(FINDINGS, content)
    (content / "cmocs" / "c3.md").write_bytes(C3.replace("\n", "\r\n").encode("utf-8"))  # CRLF survives
    return content


def sheet(content: Path) -> list[dict[str, str]]:
    corpus = load_corpus(content, Report())
    return list(csv.DictReader(io.StringIO(links_csv(corpus, "/base/"))))


def write_sheet(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def row(rows, cmoc, theory=""):
    return next(r for r in rows if r["cmoc"] == cmoc and r["theory"] == theory)


def test_links_csv_has_every_cmoc_and_theory_link_with_provenance(tmp_path):
    rows = sheet(site_copy(tmp_path))
    assert list(rows[0]) == list(COLUMNS)
    assert [(r["cmoc"], r["theory"]) for r in rows] == [
        ("c1", ""), ("c1", "T1"), ("c2", ""), ("c2", "T1"), ("c3", ""), ("c3", "T1"), ("c3", "T2")]
    c2 = row(rows, "c2")
    assert c2["status"] == "contested" and c2["review_note"] == "Does this refute T1 or only qualify it?"
    assert row(rows, "c2", "T1")["relation"] == "refutes"
    assert row(rows, "c1")["sources"] == "good-2019 [p. 4] “we just walk across the corridor” | twin-2020 [Table 2]"
    assert row(rows, "c1")["url"] == "/base/cmocs/c1/"
    assert all(r["decision"] == "" and r["comment"] == "" for r in rows)


def test_links_csv_is_written_on_every_build(tmp_path):
    out = tmp_path / "site"
    run = run_cli("build", "--content", str(SITES / "minimal"), "--output", str(out), "--no-search", "--quiet")
    assert run.code == 0, run.err
    text = (out / "review" / "links.csv").read_bytes().decode("utf-8")
    assert text.startswith(",".join(COLUMNS) + "\r\n")
    assert "\r\nc1," in text


def test_round_trip_changes_only_status_and_note(tmp_path):
    content = site_copy(tmp_path)
    before = {p.name: p.read_bytes() for p in (content / "cmocs").iterdir()}
    others = {p: p.read_bytes() for p in content.rglob("*") if p.is_file() and p.parent.name != "cmocs"}
    rows = sheet(content)
    row(rows, "c1").update(decision="Agreed", comment='Fine: "checked", see p. 4 #2')  # status unchanged
    row(rows, "c2", "T1").update(decision="agreed")
    row(rows, "c3").update(decision="contested", comment="New note")
    row(rows, "c3", "T1").update(decision="contested", comment="weak link")
    row(rows, "c3", "T2").update(decision="agreed")
    result = apply_review_csv(write_sheet(tmp_path / "links.csv", rows), content)
    assert not result.failed and not result.diagnostics, [d.format() for d in result.diagnostics]
    assert sorted(Path(f).name for f in result.files) == ["c1.md", "c2.md", "c3.md"]
    assert {(c.cmoc, c.theory, c.field, c.new) for c in result.changes} == {
        ("c1", "", "review_note", 'Fine: "checked", see p. 4 #2'), ("c2", "T1", "status", "agreed"),
        ("c3", "", "status", "contested"), ("c3", "", "review_note", "New note"),
        ("c3", "T1", "status", "contested"), ("c3", "T1", "review_note", "weak link"),
        ("c3", "T2", "status", "agreed")}

    c1 = (content / "cmocs" / "c1.md").read_text(encoding="utf-8")
    assert c1 == before["c1.md"].decode().replace(
        "status: agreed\n---", 'status: agreed\nreview_note: "Fine: \\"checked\\", see p. 4 #2"\n---')
    c2 = (content / "cmocs" / "c2.md").read_text(encoding="utf-8")
    assert c2 == before["c2.md"].decode().replace("    relation: refutes\n",
                                                    "    relation: refutes\n    status: agreed\n")
    c3 = (content / "cmocs" / "c3.md").read_bytes()
    assert c3 == C3.replace("  - T1\n", "  - {theory: T1, status: contested, review_note: weak link}\n") \
        .replace("{theory: T2, relation: refines}", "{theory: T2, relation: refines, status: agreed}") \
        .replace("review_note: >-\n  An old note\n  over two lines.\n",
                 "review_note: New note\nstatus: contested\n").replace("\n", "\r\n").encode("utf-8")
    assert {p: p.read_bytes() for p in others} == others
    # the result is valid content that says what the sheet said
    corpus = load_corpus(content, report := Report())
    assert not report.errors
    c3e = corpus.get("c3")
    assert (c3e.status, c3e.review_note) == ("contested", "New note")
    assert [(t.theory, t.relation, t.status, t.review_note) for t in c3e.theories] == [
        ("T1", "supports", "contested", "weak link"), ("T2", "refines", "agreed", None)]
    assert (c3e.context, c3e.mechanism) == ("Shared budget", "Trust: slowly built")


def test_dry_run_reports_but_writes_nothing(tmp_path):
    content = site_copy(tmp_path)
    before = (content / "cmocs" / "c1.md").read_bytes()
    rows = sheet(content)
    row(rows, "c1").update(decision="proposed")
    result = apply_review_csv(write_sheet(tmp_path / "links.csv", rows), content, dry_run=True)
    assert [(c.cmoc, c.field, c.old, c.new) for c in result.changes] == [("c1", "status", "agreed", "proposed")]
    assert result.dry_run and (content / "cmocs" / "c1.md").read_bytes() == before


def test_missing_cmoc_missing_link_conflicts_and_bad_values_are_reported(tmp_path):
    content = site_copy(tmp_path)
    rows = sheet(content)
    row(rows, "c2").update(decision="agreed")
    row(rows, "c1", "T1").update(decision="contested")
    row(rows, "c3").update(decision="maybe")
    rows.append({**row(rows, "c1"), "decision": "agreed", "comment": "two rows disagree"})
    rows.append({**row(rows, "c1"), "theory": "T9", "decision": "agreed"})
    (content / "cmocs" / "c1.md").unlink()  # deleted since the export
    # c2's status was changed in the file after the export: a conflict
    c2 = content / "cmocs" / "c2.md"
    c2.write_text(c2.read_text().replace("status: contested", "status: proposed"))
    sheet_path = write_sheet(tmp_path / "links.csv", rows)
    c2_before = c2.read_bytes()
    result = apply_review_csv(sheet_path, content)
    lines = [d.format() for d in result.diagnostics]
    assert f"{sheet_path}:3: warning: CMOC 'c1' no longer exists in {content}/cmocs; row not applied " \
           "[review.missing]" in lines
    assert f"{sheet_path}:4: warning: CMOC c2: status is 'proposed' in {content}/cmocs/c2.md but was " \
           "'contested' when the sheet was exported; 'agreed' not applied [review.conflict]" in lines
    assert f"{sheet_path}:6: error: decision 'maybe' is not one of proposed, agreed, contested [review.csv]" \
           in lines
    assert result.failed and not result.changes
    assert c2.read_bytes() == c2_before


def test_disagreeing_rows_and_a_removed_theory_link(tmp_path):
    content = site_copy(tmp_path)
    rows = sheet(content)
    row(rows, "c3", "T2").update(decision="agreed")
    rows.append({**row(rows, "c3", "T2"), "decision": "contested"})
    rows.append({**row(rows, "c3"), "theory": "T9", "decision": "agreed"})
    sheet_path = write_sheet(tmp_path / "links.csv", rows)
    before = (content / "cmocs" / "c3.md").read_bytes()
    result = apply_review_csv(sheet_path, content)
    lines = [d.format() for d in result.diagnostics]
    assert f"{sheet_path}:9: warning: row disagrees with row 8 about link c3 → T2; neither applied " \
           "[review.conflict]" in lines
    assert f"{sheet_path}:10: warning: CMOC 'c3' no longer links theory 'T9'; row not applied " \
           "[review.missing]" in lines
    assert not result.changes and (content / "cmocs" / "c3.md").read_bytes() == before


def test_a_sheet_without_the_columns_is_refused(tmp_path):
    content = site_copy(tmp_path)
    bad = tmp_path / "papers.csv"
    bad.write_text("id,title\nx,y\n", encoding="utf-8")
    result = apply_review_csv(bad, content)
    assert [d.format() for d in result.diagnostics] == [
        f"{bad}:1: error: not a review links sheet: missing columns cmoc, theory, status, review_note, decision, "
        "comment (export it from /review/links.csv) [review.csv]"]
