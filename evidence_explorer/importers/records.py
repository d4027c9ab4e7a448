"""What every reader produces: :class:`Incoming` records, cleaned and checked field by field.

A reader (tabular, BibTeX, RIS, CSL-JSON) turns its input into raw field values; :func:`paper_record`
and :func:`cmoc_record` validate each value with the model's own field spec. A value that does not fit
(a malformed DOI, a year of 'forthcoming') is kept under ``extra`` with a warning rather than lost; a
record without what the model requires (title, authors) fails with a message naming its row.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field, is_dataclass
from dataclasses import fields as dc_fields
from typing import Any, Mapping

from ..content.model import Cmoc, Paper
from ..content.fields import FieldError, content_fields

BIBLIOGRAPHIC = ("title", "authors", "year", "journal", "volume", "issue", "pages", "publisher", "doi", "url")
"""Fields an import may refresh with ``--update``; every other field is the author's."""

PAPER_ORDER = BIBLIOGRAPHIC + ("citekey", "design", "setting", "country", "population", "aim", "results",
                               "quality", "status", "review", "questions", "theories")


@dataclass(frozen=True)
class Problem:
    severity: str
    """'error' (the record is not imported), 'warning' or 'note'."""
    code: str
    message: str


@dataclass(frozen=True)
class Incoming:
    """One record read from an import file, ready to be matched and written."""

    where: str
    """How messages name it: 'row 5' (spreadsheets) or "entry 'smith2019'" (reference files)."""
    line: int | None
    """Line of the file where it starts, when the format has lines worth pointing at."""
    kind: str
    fields: Mapping[str, Any]
    extra: Mapping[str, Any] = field(default_factory=dict)
    body: str = ""
    key: str | None = None
    """An id the source gives explicitly (an ``id`` column); used when free and valid."""
    problems: tuple[Problem, ...] = ()

    @property
    def failed(self) -> bool:
        return any(p.severity == "error" for p in self.problems)


_TAG = re.compile(r"<[^>]{0,200}>")
_BLOCK_TAG = re.compile(r"<\s*(?:br|/p|/li|/div|/tr|p|li)\b[^>]{0,200}>", re.I)
_BULLET = re.compile(r"^\s*(?:[\u2022\u00b7\u25aa\u25e6\u2023\u2043\u2219*]|-(?=\s)|\d{1,2}[.)](?=\s))\s*")


def clean_text(value: str) -> str:
    """A cell or field as one tidy line: HTML fragments and entities removed, bullets joined with '; ',
    lines wrapped inside a sentence joined with a space, hyphenated line-ends rejoined."""
    text = value.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\u200b", "")
    if "<" in text and _TAG.search(text):
        text = re.sub(r"<\s*li\b[^>]{0,200}>", "\n\u2022 ", text, flags=re.I)
        text = _BLOCK_TAG.sub("\n", text)
        text = _TAG.sub("", text)
    text = html.unescape(text) if "&" in text else text
    items: list[str] = []
    bulleted = False
    for ln in (ln.strip() for ln in text.split("\n")):
        if not ln:
            continue
        bullet = _BULLET.match(ln)
        if bullet:
            bulleted = True
            items.append(ln[bullet.end():].strip())
        elif items and re.search(r"[A-Za-z]-$", items[-1]) and ln[:1].islower():
            items[-1] = items[-1][:-1] + ln  # a word hyphenated at the end of a wrapped line
        elif items:
            items[-1] = items[-1] + " " + ln  # a line wrapped inside the cell
        else:
            items.append(ln)
    items = [" ".join(i.split()) for i in items if i.strip()]
    if bulleted and len(items) > 1:
        head = items[0] + " " if items[0].endswith(":") else ""
        rest = items[1:] if head else items
        return head + "; ".join(rest)
    return " ".join(items)


def split_list(value: str) -> list[str]:
    """A list cell: items separated by ';', line breaks or bullets (commas too when no other separator)."""
    text = value.replace("\r", "\n")
    if "<" in text and _TAG.search(text):
        text = _TAG.sub("", _BLOCK_TAG.sub("\n", text))
    text = html.unescape(text)
    if re.search(r"[;\n\u2022]", text):
        pieces = re.split(r"[;\n\u2022]", text)
    else:
        pieces = text.split(",")
    out = []
    for p in pieces:
        p = _BULLET.sub("", p).strip()
        if p:
            out.append(" ".join(p.split()))
    return out


PLACEHOLDERS = {"nan", "null", "none", "n/a", "no-specified", "not specified", "not available", "undefined", "-",
                "--", "[no title]"}
"""What exports write for an empty value (pandas' 'nan', Ovid's 'No-Specified'): no value."""

_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|2[0-9]\d\d)(?!\d)")


def parse_year(value: Any) -> int | str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = str(value).strip()
    if text.lower() in ("n.d.", "nd", "n.d", "no date"):
        return "n.d."
    m = _YEAR.search(text)
    return int(m.group(1)) if m else None


def _spec_check(cls: type, name: str, value: Any) -> Any:
    spec = content_fields(cls)[name].metadata["spec"]
    return spec.parse(value, name, None)


def paper_record(where: str, line: int | None, raw: Mapping[str, Any], extra: Mapping[str, Any] | None = None,
                 body: str = "", key: str | None = None, problems: tuple[Problem, ...] = ()) -> Incoming:
    """Validate raw paper fields one by one (with the model's specs) into an :class:`Incoming`."""
    fields: dict[str, Any] = {}
    extra = dict(extra or {})
    found = list(problems)
    for name, value in raw.items():
        if value in (None, "", [], ()) or (isinstance(value, str) and value.strip().lower() in PLACEHOLDERS):
            continue
        if name == "year":
            year = parse_year(value)
            if year is None:
                found.append(Problem("warning", "import.year", f"{where}: year '{value}' is not a year; "
                                     "written as 'n.d.', the value kept under extra"))
                extra["year_as_imported"] = str(value)
                continue
            value = year
        if name == "quality" and isinstance(value, dict):
            value = _quality(where, value, extra, found)
            if not value:
                continue
        if isinstance(value, str) and name not in ("url", "doi"):
            value = clean_text(value)
            if not value:
                continue
        try:
            fields[name] = _spec_check(Paper, name, value) if name in content_fields(Paper) else value
        except FieldError as exc:
            found.append(Problem("warning", "import.value", f"{where}: {exc.message}; kept under extra"))
            extra[f"{name}_as_imported"] = value if not isinstance(value, list) else "; ".join(map(str, value))
            continue
        fields[name] = plain_value(fields[name])
    if "title" not in fields:
        found.append(Problem("error", "import.missing", f"{where}: no title"))
    if not fields.get("authors"):
        found.append(Problem("error", "import.missing", f"{where}: no authors (a paper needs at least one "
                             "person or organisation)"))
    if "year" not in fields and "title" in fields and fields.get("authors"):
        if "year_as_imported" not in extra:
            found.append(Problem("warning", "import.year", f"{where}: no year; written as 'n.d.'"))
        fields["year"] = "n.d."
    return Incoming(where, line, "paper", fields, extra, body, key, tuple(found))


def _quality(where: str, value: dict, extra: dict, found: list) -> dict:
    """Appraisal sub-fields, each checked; one that does not fit goes to extra on its own."""
    from ..content.model import Quality
    good = {}
    for key, item in value.items():
        try:
            good[key] = _spec_check(Quality, key, item)
        except FieldError as exc:
            found.append(Problem("warning", "import.value", f"{where}: {exc.message}; kept under extra"))
            extra[key] = item
    return good


def plain_value(value: Any) -> Any:
    """A validated model value → what ``yaml.safe_dump`` writes (plain str, list, dict)."""
    if is_dataclass(value):
        return {f.name: plain_value(getattr(value, f.name)) for f in dc_fields(value)
                if f.name != "line" and getattr(value, f.name) is not None}
    if isinstance(value, (tuple, list)):
        return [plain_value(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


def cmoc_fields() -> dict[str, Any]:
    return content_fields(Cmoc)
