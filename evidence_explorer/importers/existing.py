"""What the content directory already holds: every id, and the identity of every paper and CMOC.

An import never creates a second file for a record that exists: a paper is matched by evidence
(:mod:`.dedupe`: identifiers, then title, first author, year, volume and page); a CMOC by its id or
its context, mechanism and outcome.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from ..content.citation import parse_name
from ..content.diagnostics import Report
from ..content.load import load_sources
from ..content.walk import walk_content
from .dedupe import Identity, Index, doi_key
from .names import slug


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
    papers: Index[Known]
    """Every paper by DOI, PMID, keys and title (see :mod:`.dedupe`)."""
    papers_by_cite: Mapping[str, tuple[Known, ...]]
    """'surname|year' → papers (for CMOC sources written as 'Smith 2019' or 'Smith et al. (2019)')."""
    cmocs_by_key: Mapping[str, Known]


def scan(content: Path) -> Existing:
    ids: set[str] = set()
    by_id: dict[str, Known] = {}
    by_doi: dict[str, Known] = {}
    by_key: dict[str, Known] = {}
    by_title: Index[Known] = Index()
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
    extra = data.get("extra") if isinstance(data.get("extra"), Mapping) else {}
    by_title.add(Identity.of(data, extra, (known.id, data.get("citekey"))), known)
    authors = data.get("authors")
    first = authors[0] if isinstance(authors, list) and authors else authors
    if isinstance(first, str):
        by_cite.setdefault(f"{slug(parse_name(first).family)}|{data.get('year')}", []).append(known)


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
