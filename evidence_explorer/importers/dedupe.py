"""Is an incoming paper one that exists (or came earlier in the same file)? By evidence, strongest first.

1. An identifier: the same DOI or PMID, or the same id or citation key: certain (a key of digits
   only, such as a RIS 'ID', which is a record number in its database, needs the titles to agree).
2. The same normalised title, first author and year (or no year on both sides), where volume and
   first page do not disagree (either may be missing): certain. Two "Editorial"s of one journal and year by one author in
   different volumes are two papers.
3. The same normalised title and first author, with a year that differs or is missing on one side,
   or the same title and year with another first author: *uncertain*. The record is imported and the
   match reported, for the author to decide; it is never skipped on a guess.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Generic, Mapping, TypeVar

from ..content.citation import parse_name
from .names import slug

T = TypeVar("T")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)


def doi_key(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return _DOI_PREFIX.sub("", value.strip()).lower()


def norm_title(title: Any) -> str:
    """Letters and digits of any script, case and accents folded: punctuation, LaTeX leftovers and
    HTML do not make two titles differ."""
    if not isinstance(title, str):
        return ""
    text = unicodedata.normalize("NFKD", title.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[\W_]+", "", text)


def first_author(authors: Any) -> str:
    first = authors[0] if isinstance(authors, (list, tuple)) and authors else authors
    return slug(parse_name(first).family) if isinstance(first, str) else ""


def first_page(pages: Any) -> str:
    m = re.match(r"\s*([A-Za-z]?\d+)", str(pages or ""))
    return m.group(1).lower() if m else ""


@dataclass(frozen=True)
class Identity:
    doi: str | None
    pmid: str | None
    keys: tuple[str, ...]
    title: str
    author: str
    year: int | None
    volume: str
    page: str

    @classmethod
    def of(cls, fields: Mapping[str, Any], extra: Mapping[str, Any] | None = None,
           keys: tuple[Any, ...] = ()) -> "Identity":
        extra = extra or {}
        pmid = next((str(v).strip() for k, v in extra.items() if k.lower() == "pmid" and str(v).strip()), None)
        year = fields.get("year")
        return cls(doi_key(fields.get("doi")), pmid, tuple(k.lower() for k in keys if isinstance(k, str) and k),
                   norm_title(fields.get("title")), first_author(fields.get("authors")),
                   year if isinstance(year, int) else None, str(fields.get("volume") or "").strip().lower(),
                   first_page(fields.get("pages")))


def compare(a: Identity, b: Identity) -> tuple[bool, str] | None:
    """(certain, why) when ``a`` and ``b`` may be the same paper; None when they are not."""
    if a.doi and a.doi == b.doi:
        return True, f"same DOI {a.doi}"
    if a.pmid and a.pmid == b.pmid:
        return True, f"same PMID {a.pmid}"
    shared = sorted(set(a.keys) & set(b.keys))
    if shared and (not a.title or not b.title or a.title == b.title or any(re.search(r"[a-z]", k) for k in shared)):
        return True, f"same id or citation key '{shared[0]}'"
    if not a.title or a.title != b.title:
        return None
    if a.doi and b.doi:
        return None  # two DOIs: two papers
    if (a.volume and b.volume and a.volume != b.volume) or (a.page and b.page and a.page != b.page):
        return None
    if a.author == b.author and a.year == b.year:
        return True, "same title, year and first author" if a.year else "same title and first author, no year"
    if a.author == b.author:
        years = f"{a.year or 'no year'} and {b.year or 'no year'}"
        return False, f"same title and first author, but {years}"
    if a.year is not None and a.year == b.year and (not a.author or not b.author):
        return False, "same title and year, one without authors"
    if a.year is not None and a.year == b.year:
        return False, "same title and year, another first author"
    return None


class Index(Generic[T]):
    """Identities by DOI, PMID, key and title, each with what it stands for (a file, a row)."""

    def __init__(self) -> None:
        self._by: dict[str, list[tuple[Identity, T]]] = {}

    def add(self, ident: Identity, value: T) -> None:
        for k in self._keys(ident):
            self._by.setdefault(k, []).append((ident, value))

    @staticmethod
    def _keys(ident: Identity) -> list[str]:
        out = [f"doi:{ident.doi}"] if ident.doi else []
        out += [f"pmid:{ident.pmid}"] if ident.pmid else []
        out += [f"key:{k}" for k in ident.keys]
        out += [f"title:{ident.title}"] if ident.title else []
        return out

    def match(self, ident: Identity) -> tuple[T, bool, str] | None:
        """The best match: a certain one first, else an uncertain one."""
        maybe = None
        for k in self._keys(ident):
            for other, value in self._by.get(k, ()):
                found = compare(ident, other)
                if found and found[0]:
                    return value, True, found[1]
                if found and maybe is None:
                    maybe = (value, False, found[1])
        return maybe
