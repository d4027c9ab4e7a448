"""Questions (with their theory nodes and elements, like an initial-programme-theory table) and
reviews (method facts and a document-flow diagram).

A question whose nodes' elements (CMOCs) would outgrow the page budget lists them on pages of their
own (``questions/ID/cmocs/``, paginated, a node's list continuing over pages); its page keeps the
node table with counts."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

from ...content.flow import is_prisma, prisma_rows, strands
from ...content.link import Corpus
from ...content.model import Cmoc, Review, Theory
from ..charts import Chart, csv_text, stamp
from . import PageSpec
from .memo import Memo
from .pagination import paginate, text_bytes

NODE_MARKUP = 420
"""Bytes of a node row besides its text (cells, links, counts)."""
ELEMENT_MARKUP = 130
"""Bytes of one element (CMOC) line besides its title and id (link, direction badge)."""
INLINE_ELEMENT_BYTES = 25_000
"""A question page lists its nodes' elements itself up to this estimated weight."""


@dataclass(frozen=True)
class NodeElements:
    """One theory node's elements on one page of a question's element list."""

    theory: Theory
    elements: tuple[Cmoc, ...]
    total: int
    """Elements of the node in the whole list."""
    continued: bool
    continues: bool


def _element_weight(memo: Memo) -> Callable[[tuple[Theory, Cmoc]], int]:
    def weight(pair: tuple[Theory, Cmoc]) -> int:
        c = pair[1]
        return memo.get("element", (c,), lambda: ELEMENT_MARKUP + text_bytes(c.id, c.display_title) + len(c.page_url))
    return weight


def _node_weight(memo: Memo, t: Theory) -> int:
    return memo.get("node", (t,), lambda: NODE_MARKUP + text_bytes(t.id, t.title, *t.statement))


def _by_node(chunk: tuple[tuple[Theory, Cmoc], ...], totals: dict, continued: bool, continues: bool
             ) -> tuple[NodeElements, ...]:
    out: list[NodeElements] = []
    for k, (t, c) in enumerate(chunk):
        if k == 0 or chunk[k - 1][0] is not t:
            out.append(NodeElements(t, (), totals[t.id], continued and k == 0, False))
        last = out[-1]
        out[-1] = NodeElements(t, last.elements + (c,), last.total, last.continued, False)
    if out and continues:
        last = out[-1]
        out[-1] = NodeElements(last.theory, last.elements, last.total, last.continued, True)
    return tuple(out)


def element_pages(q, nodes: tuple, url: str, memo: Memo | None = None) -> tuple[tuple[PageSpec, ...], dict[str, str]]:
    """The pages of a question's element list, and where each node's list starts (URL with anchor)."""
    pairs = tuple((t, c) for t, elements, _n in nodes for c in elements)
    totals = {t.id: len(elements) for t, elements, _n in nodes}
    chunks = paginate(pairs, url, _element_weight(Memo() if memo is None else memo))
    specs, starts = [], {}
    for n, (chunk, pager) in enumerate(chunks):
        for t, _c in chunk:
            starts.setdefault(t.id, f"{pager.url}#n-{t.id}")
        continued = n > 0 and chunks[n - 1][0][-1][0] is chunk[0][0]
        continues = n + 1 < len(chunks) and chunks[n + 1][0][0][0] is chunk[-1][0]
        specs.append(PageSpec(pager.url, "question_cmocs.html", pager.title(f"Elements of {q.id}"), {
            "e": q, "nodes": _by_node(chunk, totals, continued, continues), "pager": pager,
        }, section="questions"))
    return tuple(specs), starts


def pages(corpus: Corpus, memo: Memo | None = None) -> Iterator[PageSpec]:
    memo = Memo() if memo is None else memo
    element_weight = _element_weight(memo)
    if corpus.questions:
        yield PageSpec("questions/", "questions.html", "Review questions", {"questions": corpus.questions},
                       section="questions")
    for q in corpus.questions:
        theories = corpus.rel("question_theories", q.id)
        nodes = tuple((t, corpus.rel("theory_cmocs", t.id), len(corpus.links.theory_papers.get(t.id.lower(), ())))
                      for t in theories)
        weight = sum(_node_weight(memo, t) + sum(element_weight((t, c)) for c in elements)  # type: ignore[arg-type]
                     for t, elements, _n in nodes)
        own_url = f"{q.page_url}cmocs/" if weight > INLINE_ELEMENT_BYTES else None
        own, starts = element_pages(q, nodes, own_url, memo) if own_url else ((), {})
        yield PageSpec(q.page_url, "question.html", q.display_title, {
            "e": q, "nodes": nodes, "cmocs": corpus.rel("question_cmocs", q.id), "elements_url": own_url,
            "node_urls": starts,
            "papers": corpus.rel("question_papers", q.id), "reviews": tuple(corpus.get(r) for r in q.review),
        }, section="questions", entity=q)
        yield from own
    if corpus.reviews:
        yield PageSpec("reviews/", "reviews.html", "Reviews", {"reviews": corpus.reviews}, section="reviews")
    for r in corpus.reviews:
        papers = corpus.rel("review_papers", r.id)
        prisma = is_prisma(r)
        rows, groups = (prisma_rows(r), ()) if prisma else ((), strands(r))
        chart = flow_chart(corpus, r, rows, groups) if r.flow else None
        yield PageSpec(r.page_url, "review.html", r.title, {
            "e": r, "questions": corpus.rel("review_questions", r.id), "papers": papers,
            "prisma_rows": rows, "strands": groups, "chart": chart, "charts": (chart,) if chart else (),
        }, section="reviews", entity=r)


def flow_chart(corpus: Corpus, r: Review, rows: tuple, groups: tuple) -> Chart:
    """The document flow's data (drawn in HTML, so CSV only): one line per box, in the order drawn."""
    if rows:
        lines = [(row.phase, s.stage, s.count, where) for row in rows
                 for where, boxes in (("main column", row.main), ("beside", row.side)) for s in boxes]
        header = ("phase", "stage", "count", "position")
    else:
        lines = [(name, s.stage, s.count) for name, steps in groups for s in steps]
        header = ("strand", "stage", "count")
    return Chart(r.page_url, "flow", f"Document flow: {r.title}", "", csv_text(header, lines), stamp(corpus))
