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

from ..csvsafe import unprotect
from ..diagnostics import BuildError
from .names import split_cell
from .records import Incoming, Problem, clean_text, paper_record, split_list

PAPER_HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "title": ("title", "article title", "paper title", "study title", "document title", "title of paper"),
    "authors": ("authors", "author", "author(s)", "creators", "author names"),
    "first_author": ("first author", "lead author", "1st author", "first author surname"),
    "year": ("year", "publication year", "pub year", "year of publication", "date", "publication date",
             "year published"),
    "journal": ("journal", "journal name", "source title", "publication title", "journal/source",
                "source", "journal title", "container title"),
    "volume": ("volume", "vol", "vol."),
    "issue": ("issue", "number", "no", "no."),
    "pages": ("pages", "page", "page numbers", "page range"),
    "publisher": ("publisher", "institution", "organisation", "organization", "publishing organisation"),
    "doi": ("doi", "digital object identifier"),
    "url": ("url", "link", "web address", "web link"),
    "citekey": ("citekey", "citation key", "bibtex key", "key"),
    "design": ("study type", "study design", "design", "type of study", "methodology", "study method",
               "evidence type"),
    "setting": ("setting", "settings", "care setting", "study setting"),
    "country": ("country", "countries", "location", "country of study"),
    "population": ("population", "participants", "sample", "study population"),
    "aim": ("aim", "aims", "aim(s)", "objective", "objectives", "purpose", "aims/objectives", "study aim"),
    "results": ("results", "findings", "key findings", "main findings", "main results", "key results"),
    "status": ("status", "inclusion status"),
    "review": ("review",),
    "questions": ("questions", "question", "review question", "review questions"),
    "theories": ("coded_theories", "coded theories"),
    "quality.relevance": ("relevance",),
    "quality.rigour": ("rigour", "rigor"),
    "quality.note": ("quality note", "appraisal note", "quality"),
    "body": ("notes", "note", "comments", "reviewer notes"),
}
"""Content field → headers that mean it (compared case-insensitively, spaces and punctuation normalised)."""

CMOC_HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("id", "cmoc id", "cmoc"),
    "title": ("title", "short title", "cmoc title"),
    "context": ("context", "c", "context (c)"),
    "mechanism": ("mechanism", "m", "mechanism (m)"),
    "resource": ("resource", "mechanism resource"),
    "reasoning": ("reasoning", "mechanism reasoning"),
    "outcome": ("outcome", "o", "outcome (o)"),
    "sources": ("sources", "source", "papers", "paper", "source paper", "source papers", "references",
                "reference", "evidence", "studies"),
    "theories": ("theories", "theory", "programme theory", "program theory", "theory id"),
    "relations": ("relations",),
    "direction": ("direction", "enabler/barrier", "enabler or barrier"),
    "status": ("status",),
    "question": ("question", "questions", "review question"),
    "review": ("review",),
    "chains_to": ("chains_to", "chains to"),
    "locator": ("locator", "page", "location in paper"),
    "quote": ("quote", "quotation", "supporting quote", "excerpt"),
    "review_note": ("review_note", "review note"),
    "body": ("notes", "note", "comments"),
}

COMPUTED = {"theories", "cmocs", "maps", "citation", "page", "chained_from"}
"""Columns of Evidence Explorer's own exports that are computed, not written: ignored on import."""

LIST_FIELDS = {"setting", "country", "questions", "review", "theories", "sources", "question", "chains_to"}


def norm_header(text: str) -> str:
    text = text.replace("\ufeff", "").strip().lower().rstrip(":*").strip()
    return " ".join(text.replace("_", " ").split()) if text not in ("coded_theories", "chains_to",
                                                                      "review_note") else text


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

def decode_bytes(raw: bytes) -> tuple[str, str | None]:
    """Text and, when it was not UTF-8, a note saying how it was read."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), None
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), "not UTF-8: read as Windows-1252"


def read_delimited(path: Path, delimiter: str | None) -> Sheet:
    text, note = decode_bytes(path.read_bytes())
    if delimiter is None:
        sample = text[:8192]
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
        except csv.Error:
            delimiter = ","
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

def header_map(headers: tuple[str, ...], known: dict[str, tuple[str, ...]],
               overrides: dict[str, str]) -> dict[int, str]:
    """Column index → field ('extra:NAME' for unmapped, 'ignore' for computed columns)."""
    lookup = {h: name for name, hs in known.items() for h in hs}
    wanted = {norm_header(k): v for k, v in overrides.items()}
    out: dict[int, str] = {}
    taken: set[str] = set()
    has_coded = any(norm_header(h) == "coded_theories" for h in headers)
    for i, raw in enumerate(headers):
        h = norm_header(raw)
        if not h:
            continue
        if h in wanted:
            target = wanted[h]
        elif h in lookup and lookup[h] not in taken:
            target = lookup[h]
        elif h == "theories" and known is PAPER_HEADERS and not has_coded:
            target = "theories"  # a sheet of one's own: the theories each paper is coded to
        elif h in COMPUTED:
            target = "ignore"
        else:
            target = f"extra:{raw.strip()}"
        if target not in ("ignore",) and not target.startswith("extra:"):
            taken.add(target)
        out[i] = target
    return out


def _find_header(sheet: Sheet, known: dict[str, tuple[str, ...]], overrides: dict[str, str]) -> int:
    """Index in ``sheet.rows`` of the header: the first of the first ten non-empty rows naming two
    known columns, else the first non-empty row."""
    lookup = {h for hs in known.values() for h in hs} | {norm_header(k) for k in overrides}
    first = None
    for idx, (_, row) in enumerate(sheet.rows[:30]):
        if not any(c.strip() for c in row):
            continue
        first = idx if first is None else first
        if sum(1 for c in row if norm_header(c) in lookup) >= 2:
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
        cells: dict[str, str] = {}
        for i, value in enumerate(row):
            target = mapping.get(i)
            if target is None:
                if value.strip():
                    cells.setdefault("extra:column " + sheet.column(i), value)
                continue
            if target != "ignore" and value.strip():
                cells[target] = value
        if pending and not any(cells.get(f, "").strip() for f in identity):
            label, prev, probs = pending
            for k, v in cells.items():
                prev[k] = (prev[k].rstrip() + " " + v.lstrip()) if k in prev else v
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
                body = value.strip()
            elif target == "id":
                continue
            elif target in LIST_FIELDS:
                raw[target] = split_list(value)
            else:
                raw[target] = value
        if quality:
            raw["quality"] = quality
        key = clean_text(cells["id"]) if cells.get("id") else None
        out.append(paper_record(label, None, raw, {k: v for k, v in extra.items() if v}, body, key,
                                tuple(problems)))
    return out


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
                body = value.strip()
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
