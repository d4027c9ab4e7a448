"""Spreadsheet headers → content fields, for the exports reviewers have.

Each field lists the headers that mean it, best first: when a sheet has two of them (Web of
Science's "Publication Year" and "Publication Date"), the better one is the field and the other goes
under ``extra``. Headers are compared loosely: case, spaces, underscores, punctuation and realist
letter codes ("Mechanism (M) - resource") do not matter.

Sources of the synonyms: Web of Science (Excel and tab-delimited, whose headers are its two-letter
field tags), Scopus CSV, Embase CSV, PubMed CSV, Ovid, EPPI-Reviewer, Covidence, Rayyan, Zotero CSV,
ASReview, and the extraction sheets reviewers make themselves.
"""
from __future__ import annotations

import re

PAPER_HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("id",),
    "title": ("title", "article title", "document title", "paper title", "study title", "title of paper",
              "primary title", "item title", "ti", "t1"),
    "authors": ("authors", "author", "author(s)", "author names", "author list", "creators", "au", "a1",
                "first authors", "author full names", "af"),
    "first_author": ("first author", "lead author", "1st author", "first author surname"),
    "year": ("year", "publication year", "published year", "pub year", "year of publication", "year published",
             "py", "date", "publication date", "date of publication", "pd"),
    "journal": ("journal", "journal name", "journal title", "source title", "publication title",
                "journal/source", "journal/book", "container title", "secondary title", "parent title",
                "periodical", "so", "jo", "jf", "t2", "source"),
    "volume": ("volume", "vol", "vol.", "vl"),
    "issue": ("issue", "number", "issue number", "no", "no.", "is"),
    "pages": ("pages", "page", "page numbers", "page range"),
    "pages_start": ("start page", "page start", "first page", "beginning page", "bp", "sp"),
    "pages_end": ("end page", "page end", "last page", "ending page", "ep"),
    "publisher": ("publisher", "institution", "organisation", "organization", "publishing organisation", "pu",
                  "pb"),
    "doi": ("doi", "digital object identifier", "di", "do"),
    "url": ("url", "link", "web address", "web link", "ur"),
    "pmid": ("pmid", "pubmed id", "pm"),
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
"""Content field → headers that mean it, best first. ``pages_start``/``pages_end`` are joined into
``pages``; ``pmid`` is kept under extra (and used to find duplicates)."""

CMOC_HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("id", "cmoc id", "cmoc", "cmoc no", "cmoc number"),
    "title": ("title", "short title", "cmoc title", "cmoc label", "label"),
    "context": ("context", "c", "contexts"),
    "mechanism": ("mechanism", "m", "mechanisms"),
    "resource": ("resource", "mechanism resource", "mr", "m resource", "resources"),
    "reasoning": ("reasoning", "mechanism reasoning", "m reasoning", "response", "mechanism response"),
    "outcome": ("outcome", "o", "outcomes"),
    "sources": ("sources", "source", "papers", "paper", "source paper", "source papers", "references",
                "reference", "evidence", "studies", "supporting studies", "included studies"),
    "theories": ("theories", "theory", "programme theory", "program theory", "theory id",
                 "initial programme theory", "ipt"),
    "relations": ("relations",),
    "direction": ("direction", "enabler/barrier", "enabler or barrier", "facilitator/barrier"),
    "status": ("status",),
    "question": ("question", "questions", "review question"),
    "review": ("review",),
    "chains_to": ("chains_to", "chains to"),
    "locator": ("locator", "page", "location in paper", "page number"),
    "quote": ("quote", "quotation", "supporting quote", "excerpt", "data extract", "extract"),
    "review_note": ("review_note", "review note"),
    "body": ("notes", "note", "comments"),
}

COMPUTED = {"theories", "cmocs", "maps", "citation", "page", "chained_from"}
"""Columns of Evidence Explorer's own exports that are computed, not written: ignored on import."""

_CODE = re.compile(r"\((?:[a-z]{1,2}|c|m|o)\)")


def norm_header(text: str) -> str:
    text = text.replace("\ufeff", "").strip().lower().rstrip(":*").strip()
    return " ".join(text.replace("_", " ").split()) if text not in ("coded_theories", "chains_to",
                                                                      "review_note") else text


def loose(text: str) -> str:
    """'Mechanism (M) - resource' → 'mechanism resource'; 'Outcome (O)' → 'outcome'."""
    text = _CODE.sub(" ", norm_header(text))
    return " ".join(re.sub(r"[^\w()/]+", " ", text).split())


_TABLES: dict[int, dict[str, tuple[str, int]]] = {}


def lookup_table(known: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, int]]:
    """Loose header → (field, rank); the first field to claim a header keeps it."""
    if id(known) in _TABLES:
        return _TABLES[id(known)]
    table = _TABLES[id(known)] = {}
    for name, headers in known.items():
        for rank, h in enumerate(headers):
            table.setdefault(loose(h), (name, rank))
            table.setdefault(norm_header(h), (name, rank))
    return table


def header_map(headers: tuple[str, ...], known: dict[str, tuple[str, ...]],
               overrides: dict[str, str]) -> dict[int, str]:
    """Column index → field ('extra:NAME' for unmapped, 'ignore' for computed columns). For each field
    the best-ranked header present wins."""
    table = lookup_table(known)
    wanted = {norm_header(k): v for k, v in overrides.items()}
    has_coded = any(norm_header(h) == "coded_theories" for h in headers)
    best: dict[str, tuple[int, int]] = {}  # field → (rank, column)
    for i, raw in enumerate(headers):
        h = norm_header(raw)
        if h and h not in wanted:
            hit = table.get(h) or table.get(loose(raw))
            if hit and (hit[0] not in best or hit[1] < best[hit[0]][0]):
                best[hit[0]] = (hit[1], i)
    chosen = {col: name for name, (_, col) in best.items()}
    taken = set(wanted.values())
    out: dict[int, str] = {}
    for i, raw in enumerate(headers):
        h = norm_header(raw)
        if not h:
            continue
        if h in wanted:
            out[i] = wanted[h]
        elif i in chosen and chosen[i] not in taken:
            out[i] = "extra:PMID" if chosen[i] == "pmid" else chosen[i]
        elif h == "theories" and known is PAPER_HEADERS and not has_coded:
            out[i] = "theories"  # a sheet of one's own: the theories each paper is coded to
        elif h in COMPUTED:
            out[i] = "ignore"
        else:
            out[i] = f"extra:{raw.strip()}"
    return out


def known_header(text: str, known: dict[str, tuple[str, ...]]) -> bool:
    table = lookup_table(known)
    return norm_header(text) in table or loose(text) in table
