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


CODED = """---
title: Coded to theories
authors: [Ng A]
year: 2023
theories:
  - T1   # coded in the scan
  - {theory: T2, status: proposed}
---
"""
MAP = """---
theory: T1
rows:
  - focus: Co-location
    kind: context
    papers: [good-2019, mapped-2018]
  - focus: Shared records
    kind: mechanism
    papers:
      - twin-2020  # from the appendix
---
"""


def site_copy(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(FINDINGS, content)
    (content / "cmocs" / "c3.md").write_bytes(C3.replace("\n", "\r\n").encode("utf-8"))  # CRLF survives
    (content / "papers" / "coded-2023.md").write_text(CODED, encoding="utf-8")
    (content / "maps" / "map-T1.md").write_text(MAP, encoding="utf-8")
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


def line_of(rows):
    """The sheet line a row is written on (the header is line 1)."""
    return lambda r: next(i for i, x in enumerate(rows) if x is r) + 2


def row(rows, cmoc, theory="", kind=None, **names):
    kind = kind or ("cmoc-theory" if theory else "cmoc")
    return next(r for r in rows if r["kind"] == kind and r["cmoc"] == cmoc and r["theory"] == theory
                and all(r[k] == v for k, v in names.items()))


def test_links_csv_has_every_cmoc_and_theory_link_with_provenance(tmp_path):
    rows = sheet(site_copy(tmp_path))
    assert list(rows[0]) == list(COLUMNS)
    assert [(r["cmoc"], r["theory"]) for r in rows if r["kind"] in ("cmoc", "cmoc-theory")] == [
        ("c1", ""), ("c1", "T1"), ("c2", ""), ("c2", "T1"), ("c3", ""), ("c3", "T1"), ("c3", "T2")]
    # every other kind of link has its row, named by the columns an import finds it by
    assert [(r["cmoc"], r["paper"]) for r in rows if r["kind"] == "cmoc-source"] == [
        ("c1", "good-2019"), ("c1", "twin-2020"), ("c2", "critic-2021"), ("c3", "good-2019"), ("c3", "twin-2020")]
    assert [(r["paper"], r["theory"], r["status"]) for r in rows if r["kind"] == "paper-theory"] == [
        ("coded-2023", "T1", ""), ("coded-2023", "T2", "proposed")]
    assert [(r["map"], r["row"], r["focus"], r["paper"]) for r in rows if r["kind"] == "map-paper"] == [
        ("map-T1", "1", "Co-location", "good-2019"), ("map-T1", "1", "Co-location", "mapped-2018"),
        ("map-T1", "2", "Shared records", "twin-2020")]
    source = next(r for r in rows if r["kind"] == "cmoc-source")
    assert source["sources"] == "good-2019 [p. 4] “we just walk across the corridor”"
    assert source["context"] == "Teams share a building." and source["url"] == "/base/cmocs/c1/"
    coded = next(r for r in rows if r["kind"] == "paper-theory")
    assert coded["title"] == "Coded to theories" and coded["url"] == "/base/papers/coded-2023/"
    assert next(r for r in rows if r["kind"] == "map-paper")["url"] == "/base/maps/map-T1/"
    c2 = row(rows, "c2")
    assert c2["status"] == "contested" and c2["review_note"] == "Does this refute T1 or only qualify it?"
    assert row(rows, "c2", "T1")["relation"] == "refutes"
    assert row(rows, "c1")["sources"] == "good-2019 [p. 4] “we just walk across the corridor” | twin-2020 [Table 2]"
    assert row(rows, "c1")["url"] == "/base/cmocs/c1/"
    assert all(r[c] == "" for r in rows for c in ("decision", "comment", "decided_on", "decided_by"))


def test_links_csv_is_written_on_every_build(tmp_path):
    out = tmp_path / "site"
    run = run_cli("build", "--content", str(SITES / "minimal"), "--output", str(out), "--no-search", "--quiet")
    assert run.code == 0, run.err
    text = (out / "review" / "links.csv").read_bytes().decode("utf-8")
    assert text.startswith(",".join(COLUMNS) + "\r\n")
    assert "\r\ncmoc,c1," in text


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
    assert c3 == C3.replace("  - T1\n", "  - theory: T1\n    status: contested\n    review_note: weak link\n") \
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
    rows.append({**row(rows, "c1"), "kind": "cmoc-theory", "theory": "T9", "decision": "agreed"})
    (content / "cmocs" / "c1.md").unlink()  # deleted since the export
    # c2's status was changed in the file after the export: a conflict
    c2 = content / "cmocs" / "c2.md"
    c2.write_text(c2.read_text().replace("status: contested", "status: proposed"))
    sheet_path = write_sheet(tmp_path / "links.csv", rows)
    c2_before = c2.read_bytes()
    result = apply_review_csv(sheet_path, content)
    lines = [d.format() for d in result.diagnostics]
    at = line_of(rows)
    assert f"{sheet_path}:{at(row(rows, 'c1', 'T1'))}: warning: CMOC 'c1' no longer exists in {content}/cmocs; " \
           "row not applied [review.missing]" in lines
    assert f"{sheet_path}:{at(row(rows, 'c2'))}: warning: CMOC c2: status is 'proposed' in {content}/cmocs/c2.md " \
           "but was 'contested' when the sheet was exported; row not applied [review.conflict]" in lines
    assert f"{sheet_path}:{at(row(rows, 'c3'))}: error: decision 'maybe' is not one of proposed, agreed, " \
           "contested [review.csv]" in lines
    assert result.failed and not result.changes
    # every row is accounted for
    assert result.outcomes == {"blank": len(rows) - 5, "invalid": 1, "unknown": 3, "conflict": 1}
    assert c2.read_bytes() == c2_before


def test_disagreeing_rows_and_a_removed_theory_link(tmp_path):
    content = site_copy(tmp_path)
    rows = sheet(content)
    row(rows, "c3", "T2").update(decision="agreed")
    rows.append({**row(rows, "c3", "T2"), "decision": "contested"})
    rows.append({**row(rows, "c3"), "kind": "cmoc-theory", "theory": "T9", "decision": "agreed"})
    sheet_path = write_sheet(tmp_path / "links.csv", rows)
    before = (content / "cmocs" / "c3.md").read_bytes()
    result = apply_review_csv(sheet_path, content)
    lines = [d.format() for d in result.diagnostics]
    at = line_of(rows)
    assert f"{sheet_path}:{len(rows)}: warning: row disagrees with row {at(row(rows, 'c3', 'T2'))} about link " \
           "c3 → T2; neither applied [review.conflict]" in lines
    assert f"{sheet_path}:{len(rows) + 1}: warning: link c3 → T9: no longer in {content}/cmocs/c3.md; row not " \
           "applied [review.missing]" in lines
    assert not result.changes and (content / "cmocs" / "c3.md").read_bytes() == before


def test_a_sheet_without_the_columns_is_refused(tmp_path):
    content = site_copy(tmp_path)
    bad = tmp_path / "papers.csv"
    bad.write_text("id,title\nx,y\n", encoding="utf-8")
    result = apply_review_csv(bad, content)
    assert [d.format() for d in result.diagnostics] == [
        f"{bad}:1: error: not a review links sheet: missing columns cmoc, theory, status, review_note, decision, "
        "comment (export it from /review/links.csv) [review.csv]"]


MEETING = {"decided_on": "2026-11-02", "decided_by": "Advisory group meeting 3"}


def test_every_link_kind_applied_back_with_provenance_byte_exact_elsewhere(tmp_path):
    content = site_copy(tmp_path)
    others = {p: p.read_bytes() for p in content.rglob("*.md") if p.name not in ("c1.md", "c3.md", "coded-2023.md",
                                                                                  "map-T1.md")}
    before = {n: (content / d / n).read_bytes().decode("utf-8")
              for d, n in (("cmocs", "c1.md"), ("cmocs", "c3.md"), ("papers", "coded-2023.md"), ("maps", "map-T1.md"))}
    rows = sheet(content)
    row(rows, "c1", kind="cmoc-source", paper="good-2019").update(decision="agreed", **MEETING)
    row(rows, "c3", kind="cmoc-source", paper="twin-2020").update(decision="contested", comment="Quote is about "
                                                                  "records, not budgets", decided_on="2026-11-02")
    row(rows, "", "T1", kind="paper-theory", paper="coded-2023").update(decision="agreed", comment="Clear", **MEETING)
    row(rows, "", "T2", kind="paper-theory", paper="coded-2023").update(decision="proposed", **MEETING)  # unchanged
    row(rows, "", kind="map-paper", paper="mapped-2018").update(decision="contested", **MEETING)
    row(rows, "", kind="map-paper", paper="twin-2020").update(decision="agreed", **MEETING)
    result = apply_review_csv(write_sheet(tmp_path / "links.csv", rows), content)
    assert not result.diagnostics, [d.format() for d in result.diagnostics]
    assert result.outcomes == {"blank": len(rows) - 6, "invalid": 0, "applied": 6}
    after = {n: (content / d / n).read_bytes().decode("utf-8")
             for d, n in (("cmocs", "c1.md"), ("cmocs", "c3.md"), ("papers", "coded-2023.md"), ("maps", "map-T1.md"))}
    prov = "reviewed: {date: 2026-11-02, by: Advisory group meeting 3}"
    assert after["c1.md"] == before["c1.md"].replace(
        '    quote: "we just walk across the corridor"\n',
        f'    quote: "we just walk across the corridor"\n    status: agreed\n    {prov}\n')
    assert after["c3.md"] == before["c3.md"].replace(  # a flow list keeps its line; CRLF kept
        "[good-2019, twin-2020]", '[good-2019, {paper: twin-2020, status: contested, review_note: "Quote is about '
        'records, not budgets", reviewed: {date: 2026-11-02}}]')
    assert after["coded-2023.md"] == before["coded-2023.md"].replace(  # the comment stays on the id's line
        "  - T1   # coded in the scan\n",
        f"  - theory: T1   # coded in the scan\n    status: agreed\n    review_note: Clear\n    {prov}\n").replace(
        "{theory: T2, status: proposed}", "{theory: T2, status: proposed, reviewed: {date: 2026-11-02, by: "
        "Advisory group meeting 3}}")
    assert after["map-T1.md"] == before["map-T1.md"].replace(
        "[good-2019, mapped-2018]", "[good-2019, {paper: mapped-2018, status: contested, reviewed: {date: "
        "2026-11-02, by: Advisory group meeting 3}}]").replace(
        "      - twin-2020  # from the appendix\n",
        f"      - paper: twin-2020  # from the appendix\n        status: agreed\n        {prov}\n")
    assert {p: p.read_bytes() for p in others} == others
    corpus = load_corpus(content, report := Report())
    assert not report.errors, [d.format() for d in report.errors]
    src = corpus.get("c1").sources[0]
    assert (src.status, src.reviewed.date, src.reviewed.by) == ("agreed", "2026-11-02", "Advisory group meeting 3")
    assert [(t.theory, t.status, t.review_note, t.reviewed.date) for t in corpus.get("coded-2023").theories] == [
        ("T1", "agreed", "Clear", "2026-11-02"), ("T2", "proposed", None, "2026-11-02")]
    rows_after = corpus.get("map-T1").rows
    assert (rows_after[0].papers[1].status, rows_after[1].papers[0].status) == ("contested", "agreed")
    # exported again, the sheet shows the provenance; applying the same sheet again changes nothing
    again = sheet(content)
    assert row(again, "c1", kind="cmoc-source", paper="good-2019")["reviewed"] == \
        "2026-11-02 by Advisory group meeting 3"


def test_new_kinds_conflicts_unknown_items_and_bad_provenance(tmp_path):
    content = site_copy(tmp_path)
    rows = sheet(content)
    coded_t2 = row(rows, "", "T2", kind="paper-theory", paper="coded-2023")
    coded_t2.update(decision="agreed")
    row(rows, "c1", kind="cmoc-source", paper="twin-2020").update(decision="agreed", decided_on="2026-02-30")
    row(rows, "c2", kind="cmoc-source", paper="critic-2021").update(decision="agreed", decided_by="Meeting 4")
    gone = {**row(rows, "", kind="map-paper", paper="twin-2020"), "paper": "nobody-2000", "decision": "agreed"}
    moved = {**row(rows, "", kind="map-paper", paper="twin-2020"), "row": "1", "focus": "Co-location",
             "decision": "agreed"}
    rows += [gone, moved]
    coded = content / "papers" / "coded-2023.md"
    coded.write_text(CODED.replace("status: proposed", "status: contested"), encoding="utf-8")  # edited since
    before = {p: p.read_bytes() for p in content.rglob("*.md")}
    sheet_path = write_sheet(tmp_path / "links.csv", rows)
    result = apply_review_csv(sheet_path, content)
    lines = [d.format() for d in result.diagnostics]
    at = line_of(rows)
    assert f"{sheet_path}:{at(coded_t2)}: warning: coding of coded-2023 to T2: status is 'contested' in " \
           f"{content}/papers/coded-2023.md but was 'proposed' when the sheet was exported; row not applied " \
           "[review.conflict]" in lines
    assert f"{sheet_path}:{at(row(rows, 'c1', kind='cmoc-source', paper='twin-2020'))}: error: decided_on " \
           "'2026-02-30' is not a date written YYYY-MM-DD [review.csv]" in lines
    assert f"{sheet_path}:{at(row(rows, 'c2', kind='cmoc-source', paper='critic-2021'))}: error: decided_by is " \
           "filled in but decided_on is empty: give the date of the decision [review.csv]" in lines
    assert f"{sheet_path}:{at(gone)}: warning: paper nobody-2000 in map map-T1 row 2: no longer in " \
           f"{content}/maps/map-T1.md; row not applied [review.missing]" in lines
    # row 1 of the map still has its exported focus, and twin-2020 is not in it
    assert f"{sheet_path}:{at(moved)}: warning: paper twin-2020 in map map-T1 row 1: no longer in " \
           f"{content}/maps/map-T1.md; row not applied [review.missing]" in lines
    assert not result.changes and {p: p.read_bytes() for p in content.rglob("*.md")} == before
    assert result.outcomes == {"blank": len(rows) - 5, "invalid": 2, "conflict": 1, "unknown": 2}


def test_an_old_sheet_without_kind_columns_still_imports(tmp_path):
    content = site_copy(tmp_path)
    old_columns = ("cmoc", "theory", "relation", "status", "review_note", "title", "context", "mechanism", "outcome",
                   "sources", "url", "decision", "comment")
    rows = [{k: r[k] for k in old_columns} for r in sheet(content) if r["kind"] in ("cmoc", "cmoc-theory")]
    next(r for r in rows if r["cmoc"] == "c2" and r["theory"] == "T1").update(decision="agreed")
    next(r for r in rows if r["cmoc"] == "c3" and not r["theory"]).update(comment="Checked")
    result = apply_review_csv(write_sheet(tmp_path / "old.csv", rows), content)
    assert not result.diagnostics and result.outcomes["applied"] == 2
    assert {(c.kind, c.cmoc, c.theory, c.field, c.new) for c in result.changes} == {
        ("cmoc-theory", "c2", "T1", "status", "agreed"), ("cmoc", "c3", "", "review_note", "Checked")}


def test_a_theory_link_shows_the_status_it_takes_from_its_cmoc(tmp_path):
    """A theory link without a status of its own has its CMOC's, on the site and on /review/; the sheet
    said '' (c1 → T1, c1 agreed). It now exports the CMOC's status, and the import takes either that or
    '' (a sheet exported before) as what the file had; a CMOC whose own status changed since is a
    conflict for its theory links as for itself."""
    content = site_copy(tmp_path)
    rows = sheet(content)
    assert (row(rows, "c1", "T1")["status"], row(rows, "c2", "T1")["status"], row(rows, "c3", "T1")["status"]) == \
        ("agreed", "contested", "")
    assert row(rows, "c1", kind="cmoc-source", paper="good-2019")["status"] == ""  # sources take nothing from it
    row(rows, "c1", "T1").update(decision="contested")
    row(rows, "c2", "T1").update(decision="agreed")
    older = [dict(r) for r in rows]
    row(older, "c1", "T1")["status"] = row(older, "c2", "T1")["status"] = ""  # as the sheet was exported before
    c2 = content / "cmocs" / "c2.md"
    for sheet_rows, name in ((rows, "links.csv"), (older, "older.csv")):
        result = apply_review_csv(write_sheet(tmp_path / name, sheet_rows), content, dry_run=True)
        assert not result.diagnostics, [d.format() for d in result.diagnostics]
        assert {(c.cmoc, c.theory, c.field, c.old, c.new) for c in result.changes} == {
            ("c1", "T1", "status", None, "contested"), ("c2", "T1", "status", None, "agreed")}
    c2.write_text(c2.read_text(encoding="utf-8").replace("status: contested", "status: proposed"), encoding="utf-8")
    sheet_path = write_sheet(tmp_path / "links.csv", rows)
    result = apply_review_csv(sheet_path, content)
    assert [d.format() for d in result.diagnostics] == [
        f"{sheet_path}:{line_of(rows)(row(rows, 'c2', 'T1'))}: warning: link c2 → T1: status is 'proposed' in "
        f"{content}/cmocs/c2.md but was 'contested' when the sheet was exported; row not applied [review.conflict]"]
    assert {(c.cmoc, c.theory, c.new) for c in result.changes} == {("c1", "T1", "contested")}


def _whole_rows(corpus, base_url: str) -> bytes:
    """links.csv as one csv.writer writes it from whole rows (the way it was written before each
    CMOC's shared cells were written once)."""
    from operator import itemgetter
    from evidence_explorer.exports.advisory_sheet import link_rows
    from evidence_explorer.exports.csvsafe import protect_cells
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(protect_cells(itemgetter(*COLUMNS)(row)) for row in link_rows(corpus, base_url))
    return buf.getvalue().encode("utf-8")


def test_links_csv_equals_a_writer_given_whole_rows(tmp_path):
    """Quotes, commas, line breaks, formula triggers and non-ASCII text in the shared cells and the
    rows' own: the same bytes as a writer of whole rows, on the findings site, the hostile site and
    a CMOC written to need every kind of quoting."""
    from evidence_explorer.exports.advisory_sheet import links_csv_bytes
    content = site_copy(tmp_path)
    (content / "cmocs" / "c9.md").write_text(
        '---\ntitle: "=SUM(A1), \\"quoted\\""\ncontext: "-starts with a dash, then\\nnew line"\n'
        "mechanism: '@mention ‘curly’'\noutcome: '+plus'\nsources: [good-2019]\ntheories: [T1, T2]\n"
        "review_note: 'a, b'\n---\n", encoding="utf-8")
    for site in (content, SITES / "hostile"):
        corpus = load_corpus(site, Report())
        assert corpus is not None
        for base in ("/base/", "https://example.org/x/"):
            assert links_csv_bytes(corpus, base) == _whole_rows(corpus, base), (site, base)
    rows = sheet(content)
    assert any(r["title"] == "'=SUM(A1), \"quoted\"" and r["kind"] == "cmoc-theory" for r in rows)
