"""The advisory group's spreadsheet: every link as a CSV row.

:func:`links_csv` writes ``/review/links.csv`` on every build: one row per CMOC
(its own status) followed by one row per theory link inside it, with the
provenance a reviewer needs and two empty columns, ``decision`` and
``comment``. The filled-in sheet is applied back by
:mod:`evidence_explorer.authoring.advisory_decisions`.
"""
from __future__ import annotations

import csv
import io
from operator import itemgetter
from typing import TYPE_CHECKING, Iterator

from ..content import urls
from .csvsafe import protect_cells

if TYPE_CHECKING:
    from ..content.link import Corpus

COLUMNS = ("cmoc", "theory", "relation", "status", "review_note", "title", "context", "mechanism", "outcome",
           "sources", "url", "decision", "comment")
"""Columns of links.csv. ``theory`` is empty on a CMOC's own row. ``status`` and ``review_note`` are
the values at export time (an import compares them with the files to find conflicts)."""


def _sources(corpus: Corpus, cmoc) -> str:
    parts = []
    for s in cmoc.sources:
        text = s.paper
        if s.locator:
            text += f" [{s.locator}]"
        if s.found_in:
            text += f" [review: {s.found_in}]"
        if s.quote:
            text += f" “{s.quote}”" + ("" if s.verbatim is None else " (verbatim)" if s.verbatim else " (paraphrase)")
        parts.append(text)
    return " | ".join(parts)


def _mechanism(cmoc) -> str:
    if cmoc.mechanism:
        return cmoc.mechanism
    return "; ".join(f"{name}: {getattr(cmoc, name)}" for name in ("resource", "reasoning") if getattr(cmoc, name))


def link_rows(corpus: Corpus, base_url: str) -> Iterator[dict[str, str]]:
    for c in corpus.cmocs:
        common = {"title": c.title or "", "context": c.context, "mechanism": _mechanism(c), "outcome": c.outcome,
                  "sources": _sources(corpus, c), "url": urls.href(base_url, c.page_url), "decision": "",
                  "comment": ""}
        yield {"cmoc": c.id, "theory": "", "relation": "", "status": c.status or "",
               "review_note": c.review_note or "", **common}
        for link in c.theories:
            yield {"cmoc": c.id, "theory": link.theory, "relation": link.relation, "status": link.status or "",
                   "review_note": link.review_note or "", **common}


def links_csv(corpus: Corpus, base_url: str) -> str:
    """``/review/links.csv``: every link, with empty decision and comment columns."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    cells = itemgetter(*COLUMNS)
    writer.writerows(protect_cells(cells(row)) for row in link_rows(corpus, base_url))
    return buf.getvalue()
