"""The fast export paths equal the reference ones: evidence.json and references.json through the
C JSON encoder (one record per line) hold what :func:`export.plain` gives; the CSV writers that
skip ``csv.DictWriter`` write the same bytes and still protect formula-like cells."""
from __future__ import annotations

import csv
import io
import json
import shutil

import pytest

from evidence_explorer.exports import (data as export, tables as export_csv, references as export_refs,
                                       advisory_sheet as review_csv)
from evidence_explorer.exports.csvsafe import protect, protect_cells, protect_row
from evidence_explorer.content.diagnostics import Report
from evidence_explorer.pipeline import load_corpus

from conftest import ROOT, SITES

KINDS = ("reviews", "questions", "theories", "maps", "papers", "cmocs")


@pytest.fixture(scope="module", params=["minimal", "demo", "hostile"])
def corpus(request):
    content = ROOT / "content" if request.param == "demo" else SITES / request.param
    corpus = load_corpus(content, Report())
    assert corpus is not None
    return corpus


def test_evidence_json_holds_the_reference_records(corpus):
    text = export.evidence_json(corpus, "/base/")
    data = json.loads(text)
    for key, items in zip(KINDS, (corpus.reviews, corpus.questions, corpus.theories, corpus.maps,
                                  corpus.papers, corpus.cmocs)):
        assert data[key] == [export.plain(export.record(corpus, e, "/base/")) for e in items]
    assert list(data) == ["format", "generator", "site", *KINDS]
    assert data["site"]["base_url"] == "/base/"


def test_evidence_json_is_one_record_per_line(corpus):
    lines = export.evidence_json(corpus, "/").split("\n")
    assert lines[0] == "{" and lines[-2:] == ["}", ""]
    records = [line.rstrip(",") for line in lines if line.startswith("  {")]
    assert len(records) == sum(1 for _ in corpus.all()) - len(corpus.pages)
    for line in records:
        assert isinstance(json.loads(line), dict)


def test_references_json_is_the_csl_items(corpus):
    text = export_refs.csl_json(corpus.papers)
    assert json.loads(text) == [export_refs.csl_item(p) for p in corpus.papers]
    assert text.count("\n") == (len(corpus.papers) + 2 if corpus.papers else 1)


def test_json_lines_of_empty_arrays():
    assert json.loads(export.json_lines({"a": 1}, {"b": [], "c": [{"x": "é"}]})) == {"a": 1, "b": [], "c": [{"x": "é"}]}
    assert export_refs.csl_json([]) == "[]\n"


def _dictwriter(columns, rows) -> str:
    """The reference: what the CSV exports were written with before (DictWriter + protect_row)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\r\n", restval="")
    writer.writeheader()
    writer.writerows(protect_row(row) for row in rows)
    return buf.getvalue()


def test_links_csv_equals_the_dictwriter(corpus):
    expected = _dictwriter(review_csv.COLUMNS, review_csv.link_rows(corpus, "/"))
    assert review_csv.links_csv(corpus, "/") == expected


def test_paper_and_cmoc_csv_keep_their_columns(corpus):
    for text, columns in ((export_csv.papers_csv(corpus, "/"), export_csv.PAPER_COLUMNS),
                          (export_csv.cmocs_csv(corpus, "/"), export_csv.CMOC_COLUMNS)):
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
        assert tuple(rows[0][:len(columns)]) == columns
        assert all(len(row) == len(rows[0]) for row in rows)


@pytest.mark.parametrize("value", ["=1+1", "+x", "-x", "@x", "\tx", "\rx", "plain", "", 3, None])
def test_protect_cells_is_protect(value):
    assert protect_cells([value, value]) == [protect(value), protect(value)]


def test_formula_cells_are_protected(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(SITES / "minimal", content)
    path = content / "cmocs" / "c1.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("title: Trust enables shared care", "title: '=HYPERLINK(x)'")
                    .replace("context: Practices", "context: '@Practices").replace("co-located\n", "co-located'\n", 1),
                    encoding="utf-8")
    report = Report()
    corpus = load_corpus(content, report)
    assert corpus is not None and not report.errors and any((c.title or "").startswith("=") for c in corpus.cmocs)
    for text in (review_csv.links_csv(corpus, "/"), export_csv.cmocs_csv(corpus, "/")):
        cells = [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]
        assert "'=HYPERLINK(x)" in cells and "'@Practices where staff from several professions are co-located" in cells
        assert not any(cell.startswith(("=", "@")) for cell in cells)
