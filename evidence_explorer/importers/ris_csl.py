"""RIS (EndNote, Zotero, Mendeley) and CSL-JSON (Zotero, Better BibTeX) → paper records."""
from __future__ import annotations

import json
import re
from typing import Any

from .names import clean_name, from_inverted, person
from .records import Incoming, Problem, paper_record

_RIS_LINE = re.compile(r"^([A-Z][A-Z0-9])  ?-(?: (.*)|\s*)$")
RIS_FIELDS = {
    "TI": "title", "T1": "title", "CT": "title",
    "JO": "journal", "JF": "journal", "T2": "journal", "JA": "journal", "J2": "journal", "BT": "journal",
    "VL": "volume", "IS": "issue", "PB": "publisher", "DO": "doi", "UR": "url", "ID": "citekey",
    "PY": "year", "Y1": "year", "DA": "year",
}
RIS_AUTHORS = ("AU", "A1")
RIS_PREFERRED = {"journal": ("JO", "JF", "T2", "JA", "J2", "BT"), "title": ("TI", "T1", "CT"),
                 "year": ("PY", "Y1", "DA")}


def read_ris(text: str) -> tuple[list[Incoming], list[tuple[int, str, str]]]:
    """One record per 'TY' … 'ER' block. In a file with 'ER' lines only 'ER' ends a record (a stray
    'TY' inside one is noted); in a file without any, each 'TY' starts the next."""
    records: list[Incoming] = []
    errors: list[tuple[int, str, str]] = []
    tags: dict[str, list[str]] | None = None
    start = 0
    last: str | None = None
    lines = text.splitlines()
    has_er = any(_RIS_LINE.match(line.rstrip()) and line.lstrip("\ufeff ").startswith("ER") for line in lines)
    for number, line in enumerate(lines, start=1):
        m = _RIS_LINE.match(line.rstrip().lstrip("\ufeff"))
        if not m:
            if tags is not None and last and line.strip():
                tags[last][-1] += " " + line.strip()  # a value continued on the next line
            elif line.strip(" \ufeff\t"):
                errors.append((number, "note", f"ignored a line outside any record: '{line.strip()[:60]}'"))
            continue
        tag, value = m.group(1), (m.group(2) or "").strip()
        if tag == "TY":
            if tags is not None and has_er:
                errors.append((number, "warning", f"a second 'TY' line inside the record of line {start} (no "
                                                  "'ER' before it): ignored"))
                continue
            if tags is not None:
                errors.append((start, "warning", "record without an 'ER  -' end line: read up to the next 'TY'"))
                records.append(_ris_record(tags, start))
            tags, start, last = {"TY": [value]}, number, "TY"
        elif tag == "ER":
            if tags is not None:
                records.append(_ris_record(tags, start))
            tags, last = None, None
        elif tags is None:
            errors.append((number, "warning", f"'{tag}' line outside a record (records start with 'TY  -'): ignored"))
        else:
            tags.setdefault(tag, []).append(value)
            last = tag
    if tags is not None:
        errors.append((start, "warning", "the last record has no 'ER  -' end line (read to the end of the file)"))
        records.append(_ris_record(tags, start))
    return records, errors


def _ris_record(tags: dict[str, list[str]], line: int) -> Incoming:
    def first(*names: str) -> str | None:
        for n in names:
            for v in tags.get(n, ()):
                if v:
                    return v
        return None

    key = first("ID")
    where = f"record '{key}'" if key else f"record at line {line}"
    raw: dict[str, Any] = {field: first(*RIS_PREFERRED.get(field, tuple(t for t, f in RIS_FIELDS.items()
                                                                       if f == field)))
                           for field in set(RIS_FIELDS.values())}
    sp, ep = first("SP"), first("EP")
    raw["pages"] = f"{sp}-{ep}" if sp and ep and not re.search(r"[-–]", sp) else sp or ep
    raw["authors"] = [clean_name(from_inverted(a)) for n in RIS_AUTHORS for a in tags.get(n, ()) if a.strip()]
    return paper_record(where, line, raw)


def _csl_name(n: Any) -> str | None:
    if not isinstance(n, dict):
        return str(n) if n else None
    if n.get("literal"):
        return str(n["literal"])
    family = " ".join(str(p) for p in (n.get("non-dropping-particle"), n.get("family")) if p)
    if not family:
        return None
    return person(family, str(n.get("given") or "")) if n.get("given") else family


def _year(item: dict) -> Any:
    issued = item.get("issued")
    if isinstance(issued, dict):
        parts = issued.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            return parts[0][0]
        return issued.get("raw") or issued.get("literal")
    return issued


MAX_JSON_DEPTH = 64
"""CSL-JSON nests five or six levels deep; far deeper is not a reference list (and would exhaust
the JSON decoder's recursion)."""
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def too_deep(text: str, limit: int = MAX_JSON_DEPTH) -> int | None:
    """Line where JSON ``text`` first nests deeper than ``limit`` (strings skipped), or None."""
    depth = 0
    for m in _JSON_TOKEN.finditer(text):
        ch = m.group(0)
        if ch in "[{":
            depth += 1
            if depth > limit:
                return text.count("\n", 0, m.start()) + 1
        elif ch in "]}":
            depth -= 1
    return None


def read_csl_json(text: str) -> tuple[list[Incoming], list[tuple[int, str, str]]]:
    """A CSL-JSON array (or ``{"items": [...]}``); each item's line is found for messages."""
    if (line := too_deep(text)) is not None:
        return [], [(line, "error", f"JSON nested more than {MAX_JSON_DEPTH} levels deep: not CSL-JSON")]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return [], [(exc.lineno, "error", f"not valid JSON: {exc.msg}")]
    except (ValueError, RecursionError) as exc:  # e.g. an integer of more than 4,300 digits
        return [], [(1, "error", f"not readable as CSL-JSON: {exc}")]
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        data = data["items"]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        return [], [(1, "error", "CSL-JSON must be a list of items")]
    starts = _item_lines(text)
    records, errors = [], []
    for i, item in enumerate(data):
        line = starts[i] if i < len(starts) else None
        if not isinstance(item, dict):
            records.append(Incoming(f"item {i + 1}", line, "paper", {}, problems=(Problem(
                "error", "import.syntax", f"item {i + 1} is not an object: not read"),)))
            continue
        key = item.get("citation-key") or item.get("id")
        where = f"item '{key}'" if key else f"item {i + 1}"
        raw = {"title": item.get("title"), "year": _year(item), "journal": item.get("container-title"),
               "volume": _str(item.get("volume")), "issue": _str(item.get("issue")),
               "pages": _str(item.get("page")), "publisher": item.get("publisher"), "doi": item.get("DOI"),
               "url": item.get("URL"), "citekey": str(key) if key else None}
        names = item.get("author") or item.get("editor") or []
        raw["authors"] = [n for n in (_csl_name(a) for a in names) if n] if isinstance(names, list) else []
        problems = (Problem("note", "import.editors", f"{where}: no author: the editors are used"),) \
            if not item.get("author") and item.get("editor") else ()
        records.append(paper_record(where, line, raw, problems=problems))
    return records, errors


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _item_lines(text: str) -> list[int]:
    """Line of each top-level item of a JSON array."""
    decoder, lines = json.JSONDecoder(), []
    pos = text.find("[")
    if pos < 0:
        return []
    pos += 1
    while True:
        m = re.compile(r"[\s,]*").match(text, pos)
        pos = m.end() if m else pos
        if pos >= len(text) or text[pos] == "]":
            return lines
        lines.append(text.count("\n", 0, pos) + 1)
        try:
            _, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            return lines
