"""Author names from reference managers and spreadsheets → the content format's 'Surname Initials'.

People become 'Turner A' / 'Idrissi Fakhreddine MO' (Vancouver style, as the format documents);
organisations ('NHS England', 'Department of Health, Social Services and Public Safety') are kept
whole. A cell of several names is split on semicolons or line breaks, or on commas when every
piece is a 'Surname Initials' name.
"""
from __future__ import annotations

import re

from ..content.citation import ET_AL  # noqa: F401  (re-exported for the readers)
from ..content.citation import UPPER as U

_INITIALS_ONLY = re.compile(rf"^(?:[{U}]\.?\s*-?\s*){{1,5}}$")
_PERSON = re.compile(rf"^[^\W\d_][\w'’.-]*(?:\s+[^\W\d_][\w'’.-]*){{0,3}}\s+(?:[{U}]\.?\s?-?){{1,5}}$")
"""'Smith J', 'van der Berg AB', 'Idrissi Fakhreddine M.O.': a surname, then initials."""
_SPLIT_LIST = re.compile(r"\s*(?:;|\n|\r|\u2022|\u00b7|\u25aa)\s*")
_AND = re.compile(r"\s*(?:,?\s+and\s+|\s*&\s*)\s*", re.I)
_BULLET = re.compile(r"^\s*(?:[-*\u2022\u00b7\u25aa]\s+|\d{1,2}[.)]\s+)")
_PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "la", "le", "ter", "ten", "bin",
              "dos", "das", "do", "v.", "zu", "af", "al", "el", "ibn", "mac", "st."}


def initials(given: str) -> str:
    """'John Adam' → 'JA'; 'J. A.' → 'JA'; 'Jean-Pierre' → 'JP'; 'MO' → 'MO'."""
    given = given.strip()
    if not given:
        return ""
    if _INITIALS_ONLY.match(given):
        return "".join(ch for ch in given if ch.isupper())
    parts = [p for p in re.split(r"[\s.\-‐]+", given) if p]
    return "".join(p[0].upper() for p in parts if p[0].isalpha())


def person(family: str, given: str) -> str:
    """Family and given names → 'Family Initials' (or just the family name when no given)."""
    family = " ".join(family.split())
    ini = initials(given)
    return f"{family} {ini}" if ini else family


def from_inverted(name: str) -> str:
    """'Smith, John A.' → 'Smith JA'; a name without a comma is returned as written."""
    name = " ".join(name.split()).strip().strip(",")
    if "," not in name:
        return name
    parts = [p.strip() for p in name.split(",") if p.strip().lower() not in ("null", "nan", "none")]
    if len(parts) == 1:
        return parts[0]  # 'van den Hoven, null' (a spreadsheet's empty cell written out)
    family, given = parts[0], parts[-1]
    if len(parts) == 3 and re.fullmatch(r"(?:Jr|Sr|II|III|IV)\.?", parts[1]):
        given = parts[2]
    if len(parts) == 3 and re.fullmatch(r"(?:Jr|Sr|II|III|IV)\.?", parts[2]):  # Scopus: 'Smith, J., III'
        family, given = f"{family} {parts[2].rstrip('.')}", parts[1]
    if not family or not given:
        return name.replace(",", "").strip()
    return person(family, given)


def from_natural(name: str) -> str:
    """'John A. Smith' → 'Smith JA' (BibTeX's 'First von Last' order); 'Smith JA' stays."""
    name = " ".join(name.split())
    if _PERSON.match(name) or " " not in name:
        return name
    words = name.split(" ")
    cut = len(words) - 1
    while cut > 1 and words[cut - 1].lower() in _PARTICLES:
        cut -= 1
    return person(" ".join(words[cut:]), " ".join(words[:cut]))


def looks_like_person(text: str) -> bool:
    return bool(_PERSON.match(" ".join(text.split())))


def split_cell(cell: str) -> tuple[list[str], str | None]:
    """A spreadsheet cell of authors → (names, note). The note explains a doubtful split."""
    cell = cell.strip()
    if not cell:
        return [], None
    listed = _literal_list(cell)
    if listed is not None:  # "['Marx, Karl', 'Lindgren, Astrid']" (ASReview, pandas)
        return [clean_name(from_inverted(n)) for n in listed if n.strip()], None
    if _SPLIT_LIST.search(cell):
        pieces = [_BULLET.sub("", p).strip() for p in _SPLIT_LIST.split(cell)]
        return [clean_name(p) for p in pieces if p], None
    if "," in cell:
        pieces = _with_suffixes([p.strip() for p in _AND.sub(", ", cell).split(",") if p.strip()])
        if all(looks_like_person(p) for p in pieces):
            return [clean_name(p) for p in pieces], None
        if is_inverted_person(cell):
            return [from_inverted(cell)], None  # 'Smith, John' is one person
        if any(looks_like_person(p) for p in pieces):
            return [cell], (f"authors '{cell}' read as one organisation; separate people with ';' "
                            "if it lists several")
        return [cell], None  # an organisation whose name has commas
    if _AND.search(cell) and all(looks_like_person(p) for p in _AND.split(cell)):
        return [clean_name(p) for p in _AND.split(cell)], None
    return [clean_name(cell)], None


def _with_suffixes(pieces: list[str]) -> list[str]:
    """'Smith J.', 'III' → 'Smith III J.' (Scopus writes a suffix after a comma)."""
    out: list[str] = []
    for p in pieces:
        if out and re.fullmatch(r"(?:Jr|Sr|II|III|IV)\.?", p):
            m = re.fullmatch(r"(.+?)(\s+\S+)", out[-1])
            out[-1] = f"{m.group(1)} {p.rstrip('.')}{m.group(2)}" if m else f"{out[-1]} {p}"
        else:
            out.append(p)
    return out


def _literal_list(cell: str) -> list[str] | None:
    """A cell holding a Python or JSON list of strings, as data tools write lists; else None."""
    if not (cell.startswith("[") and cell.endswith("]") and len(cell) < 20_000 and cell[1:2] in "'\""):
        return None
    import ast
    try:
        value = ast.literal_eval(cell)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None


_SURNAME = rf"(?:(?:{'|'.join(sorted(_PARTICLES))})\s+)*[{U}][\w'’-]+(?:[\s-][{U}][\w'’-]+)?"
_GIVEN = rf"(?:[{U}][\w'’-]*\.?)(?:(?:[\s-]+|(?<=\.))[{U}][\w'’-]*\.?){{0,3}}"
_INVERTED = re.compile(rf"^{_SURNAME},\s*{_GIVEN}$")


def is_inverted_person(name: str) -> bool:
    """'Smith, John A.' or 'van der Berg, J.' (not 'Department of Health, Social Services')."""
    return bool(_INVERTED.match(" ".join(name.split())))


def clean_name(name: str) -> str:
    name = " ".join(name.split()).strip(" ,;")
    if is_inverted_person(name) or (re.search(r",\s*(?:Jr|Sr|II|III|IV)\.?$", name)
                                    and is_inverted_person(name.rsplit(",", 1)[0])):
        return from_inverted(name)
    m = re.fullmatch(rf"(.+?\s+(?:Jr|Sr|II|III|IV))\.?\s+((?:[{U}]\.?\s?-?){{1,5}})", name) or \
        re.fullmatch(rf"(.+?)\s+((?:[{U}]\.?\s?-?){{1,5}})", name)
    if m:  # 'Smith J.A.' → 'Smith JA'
        return person(m.group(1), m.group(2))
    return name


def slug(text: str, limit: int = 40) -> str:
    """ASCII, lower-case, hyphenated, transliterated by python-slugify: 'Müller-Lüdenscheidt' →
    'muller-ludenscheidt', 'Straßer' → 'strasser', 'Østergaard' → 'ostergaard', 'Иванов' → 'ivanov'
    (dropping what is not ASCII made 'stra-er', 'stergaard' and nothing)."""
    from slugify import slugify
    text = slugify(text.replace("'", "").replace("’", ""), separator="-")
    text = re.sub(r"[^a-z0-9-]+", "", text).strip("-")
    if len(text) > limit:
        text = text[:limit].rsplit("-", 1)[0]
    return text


def id_stem(first_author: str | None, year: object) -> str:
    """'surname-year' from the first author ('nhs-england-2020' for an organisation)."""
    from ..content.citation import parse_name
    name = parse_name(first_author) if first_author else None
    who = slug(name.family if name and not name.organisation else (first_author or "anon"))
    who = who or "anon"
    return f"{who}-{'nd' if not isinstance(year, int) else year}"
