"""What the content directory already holds: every id, and the identity of every paper and CMOC.

An import never creates a second file for a record that exists: a paper is the same when its DOI,
its citation key or id, or its title and year match; a CMOC when its id or its context, mechanism
and outcome match.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from ..citation import parse_name
from ..diagnostics import Report
from ..load import load_sources
from ..schema import _DOI_PREFIX
from ..walk import walk_content
from .names import slug


def doi_key(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return _DOI_PREFIX.sub("", value.strip()).lower()


def title_key(title: Any, year: Any, authors: Any) -> str | None:
    """Title (letters and digits only), year and first author's family name."""
    if not isinstance(title, str) or not title.strip():
        return None
    first = authors[0] if isinstance(authors, list) and authors else authors
    who = slug(parse_name(first).family) if isinstance(first, str) else ""
    return re.sub(r"[^a-z0-9]", "", title.lower()) + f"|{year}|{who}"


def cmoc_key(fields: Mapping[str, Any]) -> str:
    parts = [fields.get("context"), fields.get("mechanism") or fields.get("resource"), fields.get("outcome")]
    return "|".join(re.sub(r"[^a-z0-9]", "", str(p or "").lower()) for p in parts)


@dataclass(frozen=True)
class Known:
    """One existing record: its id, kind, file (relative to the content dir) and front matter."""

    id: str
    kind: str
    rel: str
    data: Mapping[str, Any]


@dataclass(frozen=True)
class Existing:
    ids: frozenset[str]
    """Every id and file stem in the content directory, lower-cased."""
    by_id: Mapping[str, Known]
    papers_by_doi: Mapping[str, Known]
    papers_by_key: Mapping[str, Known]
    """Lower-cased id or citekey → paper."""
    papers_by_title: Mapping[str, Known]
    papers_by_cite: Mapping[str, tuple[Known, ...]]
    """'surname|year' → papers (for CMOC sources written as 'Smith 2019' or 'Smith et al. (2019)')."""
    cmocs_by_key: Mapping[str, Known]


def scan(content: Path) -> Existing:
    ids: set[str] = set()
    by_id: dict[str, Known] = {}
    by_doi: dict[str, Known] = {}
    by_key: dict[str, Known] = {}
    by_title: dict[str, Known] = {}
    by_cite: dict[str, list[Known]] = {}
    cmocs: dict[str, Known] = {}
    if content.is_dir():
        ids.update(Path(rel).stem.lower() for rel, _kind in walk_content(content).files)
        for src in load_sources(content, str(content), Report()):
            entity_id = src.data.get("id") if isinstance(src.data.get("id"), str) else src.stem
            known = Known(str(entity_id), src.kind, src.rel, src.data)
            ids.add(known.id.lower())
            by_id[known.id.lower()] = known
            if src.kind == "paper":
                _index_paper(known, by_doi, by_key, by_title, by_cite)
            elif src.kind == "cmoc":
                cmocs[cmoc_key(src.data)] = known
    return Existing(frozenset(ids), by_id, by_doi, by_key, by_title,
                    {k: tuple(v) for k, v in by_cite.items()}, cmocs)


def _index_paper(known: Known, by_doi, by_key, by_title, by_cite) -> None:
    data = known.data
    if doi := doi_key(data.get("doi")):
        by_doi[doi] = known
    by_key[known.id.lower()] = known
    if isinstance(data.get("citekey"), str):
        by_key[data["citekey"].lower()] = known
    if tk := title_key(data.get("title"), data.get("year"), data.get("authors")):
        by_title[tk] = known
    authors = data.get("authors")
    first = authors[0] if isinstance(authors, list) and authors else authors
    if isinstance(first, str):
        by_cite.setdefault(f"{slug(parse_name(first).family)}|{data.get('year')}", []).append(known)


def match_paper(existing: Existing, fields: Mapping[str, Any], key: str | None) -> tuple[Known, str] | None:
    """The existing paper this record is, and why (for the message)."""
    if (doi := doi_key(fields.get("doi"))) and doi in existing.papers_by_doi:
        return existing.papers_by_doi[doi], f"same DOI {fields['doi']}"
    for k in (key, fields.get("citekey")):
        if isinstance(k, str) and k.lower() in existing.papers_by_key:
            return existing.papers_by_key[k.lower()], f"same id or citation key '{k}'"
    if (tk := title_key(fields.get("title"), fields.get("year"), fields.get("authors"))) and tk in existing.papers_by_title:
        return existing.papers_by_title[tk], "same title, year and first author"
    return None


_CITE = re.compile(r"^(?P<who>.+?)(?:\s+et\s+al\.?|\s+(?:and|&)\s+.+?)?,?\s*\(?(?P<year>\d{4}[a-z]?)\)?$")


def resolve_paper(existing: Existing, token: str) -> tuple[str | None, str | None]:
    """A CMOC source cell item → (paper id, None) or (None, why not)."""
    token = token.strip()
    low = token.lower()
    if low in existing.papers_by_key:
        return existing.papers_by_key[low].id, None
    if (doi := doi_key(token)) and doi in existing.papers_by_doi:
        return existing.papers_by_doi[doi].id, None
    m = _CITE.match(token)
    if m:
        found = existing.papers_by_cite.get(f"{slug(m.group('who'))}|{m.group('year')[:4]}", ())
        if len(found) == 1:
            return found[0].id, None
        if len(found) > 1:
            return None, (f"'{token}' matches {len(found)} papers ({', '.join(k.id for k in found)}): "
                          "write the paper id")
    return None, f"unknown paper '{token}' (give a paper id, citation key, DOI or 'Surname Year')"
