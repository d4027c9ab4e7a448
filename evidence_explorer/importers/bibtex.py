"""BibTeX / BibLaTeX (as Zotero and Better BibTeX export it) → paper records.

A small, forgiving parser: ``@type{key, field = {…} | "…" | number | macro # …}``, ``@string``
macros, ``@comment`` and ``@preamble`` skipped, LaTeX accents and escapes decoded to Unicode,
protective braces removed, ``{Organisation Names}`` kept whole as authors.
"""
from __future__ import annotations

import re
import unicodedata

from .names import from_inverted, from_natural
from .records import Incoming, Problem, paper_record

MONTHS = {m: m.capitalize() for m in ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                     "nov", "dec")}
ACCENTS = {"'": "\u0301", "`": "\u0300", '"': "\u0308", "^": "\u0302", "~": "\u0303", "=": "\u0304",
           ".": "\u0307", "c": "\u0327", "v": "\u030c", "u": "\u0306", "H": "\u030b", "k": "\u0328",
           "r": "\u030a"}
SYMBOLS = {"aa": "å", "AA": "Å", "o": "ø", "O": "Ø", "ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ",
           "l": "ł", "L": "Ł", "i": "ı", "textendash": "–", "textemdash": "—", "textbackslash": "\\",
           "textquoteright": "’", "textquoteleft": "‘", "&": "&", "%": "%", "$": "$", "#": "#", "_": "_",
           "{": "{", "}": "}", "textasciitilde": "~", "ldots": "…", "dots": "…"}
PUBLISHER_FIELDS = ("publisher", "institution", "organization", "school")


class BibSyntaxError(Exception):
    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.message, self.line = message, line


def latex_to_text(value: str) -> str:
    """Decode accents/escapes, drop braces, tidy dashes and spaces."""
    def accent(m: re.Match) -> str:
        mark, letter = m.group(1), m.group(2) or m.group(3) or ""
        if letter in ("\\i", "i") and mark in ACCENTS:
            letter = "i"
        return unicodedata.normalize("NFC", letter + ACCENTS[mark]) if letter else ""

    text = re.sub(r"\\([`'\"^~=.])\s*(?:\{\s*(\\?\w)\s*\}|(\w))", accent, value)
    text = re.sub(r"\\([cvuHkr])\s*(?:\{\s*(\w)\s*\}|\s(\w))", accent, text)
    text = re.sub(r"\\([A-Za-z]+)(?:\{\}|\s?)", lambda m: SYMBOLS.get(m.group(1), m.group(0)), text)
    text = re.sub(r"\\([&%$#_{}])", lambda m: "\0" + m.group(1) if m.group(1) in "{}" else m.group(1), text)
    text = text.replace("---", "—").replace("--", "–").replace("~", " ")
    text = re.sub(r"(?<!\0)[{}]", "", text).replace("\0", "")  # escaped braces (marked \0) are kept
    return " ".join(text.split())


def _split_authors(value: str) -> list[str]:
    """Split on ' and ' outside braces; a wholly braced name is an organisation."""
    names, depth, start, i = [], 0, 0, 0
    while i < len(value):
        ch = value[i]
        depth += (ch == "{") - (ch == "}")
        if depth == 0 and value[i:i + 5].lower() == " and " :
            names.append(value[start:i])
            start = i + 5
            i += 5
            continue
        i += 1
    names.append(value[start:])
    out = []
    for raw in (n.strip() for n in names):
        if not raw:
            continue
        if raw.startswith("{") and raw.endswith("}") and _balanced(raw[1:-1]):
            out.append(latex_to_text(raw[1:-1]))
        elif "," in _outside_braces(raw):
            out.append(from_inverted(latex_to_text(raw)))
        else:
            out.append(from_natural(latex_to_text(raw)))
    return out


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += (ch == "{") - (ch == "}")
        if depth < 0:
            return False
    return depth == 0


def _outside_braces(text: str) -> str:
    out, depth = [], 0
    for ch in text:
        depth += (ch == "{") - (ch == "}")
        if depth == 0 and ch not in "{}":
            out.append(ch)
    return "".join(out)


class _Parser:
    def __init__(self, text: str):
        self.text, self.pos, self.macros = text, 0, dict(MONTHS)

    def line(self, pos: int | None = None) -> int:
        return self.text.count("\n", 0, self.pos if pos is None else pos) + 1

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and (self.text[self.pos].isspace() or self.text[self.pos] == ","):
            self.pos += 1

    def entries(self):
        while True:
            at = self.text.find("@", self.pos)
            if at < 0:
                return
            self.pos = at + 1
            m = re.compile(r"\s*([A-Za-z]+)\s*([{(])").match(self.text, self.pos)
            if not m:
                continue
            kind, self.pos = m.group(1).lower(), m.end()
            close = "}" if m.group(2) == "{" else ")"
            start_line = self.line(at)
            if kind in ("comment", "preamble"):
                self._skip_group(close, start_line)
                continue
            if kind == "string":
                name, value = self._field(start_line)
                self.macros[name.lower()] = value
                self._expect(close, start_line)
                continue
            km = re.compile(r"\s*([^,\s{}()]*)\s*,").match(self.text, self.pos)
            if not km:
                raise BibSyntaxError(f"@{kind} entry without a key", start_line)
            key, self.pos = km.group(1), km.end()
            fields: dict[str, str] = {}
            while True:
                self.skip_ws()
                if self.pos >= len(self.text):
                    raise BibSyntaxError(f"entry '{key}' is not closed", start_line)
                if self.text[self.pos] == close:
                    self.pos += 1
                    break
                name, value = self._field(start_line)
                fields[name.lower()] = value
            yield kind, key, fields, start_line

    def _expect(self, ch: str, start_line: int) -> None:
        self.skip_ws()
        if self.text[self.pos:self.pos + 1] != ch:
            raise BibSyntaxError(f"expected '{ch}'", self.line())
        self.pos += 1

    def _skip_group(self, close: str, start_line: int) -> None:
        depth = 1
        while self.pos < len(self.text) and depth:
            ch = self.text[self.pos]
            depth += (ch in "{(") - (ch in "})")
            self.pos += 1

    def _field(self, start_line: int) -> tuple[str, str]:
        m = re.compile(r"\s*([A-Za-z][\w:.+-]*)\s*=\s*").match(self.text, self.pos)
        if not m:
            raise BibSyntaxError(f"expected 'name = value' on line {self.line()}", self.line())
        name, self.pos = m.group(1), m.end()
        parts = []
        while True:
            parts.append(self._value())
            self.skip_space()
            if self.text[self.pos:self.pos + 1] == "#":
                self.pos += 1
                self.skip_space()
                continue
            return name, "".join(parts)

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def _value(self) -> str:
        self.skip_space()
        ch = self.text[self.pos:self.pos + 1]
        if ch == "{":
            depth, start = 0, self.pos
            while self.pos < len(self.text):
                c = self.text[self.pos]
                if c == "\\":
                    self.pos += 2
                    continue
                depth += (c == "{") - (c == "}")
                self.pos += 1
                if depth == 0:
                    return self.text[start + 1:self.pos - 1]
            raise BibSyntaxError("unclosed '{'", self.line(start))
        if ch == '"':
            start, depth = self.pos + 1, 0
            self.pos += 1
            while self.pos < len(self.text):
                c = self.text[self.pos]
                if c == "\\":
                    self.pos += 2
                    continue
                if c == '"' and depth == 0:
                    self.pos += 1
                    return self.text[start:self.pos - 1]
                depth += (c == "{") - (c == "}")
                self.pos += 1
            raise BibSyntaxError("unclosed '\"'", self.line(start - 1))
        m = re.compile(r"[\w:.+-]+").match(self.text, self.pos)
        if not m:
            raise BibSyntaxError(f"unexpected '{ch}'", self.line())
        self.pos = m.end()
        word = m.group(0)
        return word if word.isdigit() else self.macros.get(word.lower(), word)


def read_bibtex(text: str) -> tuple[list[Incoming], list[tuple[int, str, str]]]:
    """Records, and (line, severity, message) for what could not be parsed."""
    parser, records, errors = _Parser(text), [], []
    try:
        for kind, key, f, line in parser.entries():
            records.append(_record(kind, key, f, line))
    except BibSyntaxError as exc:
        errors.append((exc.line, "error", f"BibTeX syntax: {exc.message}; entries after this point were not read"))
    return records, errors


def _record(kind: str, key: str, f: dict[str, str], line: int) -> Incoming:
    where = f"entry '{key}'"
    text = {k: latex_to_text(v) for k, v in f.items() if k not in ("author", "editor", "url", "doi")}
    for k in ("url", "doi"):  # addresses: only escapes undone ('~' is a character here, not a space)
        if f.get(k):
            text[k] = re.sub(r"\\([&%$#_{}~])", r"\1", f[k]).replace("{", "").replace("}", "").strip()
    raw: dict[str, object] = {"title": text.get("title"), "year": text.get("year") or text.get("date"),
                              "journal": text.get("journal") or text.get("journaltitle"),
                              "volume": text.get("volume"), "issue": text.get("number") or text.get("issue"),
                              "pages": text.get("pages"), "doi": text.get("doi"), "url": text.get("url"),
                              "citekey": key or None}
    raw["publisher"] = next((text[k] for k in PUBLISHER_FIELDS if text.get(k)), None)
    authors = f.get("author") or f.get("editor")
    raw["authors"] = _split_authors(authors) if authors else []
    problems: tuple[Problem, ...] = ()
    if not f.get("author") and f.get("editor"):
        problems = (Problem("note", "import.editors", f"{where}: no author: the editors are used"),)
    return paper_record(where, line, raw, problems=problems)
