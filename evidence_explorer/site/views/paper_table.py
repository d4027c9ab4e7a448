"""The papers table: one row of display values per paper, and the compact JSON of every row.

The plain table (``papers.html``, paginated to the page budget) and the browser's table over all
papers (``static/papers.js``, which loads :data:`JSON_URL` once and sorts, filters and pages every
paper) show the same cells: title (linked), short citation, year, design, evidence type (when the
site declares a type facet), country, theories (short labels, linked) and reviews (short labels,
linked). Both come from :func:`paper_row`, so the two cannot disagree.

Labels, not ids: a theory is shown by its code when its id is a short code (``R1``, ``M5``) and by
its title otherwise (``factor-leadership`` → "Leadership ability of staff"); a review by the first
clause of its method ("Realist synthesis") when that is short, else by its title.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable

from ...content.link import Corpus
from ...content.model import Paper, Review, Theory
from ...exports.layout import Layout, Run, text_of
from ..render import facet_values
from .memo import Memo, cite_of
from .theory import paper_type_facet

JSON_URL = "papers/page/all.json"
"""Site URL of every paper's row as JSON. Under ``papers/page/`` (the numbered pages' folder), whose
URLs no entity can take (an id has no slash), and with no leading underscore (static hosts that run
Jekyll drop such files)."""
FORMAT = 1
"""Version of the JSON's layout (bumped when a row's fields change)."""

_CODE = re.compile(r"^[A-Z]{1,4}[0-9]{1,4}[a-z]?$")
"""A theory id that is a short code readers know from the review (R1, M5, MRT2)."""
_CLAUSE = re.compile(r"[(,;:]")
LABEL_MAX = 40
"""Longest method clause used as a review's label (longer ones give way to the title)."""


def theory_short(t: Theory) -> str:
    """A theory's label in a table cell: its code (``R1``) or, for a slug id, its title."""
    return t.id if _CODE.match(t.id) or t.title == t.id else t.title


def theory_long(t: Theory) -> str:
    """A theory's label in a filter: code and title (``R1: Collective…``), or the title alone."""
    return f"{t.id}: {t.title}" if _CODE.match(t.id) and t.title != t.id else t.title


def review_short(r: Review) -> str:
    """A review's label in a table cell: the first clause of its method when short, else its title."""
    head = _CLAUSE.split(r.method or "", maxsplit=1)[0].strip()
    if head and len(head) <= LABEL_MAX:
        return head[0].upper() + head[1:]
    return r.title


@dataclass(frozen=True, slots=True)
class Row:
    """The display values of one paper's row (links as site URLs)."""

    paper: Paper
    cite: str
    design: str
    type: str
    countries: tuple[str, ...]
    theories: tuple[Theory, ...]
    reviews: tuple[Review, ...]

    @property
    def theory_links(self) -> tuple[tuple[str, str], ...]:
        """(site URL, label) of each theory, in the corpus's theory order."""
        return tuple((t.page_url, theory_short(t)) for t in self.theories)

    @property
    def review_links(self) -> tuple[tuple[str, str], ...]:
        return tuple((r.page_url, review_short(r)) for r in self.reviews)


def type_label(corpus: Corpus, p: Paper, key: str | None) -> str:
    """Evidence-type label(s) of a paper under the type facet ``key`` ("" without one)."""
    if key is None:
        return ""
    facet = corpus.config.facets[key]
    return "; ".join(facet.label_of(v) for v in facet_values(p, key))


def theory_order(corpus: Corpus) -> dict[str, int]:
    """Position of each theory (by lower-cased id) in the corpus: the order of a row's theories."""
    return {t.id.lower(): n for n, t in enumerate(corpus.theories)}


def paper_row(corpus: Corpus, p: Paper, key: str | None, memo: Memo, order: dict[str, int]) -> Row:
    """The row of paper ``p`` (``key``: the type facet, or None; ``order``: :func:`theory_order`)."""
    theories = tuple(sorted(corpus.rel("paper_theories", p.id), key=lambda t: order[t.id.lower()]))
    found = (corpus.find(ref) for ref in p.review)
    reviews = tuple({r.id: r for r in found if r is not None}.values())
    return Row(p, cite_of(memo, p), p.design or "", type_label(corpus, p, key), tuple(p.country),
               theories, reviews)  # type: ignore[arg-type]


def options(values: Iterable[str]) -> tuple[str, ...]:
    """Distinct non-empty values, sorted, one per spelling that differs only in case (the first)."""
    seen: dict[str, str] = {}
    for v in sorted(values, key=lambda s: (s.casefold(), s)):
        if v:
            seen.setdefault(v.casefold(), v)
    return tuple(seen.values())


def papers_json(corpus: Corpus, memo: Memo | None = None) -> str:
    """Every paper's row, compact: theories and reviews by their position in their own lists.

    ``{"format", "type_heading", "theories": [[id, short, long, url, group]], "reviews": [[id, label,
    url]], "papers": [[url, title, cite, year, design, type, [country], [theory], [review]]]}``,
    papers in the order of the plain pages (the corpus order)."""
    return text_of(papers_json_layout(corpus, memo))


def papers_json_layout(corpus: Corpus, memo: Memo | None = None) -> Layout:
    """:func:`papers_json` as a layout (``exports.layout``): one fragment per paper's row."""
    memo = Memo() if memo is None else memo
    key = paper_type_facet(corpus.config)
    kinds = corpus.config.theory_kinds
    order = theory_order(corpus)
    reviews = {r.id: n for n, r in enumerate(corpus.reviews)}

    def dumps(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")

    def paper(p: Paper) -> str:
        row = paper_row(corpus, p, key, memo, order)
        return dumps([p.page_url, p.title, row.cite, p.year, row.design, row.type, list(row.countries),
                      [order[t.id.lower()] for t in row.theories], [reviews[r.id] for r in row.reviews]])

    head = dumps({
        "format": FORMAT,
        "type_heading": corpus.config.facets[key].label if key else "",
        "theories": [[t.id, theory_short(t), theory_long(t), t.page_url, kinds.get(t.theory_kind, t.theory_kind)]
                     for t in corpus.theories],
        "reviews": [[r.id, review_short(r), r.page_url] for r in corpus.reviews],
        "papers": [],
    })
    assert head.endswith("[]}")
    return (head[:-2], Run("papers.json", corpus.papers, paper, ","), "]}")
