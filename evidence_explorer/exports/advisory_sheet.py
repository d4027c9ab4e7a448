"""The advisory group's spreadsheet: every link as a CSV row.

:func:`links_csv` writes ``/review/links.csv`` on every build: one row per
reviewable link of every kind (a CMOC itself, its theory links, its sources, a paper's theory
codings, a paper in an evidence set), with what a reviewer needs to judge it and four empty columns,
``decision``, ``comment``, ``decided_on`` and ``decided_by``. The filled-in sheet is applied back by
:mod:`evidence_explorer.authoring.advisory_decisions`.
"""
from __future__ import annotations

import io
from operator import itemgetter
from typing import TYPE_CHECKING, Iterable, Iterator

from ..content import urls
from ..content.review_links import ReviewLink, cmoc_links, map_links, paper_links, review_links, reviewed_text
from .csvsafe import protect_cells
from .layout import CsvLines, Layout, Run

if TYPE_CHECKING:
    from ..content.link import Corpus

COLUMNS = ("kind", "cmoc", "theory", "paper", "map", "row", "focus", "relation", "status", "review_note", "reviewed",
           "title", "context", "mechanism", "outcome", "sources", "url", "decision", "comment", "decided_on",
           "decided_by")
"""Columns of links.csv. ``kind`` is one of :data:`~evidence_explorer.content.review_links.LINK_KINDS`;
``cmoc``, ``theory``, ``paper``, ``map`` and ``row`` (1-based position of the evidence set in its map,
with its ``focus``) name the link, the others of them are empty. ``status``, ``review_note`` and
``reviewed`` are the values at export time (an import compares them with the files to find conflicts);
``status`` is the one the site shows and /review/ counts: a theory link with none of its own has its
CMOC's. ``decision``, ``comment``, ``decided_on`` (YYYY-MM-DD) and ``decided_by`` are for the reviewers."""
INPUTS = ("decision", "comment", "decided_on", "decided_by")
SHARED = slice(COLUMNS.index("title"), COLUMNS.index("url") + 1)
"""The cells a CMOC's link rows repeat (a paper's or map's rows: their title and URL), before the inputs."""
assert COLUMNS[SHARED.stop:] == INPUTS


def source_text(s) -> str:
    """One source as the sheet shows it: id, locator, where in the review, quote."""
    text = str(s.paper)
    if s.locator:
        text += f" [{s.locator}]"
    if s.found_in:
        text += f" [review: {s.found_in}]"
    if s.quote:
        text += f" “{s.quote}”" + ("" if s.verbatim is None else " (verbatim)" if s.verbatim else " (paraphrase)")
    return text


def _mechanism(cmoc) -> str:
    if cmoc.mechanism:
        return cmoc.mechanism
    return "; ".join(f"{name}: {getattr(cmoc, name)}" for name in ("resource", "reasoning") if getattr(cmoc, name))


def _cmoc_cells(c, base_url: str, sources: str) -> dict[str, str]:
    return {"title": c.title or "", "context": c.context, "mechanism": _mechanism(c), "outcome": c.outcome,
            "sources": sources, "url": urls.href(base_url, c.page_url)}


def _cells(corpus: Corpus, link: ReviewLink, base_url: str, cmoc_sources: dict[str, str]) -> dict[str, str]:
    """The columns that describe the link (its CMOC's C, M, O and sources; a paper's title)."""
    if link.kind in ("cmoc", "cmoc-theory"):
        if link.cmoc not in cmoc_sources:
            cmoc_sources[link.cmoc] = " | ".join(source_text(s) for s in link.owner.sources)  # type: ignore[attr-defined]
        return _cmoc_cells(link.owner, base_url, cmoc_sources[link.cmoc])
    if link.kind == "cmoc-source":
        return _cmoc_cells(link.owner, base_url, source_text(link.item))
    paper = corpus.find(link.paper)
    return {"title": paper.display_title if paper else "", "context": "", "mechanism": "", "outcome": "",
            "sources": "", "url": urls.href(base_url, link.owner.page_url)}


def link_rows(corpus: Corpus, base_url: str, links: Iterable[ReviewLink] | None = None) -> Iterator[dict[str, str]]:
    """One row per reviewable link (:func:`~evidence_explorer.content.review_links.review_links` order),
    or per link of ``links``."""
    cmoc_sources: dict[str, str] = {}
    for link in review_links(corpus) if links is None else links:
        yield {"kind": link.kind, "cmoc": link.cmoc, "theory": link.theory, "paper": link.paper, "map": link.map,
               "row": str(link.row) if link.row else "", "focus": link.focus,
               "relation": link.item.relation if link.kind == "cmoc-theory" else "",
               "status": link.effective_status, "review_note": link.review_note,
               "reviewed": reviewed_text(link.reviewed),
               **_cells(corpus, link, base_url, cmoc_sources),
               "decision": "", "comment": "", "decided_on": "", "decided_by": ""}


def links_csv(corpus: Corpus, base_url: str) -> str:
    """``/review/links.csv``: every link, with empty decision, comment and provenance columns."""
    return links_csv_bytes(corpus, base_url).decode("utf-8")


def links_csv_bytes(corpus: Corpus, base_url: str) -> bytes:
    """:func:`links_csv` as the UTF-8 bytes of the file. The sheet repeats each CMOC's text (title,
    context, mechanism, outcome, sources, URL: :data:`SHARED`) on every one of its link rows, 40 MB at
    N = 5,000; those six cells are written and encoded once per CMOC, and each row is its own
    cells, then that shared run, then the four empty input cells: the bytes ``csv.writer`` writes
    for the whole row (a cell is quoted by its own content alone; ``tests/test_review_csv.py``
    compares with a writer given whole rows)."""
    line = CsvLines()
    own, shared = itemgetter(*COLUMNS[:SHARED.start]), itemgetter(*COLUMNS[SHARED])
    tail = "," * len(INPUTS) + "\r\n"
    runs: dict[tuple[str, ...], bytes] = {}
    out = io.BytesIO()  # (its getvalue hands over the buffer: the sheet is not held twice)
    out.write(line([COLUMNS]).encode("utf-8"))
    for row in link_rows(corpus, base_url):
        cells = shared(row)
        run = runs.get(cells)
        if run is None:
            run = runs[cells] = ("," + line([protect_cells(cells)])[:-2] + tail).encode("utf-8")
        out.write(line([protect_cells(own(row))])[:-2].encode("utf-8"))
        out.write(run)
    return out.getvalue()


def links_csv_layout(corpus: Corpus, base_url: str) -> Layout:
    """:func:`links_csv_bytes` as a layout (text): the header, then each CMOC's, paper's and map's link
    rows as one fragment (in :func:`~evidence_explorer.content.review_links.review_links` order)."""
    lines, cells = CsvLines(), itemgetter(*COLUMNS)

    def rows(links: Iterable[ReviewLink]) -> str:
        return lines(protect_cells(cells(row)) for row in link_rows(corpus, base_url, links))

    return (lines([COLUMNS]),
            Run("links.csv/cmocs", corpus.cmocs, lambda c: rows(cmoc_links(c))),
            Run("links.csv/papers", corpus.papers, lambda p: rows(paper_links(p))),
            Run("links.csv/maps", corpus.maps, lambda m: rows(map_links(m))))
