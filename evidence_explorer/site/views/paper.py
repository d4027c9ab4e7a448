"""Paper index (plain pages; sorted, filtered and paged over every paper in the browser), each theory's
paper list, paper pages."""
from __future__ import annotations

from typing import Iterator

from ...exports.references import reference_meta
from ...content.link import Corpus
from ...content.model import Paper
from .memo import Memo
from .pagination import ROW_BYTES, paginate, text_bytes, theory_papers_url
from .paper_table import JSON_URL, Row, paper_row, review_short, theory_order, theory_short
from .theory import paper_type_facet
from . import PageSpec

ROW_MARKUP = 190
"""Bytes of a paper-table row besides its text and links: the tags and cell labels (~150), the
separators between countries, room for a base URL in the title link."""
LINK_MARKUP = 30
"""Bytes of one theory or review link in a row besides its URL and label (~18 of tags and separator,
room for a base URL)."""
OWN_BYTES = 5_000
"""Bytes of this page beyond a list page's allowance: its own stylesheet (~1.2 KB) and the filter
form (~1.5 KB), with room; the rows of one page get :data:`~.pagination.ROW_BYTES` less this."""


def _row(corpus: Corpus, p: Paper, key: str | None, memo: Memo, order: dict[str, int]) -> tuple[Row, int]:
    """The paper's row and its estimated bytes, remembered while the paper, its theories and its
    reviews are the same objects."""
    theories = corpus.rel("paper_theories", p.id)
    reviews = tuple(r for r in (corpus.find(ref) for ref in p.review) if r is not None)

    def compute() -> tuple[Row, int]:
        row = paper_row(corpus, p, key, memo, order)
        links = sum(LINK_MARKUP + text_bytes(t.page_url, theory_short(t)) for t in row.theories) + \
            sum(LINK_MARKUP + text_bytes(r.page_url, review_short(r)) for r in row.reviews)
        return row, ROW_MARKUP + links + text_bytes(p.page_url, p.title, row.cite, p.year, row.design, row.type,
                                                    *row.countries)
    return memo.get("paper_row", (p, *theories, *reviews), compute)


def paper_tables(corpus: Corpus, papers: tuple[Paper, ...], base: str, title: str, context: dict,
                 section: str = "papers", memo: Memo | None = None) -> Iterator[PageSpec]:
    """The table of ``papers`` at ``base``, split into pages that stay within the page budget; in
    the browser, ``static/papers.js`` turns it into one table over every paper (or every paper of
    ``context["theory"]``) from :data:`~.paper_table.JSON_URL`."""
    key = paper_type_facet(corpus.config)
    memo = Memo() if memo is None else memo
    order = theory_order(corpus)
    rows = tuple(_row(corpus, p, key, memo, order) for p in papers)
    heading = corpus.config.facets[key].label if key else None
    chunks = paginate(rows, base, lambda r: r[1], row_bytes=ROW_BYTES - OWN_BYTES)
    page_size = len(chunks[0][0]) or 1  # papers.js pages the filtered list by the plain first page's size
    for chunk, pager in chunks:
        yield PageSpec(pager.url, "papers.html", pager.title(title), {
            **context, "rows": tuple(r for r, _w in chunk), "type_heading": heading,
            "pager": pager, "all_papers": JSON_URL, "papers_total": len(corpus.papers),
            "page_size": page_size,
        }, section=section)


def pages(corpus: Corpus, memo: Memo | None = None) -> Iterator[PageSpec]:
    memo = Memo() if memo is None else memo
    yield from list_pages(corpus, memo)
    for p in corpus.papers:
        yield entity_page(corpus, p, memo)


def list_pages(corpus: Corpus, memo: Memo) -> Iterator[PageSpec]:
    """The paper index and each theory's paper list (every page but the papers' own)."""
    yield from paper_tables(corpus, corpus.papers, "papers/", "Papers", {"theory": None}, memo=memo)
    for t in corpus.theories:
        papers = corpus.rel("theory_papers", t.id)
        url = theory_papers_url(t.page_url, len(papers))
        if url:
            yield from paper_tables(corpus, papers, url, f"Papers behind {t.display_label}",  # type: ignore[arg-type]
                                    {"theory": t}, section="theories", memo=memo)


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
