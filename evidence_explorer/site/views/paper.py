"""Paper index (sortable, filterable in the browser, in pages), each theory's paper list, paper pages."""
from __future__ import annotations

from typing import Callable, Iterator

from ...exports.references import reference_meta
from ...content.link import Corpus
from ...content.model import Paper, Theory
from ..render import facet_values
from .memo import Memo, cite_of
from .pagination import paginate, text_bytes, theory_papers_url
from .theory import paper_type_facet
from . import PageSpec

ROW_MARKUP = 90
"""Bytes of a paper-table row besides its text (69 of tags and URL prefix, room for a base URL)."""


def paper_type(corpus: Corpus, p: Paper, key: str | None) -> str:
    """Evidence-type label(s) of a paper (or its design when no type facet is declared)."""
    if key is None:
        return p.design or ""
    facet = corpus.config.facets[key]
    return "; ".join(facet.label_of(v) for v in facet_values(p, key))


def _row_weight(memo: Memo) -> Callable[[tuple[Paper, str]], int]:
    def weight(row: tuple[Paper, str]) -> int:
        p, t = row  # t derives from p and the site config only
        return memo.get("paper_row", (p,), lambda: ROW_MARKUP + text_bytes(p.id, cite_of(memo, p), p.year, p.title, t))
    return weight


def paper_tables(corpus: Corpus, papers: tuple[Paper, ...], base: str, title: str, context: dict,
                 section: str = "papers", memo: Memo | None = None) -> Iterator[PageSpec]:
    """The table of ``papers`` at ``base``, split into pages that stay within the page budget."""
    key = paper_type_facet(corpus.config)
    memo = Memo() if memo is None else memo
    rows = tuple((p, memo.get("paper_type", (p,), lambda: paper_type(corpus, p, key))) for p in papers)
    heading = corpus.config.facets[key].label if key else "Design"
    types = sorted({t for _p, t in rows if t})  # of the whole list: the same filter on every page
    for chunk, pager in paginate(rows, base, _row_weight(memo)):
        yield PageSpec(pager.url, "papers.html", pager.title(title), {
            **context, "rows": chunk, "types": types, "type_heading": heading,
            "pager": pager,
        }, section=section)


def pages(corpus: Corpus, memo: Memo | None = None) -> Iterator[PageSpec]:
    memo = Memo() if memo is None else memo
    yield from paper_tables(corpus, corpus.papers, "papers/", "Papers", {"theory": None}, memo=memo)
    for t in corpus.theories:
        papers = corpus.rel("theory_papers", t.id)
        url = theory_papers_url(t.page_url, len(papers))
        if url:
            yield from paper_tables(corpus, papers, url, f"Papers behind {t.id}: {t.title}",  # type: ignore[arg-type]
                                    {"theory": t}, section="theories", memo=memo)
    for p in corpus.papers:
        yield entity_page(corpus, p, memo)


def entity_page(corpus: Corpus, p: Paper, memo: Memo) -> PageSpec:
    """The paper's own page."""
    cmocs = corpus.rel("paper_cmocs", p.id)
    uses = tuple((c, tuple(s for s in c.sources if s.paper.lower() == p.id.lower())) for c in cmocs)
    return PageSpec(p.page_url, "paper.html", p.title, {
        "e": p, "uses": uses, "theories": corpus.rel("paper_theories", p.id),
        "coded": {t.theory.lower(): t for t in reversed(p.theories)},  # the first coding of a theory
        "maps": corpus.rel("paper_maps", p.id),
        "questions": tuple(corpus.get(q) for q in p.questions),
        "reviews": tuple(corpus.get(r) for r in p.review),
        "ref_meta": memo.get("ref_meta", (p,), lambda: reference_meta(p)),
    }, section="papers", entity=p)
