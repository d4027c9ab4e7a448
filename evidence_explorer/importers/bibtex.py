"""BibTeX / BibLaTeX (Zotero, Better BibTeX, JabRef, Mendeley, database exports) → paper records.

bibtexparser (v2) splits the file into blocks: a block it cannot parse is reported on its own and
parsing resumes at the next ``@`` (one stray brace used to drop the rest of the file). Values are
then resolved here: ``@string`` macros (an undefined one is reported, never used as text), ``#``
concatenation, month names, ``crossref`` (a child inherits its parent's fields, the parent's title
as its ``booktitle``). Names are split and parsed by bibtexparser's BibTeX rules (``and`` at any
whitespace, "von" and "Jr." parts, braced organisations, ``and others``); LaTeX becomes Unicode
text through pylatexenc (:mod:`.latex`).
"""
from __future__ import annotations

import logging
import re

from .latex import latex_to_text
from .names import ET_AL, person
from .records import Incoming, Problem, paper_record

MONTHS = {m: m.capitalize() for m in ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                     "nov", "dec")}
PUBLISHER_FIELDS = ("publisher", "institution", "organization", "school")
VENUE_FIELDS = ("journal", "journaltitle", "booktitle", "maintitle", "howpublished")
INHERITED = ("booktitle", "maintitle", "year", "date", "publisher", "institution", "organization", "school",
             "journal", "journaltitle", "volume", "editor", "series", "address", "location")
"""Fields a crossref child takes from its parent when it has none (its title is the child's booktitle)."""
_SUFFIX_ONLY = re.compile(r"^(?:Jr|Sr|II|III|IV)\.?$")
_SUFFIX = re.compile(r"^(.*?),?\s+(Jr\.?|Sr\.?|II|III|IV)$")


def read_bibtex(text: str) -> tuple[list[Incoming], list[tuple[int, str, str]]]:
    """One record per entry, in file order (an unparsable block is a failed record), and file-level
    notes as (line, severity, message)."""
    import bibtexparser
    from bibtexparser import model
    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)  # its failures are reported here
    try:
        library = bibtexparser.parse_string(text, parse_stack=[])
    except Exception as exc:  # noqa: BLE001 - the parser's own state errors: the file cannot be read
        return [], [(1, "error", f"the BibTeX parser stopped ({type(exc).__name__}: {exc})")]
    macros: dict[str, str] = dict(MONTHS)
    for s in library.strings:
        macros[s.key.lower()] = _resolve(s.value, macros)[0]
    raw_entries: list[tuple[object, dict[str, str], list[str]]] = []
    records: list[Incoming] = []
    for block in library.blocks:
        entry, notes = block, []
        if isinstance(block, model.DuplicateBlockKeyBlock):
            entry = block.ignore_error_block
            notes.append(f"the key '{block.key}' is used before, at line {block.previous_block.start_line + 1}")
        elif isinstance(block, model.DuplicateFieldKeyBlock):
            entry = block.ignore_error_block
        if isinstance(entry, model.Entry):
            fields: dict[str, str] = {}
            for f in entry.fields:
                value, missing = _resolve(f.value, macros)
                if f.key.lower() in fields:
                    notes.append(f"'{f.key}' is given twice: the first is used")
                fields.setdefault(f.key.lower(), value)
                notes += [f"undefined @string macro '{m}' in '{f.key}': left out" for m in missing]
            raw_entries.append((entry, fields, notes))
        elif isinstance(block, model.ParsingFailedBlock):
            raw_entries.append((block, {}, []))
    by_key = {e.key.lower(): f for e, f, _ in raw_entries if isinstance(e, model.Entry)}
    for entry, fields, undefined in raw_entries:
        line = (entry.start_line or 0) + 1
        if not isinstance(entry, model.Entry):
            records.append(_failed(entry, line))
            continue
        records.append(_record(entry.entry_type.lower(), entry.key, _inherit(fields, by_key), line, undefined))
    return records, []


def _failed(block, line: int) -> Incoming:
    head = (block.raw or "").strip().split("\n", 1)[0][:60]
    key = re.match(r"@\s*\w+\s*[{(]\s*([^,\s]+)\s*,", head)
    where = f"entry '{key.group(1)}'" if key else f"the entry at line {line}"
    error = getattr(block, "error", None)
    reason = " ".join(str(getattr(error, "abort_reason", None) or error or "cannot be parsed").split())
    message = f"{where}: BibTeX syntax error ({reason.rstrip('.')}); the entry is not read, the next one is"
    return Incoming(where, line, "paper", {}, problems=(Problem("error", "import.syntax", message),))


def _resolve(value: str, macros: dict[str, str]) -> tuple[str, list[str]]:
    """A raw field value ('{…}', '"…"', 123, macro, parts joined by '#') → its text and undefined macros."""
    parts, missing = [], []
    for piece in _split_concat(value.strip()):
        piece = piece.strip()
        if len(piece) >= 2 and piece[0] + piece[-1] in ("{}", '""'):
            parts.append(piece[1:-1])
        elif piece.isdigit():
            parts.append(piece)
        elif piece.lower() in macros:
            parts.append(macros[piece.lower()])
        elif piece:
            missing.append(piece)
    return "".join(parts), missing


def _split_concat(value: str) -> list[str]:
    """Split on '#' outside braces and quotes."""
    out, depth, quoted, start = [], 0, False, 0
    for i, ch in enumerate(value):
        if ch == "\\":
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == '"' and depth == 0:
            quoted = not quoted
        elif ch == "#" and depth == 0 and not quoted:
            out.append(value[start:i])
            start = i + 1
    out.append(value[start:])
    return out


def _inherit(fields: dict[str, str], by_key: dict[str, dict[str, str]]) -> dict[str, str]:
    parent = by_key.get(fields.get("crossref", "").strip().lower())
    if parent is None or parent is fields:
        return fields
    out = dict(fields)
    if "booktitle" not in out and parent.get("title"):
        out["booktitle"] = parent["title"]
    for name in INHERITED:
        if name not in out and parent.get(name):
            out[name] = parent[name]
    return out


def split_names(value: str) -> tuple[list[str], bool]:
    """A BibTeX name list → ('Family Initials' or organisation names, whether it ended 'and others')."""
    from bibtexparser.middlewares.names import parse_single_name_into_parts, split_multiple_persons_names
    names, others = [], False
    for raw in split_multiple_persons_names(value):
        raw = " ".join(raw.split())
        if raw.lower() == "others":
            others = True
            continue
        if raw.startswith("{") and raw.endswith("}") and _balanced(raw[1:-1]):
            names.append(latex_to_text(raw[1:-1]))  # {World Health Organization}
            continue
        try:
            parts = parse_single_name_into_parts(raw, strict=False)
        except Exception:  # bibtexparser's InvalidNameError and friends: keep the name as written
            names.append(latex_to_text(raw))
            continue
        family = latex_to_text(" ".join(parts.von + parts.last))
        jr, given = latex_to_text(" ".join(parts.jr)), latex_to_text(" ".join(parts.first))
        if jr and _SUFFIX_ONLY.match(given) and not _SUFFIX_ONLY.match(jr):  # 'Sherry, John F., Jr.'
            jr, given = given, jr
        if not jr and (m := _SUFFIX.match(family)):  # {Baldwin, Jr.}
            family, jr = m.group(1), m.group(2)
        if jr:
            family = f"{family} {jr.rstrip('.')}"
        names.append(person(family, given) if family else given)
    return [n for n in names if n], others


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += (ch == "{") - (ch == "}")
        if depth < 0:
            return False
    return depth == 0


def _address(value: str) -> str:
    """A URL or DOI: escapes undone, braces dropped ('~' is a character here, not a space)."""
    return re.sub(r"\\([&%$#_{}~])", r"\1", value).replace("{", "").replace("}", "").strip()


def _record(kind: str, key: str, f: dict[str, str], line: int, undefined: list[str]) -> Incoming:
    where = f"entry '{key}'" if key else f"the entry at line {line}"
    text = {k: latex_to_text(v) for k, v in f.items()
            if k not in ("author", "editor", "url", "doi", "crossref") and v.strip()}
    raw: dict[str, object] = {
        "title": text.get("title"), "year": text.get("year") or text.get("date"),
        "journal": next((text[k] for k in VENUE_FIELDS if text.get(k)), None),
        "volume": text.get("volume"), "issue": text.get("number") or text.get("issue"),
        "pages": text.get("pages"), "doi": _address(f["doi"]) if f.get("doi") else None,
        "url": _address(f["url"]) if f.get("url") else None, "citekey": key or None,
        "publisher": next((text[k] for k in PUBLISHER_FIELDS if text.get(k)), None)}
    problems = [Problem("warning", "import.bibtex", f"{where}: {note}") for note in undefined]
    names = f.get("author") or f.get("editor") or ""
    authors, others = split_names(names) if names.strip() else ([], False)
    if others:
        authors.append(ET_AL)
    raw["authors"] = authors
    if not f.get("author", "").strip() and f.get("editor", "").strip():
        problems.append(Problem("note", "import.editors", f"{where}: no author: the editors are used"))
    return paper_record(where, line, raw, problems=tuple(problems))
