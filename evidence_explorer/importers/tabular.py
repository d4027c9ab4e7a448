"""Spreadsheets (CSV, TSV, XLSX) → :class:`Incoming` records, one per row.

Real extraction sheets are messy. Handled here: a byte-order mark, UTF-16 ("Unicode text" from
Excel), Windows-1252 files, ';'-separated CSV, a title line above the header, empty rows, header
rows repeated after a page break, rows broken in two by a page break (a row with no title, authors
or year continues the one above), cells wrapped across lines, HTML fragments and bullets in cells,
organisations as authors. Rows are numbered as the spreadsheet shows them (the header is row 1
unless something sits above it).
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from ..content.diagnostics import BuildError
from ..exports.csvsafe import unprotect
from .encoding import decode_bytes, read_input  # noqa: F401  (the readers' one decoder)
from .headers import CMOC_HEADERS, PAPER_HEADERS, header_map, known_header, norm_header
from .names import split_cell
from .records import Incoming, Problem, clean_text, paper_record, split_list

LIST_FIELDS = {"setting", "country", "questions", "review", "theories", "sources", "question", "chains_to"}


@dataclass(frozen=True)
class Sheet:
    """The cells of a spreadsheet: rows of text with their spreadsheet row numbers."""

    rows: tuple[tuple[int, tuple[str, ...]], ...]
    notes: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    """How messages name each column when it has no header ('XFD'); default its number."""

    def column(self, i: int) -> str:
        return self.columns[i] if i < len(self.columns) else str(i + 1)


# --- reading --------------------------------------------------------------------------------

def detect_delimiter(text: str) -> str:
    """The delimiter (',', ';', tab or '|') that splits the first rows into the same number of cells,
    the most of them: a ';'-separated file whose cells hold commas is ';'-separated (csv.Sniffer
    counted the commas)."""
    sample = text[:65536]
    best, best_score = ",", (-1.0, 0)
    for delimiter in (",", ";", "\t", "|"):
        try:
            rows = [r for _, r in zip(range(30), csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter))
                    if any(c.strip() for c in r)]
        except csv.Error:
            continue
        if len(rows) > 1 and len(text) > len(sample):
            rows = rows[:-1]  # the sample may end inside the last row
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        score = (sum(len(r) == width for r in rows) / len(rows), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def read_delimited(path: Path, delimiter: str | None) -> Sheet:
    text, note = decode_bytes(read_input(path))
    if delimiter is None:
        delimiter = detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    try:
        for number, row in enumerate(reader, start=1):
            rows.append((number, tuple(unprotect(c) for c in row)))
    except csv.Error as exc:
        raise BuildError(f"{path}: cannot read as {'TSV' if delimiter == chr(9) else 'CSV'} near row "
                         f"{len(rows) + 1}: {exc}") from None
    return Sheet(tuple(rows), (note,) if note else ())


# --- header mapping ------------------------------------------------------------------------

def _find_header(sheet: Sheet, known: dict[str, tuple[str, ...]], overrides: dict[str, str]) -> int:
    """Index in ``sheet.rows`` of the header: the first of the first ten non-empty rows naming two
    known columns, else the first non-empty row."""
    wanted = {norm_header(k) for k in overrides}
    first = None
    for idx, (_, row) in enumerate(sheet.rows[:30]):
        if not any(c.strip() for c in row):
            continue
        first = idx if first is None else first
        if sum(1 for c in row if c.strip() and (norm_header(c) in wanted or known_header(c, known))) >= 2:
            return idx
    if first is None:
        raise BuildError("the spreadsheet is empty")
    return first


def rows_as_dicts(sheet: Sheet, known: dict[str, tuple[str, ...]], overrides: dict[str, str],
                  identity: tuple[str, ...]) -> Iterator[tuple[str, dict[str, str], list[Problem]]]:
    """(row label, field → cell text, problems) per data row, continuation rows merged."""
    h_idx = _find_header(sheet, known, overrides)
    headers = sheet.rows[h_idx][1]
    present = {norm_header(h) for h in headers}
    missing = [k for k in overrides if norm_header(k) not in present]
    if missing:
        raise BuildError(f"--map names no column of the file: {', '.join(missing)} (columns: "
                         f"{', '.join(h for h in headers if h.strip())})")
    mapping = header_map(headers, known, overrides)
    _require(identity[0], mapping, headers, sheet.rows[h_idx][0])
    ignored = [headers[i].strip() for i, t in mapping.items() if t == "ignore"]
    header_notes = [Problem("note", "import.header", f"row {sheet.rows[h_idx][0]} is the header row")] \
        if h_idx and sheet.rows[h_idx][0] != 1 else []
    if ignored:
        header_notes.append(Problem("note", "import.computed-columns", "ignored columns that Evidence Explorer "
                                    f"computes: {', '.join(ignored)}"))
    first = True
    pending: tuple[str, dict[str, str], list[Problem]] | None = None
    for number, row in sheet.rows[h_idx + 1:]:
        if not any(c.strip() for c in row):
            continue
        if tuple(norm_header(c) for c in row[:len(headers)]) == tuple(norm_header(c) for c in headers):
            if pending:
                pending[2].append(Problem("note", "import.repeated-header",
                                          f"row {number}: the header repeated (a page break?): skipped"))
            continue
        cells = _cells(sheet, row, mapping)
        if pending and _continues(pending[1], cells, identity):
            label, prev, probs = pending
            for k, v in cells.items():
                prev[k] = prev[k].rstrip() + " " + v.lstrip()
            names = [f.replace("_", " ") for f in identity if f in mapping.values()] or ["key columns"]
            what = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
            probs.append(Problem("note", "import.continued-row", f"row {number}: has no {what}: read as the "
                                 f"rest of {label} (a row broken by a page break)"))
            continue
        if pending:
            yield pending
        pending = (f"row {number}", cells, header_notes if first else [])
        first = False
    if pending:
        yield pending


def _cells(sheet: Sheet, row: tuple[str, ...], mapping: dict[int, str]) -> dict[str, str]:
    cells: dict[str, str] = {}
    for i, value in enumerate(row):
        target = mapping.get(i)
        if target is None:
            if value.strip():
                cells.setdefault("extra:column " + sheet.column(i), value)
            continue
        if target != "ignore" and value.strip():
            cells[target] = value
    return cells


def _continues(prev: dict[str, str], cells: dict[str, str], identity: tuple[str, ...]) -> bool:
    """A row is the rest of the one above (a page break inside a row) only when it has none of the
    identifying fields and it continues cells the row above has, a few of them: never a row that
    fills other columns (a record without a title), nor a full row."""
    if any(cells.get(f, "").strip() for f in identity):
        return False
    return set(cells) <= {k for k, v in prev.items() if v.strip()} and len(cells) <= max(1, len(prev) // 3)


def _require(field: str, mapping: dict[int, str], headers: tuple[str, ...], row: int) -> None:
    """A sheet with no column for the one field every record needs cannot be imported: say so, with --map."""
    if field in mapping.values():
        return
    shown = [h.strip() for h in headers if h.strip()]
    example = shown[0] if shown else "Column"
    raise BuildError(f"row {row}, the header, has no column for the {field.replace('_', ' ')} (columns: "
                     f"{', '.join(shown[:30])}{', …' if len(shown) > 30 else ''}); name it with "
                     f"--map '{example}={field}'")


# --- records --------------------------------------------------------------------------------

def paper_records(sheet: Sheet, overrides: dict[str, str]) -> list[Incoming]:
    out = []
    for label, cells, problems in rows_as_dicts(sheet, PAPER_HEADERS, overrides, ("title", "authors", "year",
                                                                                  "first_author", "doi")):
        raw: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        quality: dict[str, str] = {}
        body = ""
        for target, value in cells.items():
            if target.startswith("extra:"):
                extra[target[6:]] = clean_text(value)
            elif target == "authors":
                names, note = split_cell(clean_authors(value))
                raw["authors"] = names
                if note:
                    problems.append(Problem("warning", "import.authors", f"{label}: {note}"))
            elif target == "first_author":
                if "authors" in cells:
                    extra["first author"] = clean_text(value)
                else:
                    raw["authors"] = split_cell(clean_authors(value))[0][:1]
            elif target.startswith("quality."):
                quality[target[8:]] = clean_text(value).lower() if target.endswith("rigour") else clean_text(value)
            elif target == "body":
                body = value.replace("\r\n", "\n").replace("\r", "\n").strip()  # no stray CR in Markdown
            elif target == "id":
                continue
            elif target == "journal" and (source := embase_source(value)):
                for name, part in source.items():  # Embase's 'Source': journal (year) vol:issue (pages)
                    raw.setdefault(name, part)
            elif target in LIST_FIELDS:
                raw[target] = split_list(value)
            else:
                raw[target] = value
        if quality:
            raw["quality"] = quality
        start, end = (clean_text(raw.pop(k, "")) for k in ("pages_start", "pages_end"))
        if (start or end) and not raw.get("pages"):
            raw["pages"] = f"{start}-{end}" if start and end and start != end else start or end
        key = clean_text(cells["id"]) if cells.get("id") else None
        out.append(paper_record(label, None, raw, {k: v for k, v in extra.items() if v}, body, key,
                                tuple(problems)))
    return out


_EMBASE_SOURCE = re.compile(r"^(?P<journal>[^()]+?)\s*\((?P<year>\d{4})\)\s*(?P<volume>[^:\s(]+)?"
                            r"(?::(?P<issue>[^\s(]+))?\s*(?:\((?P<pages>[^)]*)\))?\.?(?:\s*Date of Publication:.*)?$")


def embase_source(value: str) -> dict[str, str] | None:
    """'Endoscopic Ultrasound (2014) 3:3 (152-160). Date of Publication: 2014' → its parts."""
    m = _EMBASE_SOURCE.match(" ".join(value.split()))
    if not m:
        return None
    return {k: v.strip() for k, v in m.groupdict().items() if v and v.strip()}


def clean_authors(value: str) -> str:
    """Keep line breaks and bullets (they separate names); drop HTML tags."""
    value = re.sub(r"<\s*(?:br|/p|/li|li|p)\b[^>]{0,200}>", "\n", value, flags=re.I)
    return re.sub(r"<[^>]{0,200}>", "", value)


def cmoc_records(sheet: Sheet, overrides: dict[str, str]) -> list[Incoming]:
    out = []
    for label, cells, problems in rows_as_dicts(sheet, CMOC_HEADERS, overrides, ("context", "outcome", "id")):
        raw: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        body = ""
        for target, value in cells.items():
            if target.startswith("extra:"):
                extra[target[6:]] = clean_text(value)
            elif target == "body":
                body = value.replace("\r\n", "\n").replace("\r", "\n").strip()  # no stray CR in Markdown
            elif target in LIST_FIELDS or target == "relations":
                raw[target] = split_list(value)
            elif target != "id":
                raw[target] = clean_text(value)
        raw = {k: v for k, v in raw.items() if v}
        for name in ("context", "outcome"):
            if name not in raw:
                problems.append(Problem("error", "import.missing", f"{label}: no {name}"))
        if not any(k in raw for k in ("mechanism", "resource", "reasoning")):
            problems.append(Problem("error", "import.missing", f"{label}: no mechanism"))
        if not raw.get("sources"):
            problems.append(Problem("error", "import.missing", f"{label}: no source papers"))
        key = clean_text(cells["id"]) if cells.get("id") else None
        out.append(Incoming(label, None, "cmoc", raw, {k: v for k, v in extra.items() if v}, body, key,
                            tuple(problems)))
    return out
