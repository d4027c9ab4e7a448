"""Questions (with their theory nodes and elements, like an initial-programme-theory table) and
reviews (method facts and a document-flow diagram)."""
from __future__ import annotations

from typing import Iterator

from ..link import Corpus
from ..svg import flow_diagram
from . import PageSpec


def pages(corpus: Corpus) -> Iterator[PageSpec]:
    if corpus.questions:
        yield PageSpec("questions/", "questions.html", "Review questions", {"questions": corpus.questions},
                       section="questions")
    for q in corpus.questions:
        theories = corpus.rel("question_theories", q.id)
        nodes = tuple((t, corpus.rel("theory_cmocs", t.id), len(corpus.links.theory_papers.get(t.id.lower(), ())))
                      for t in theories)
        yield PageSpec(q.page_url, "question.html", q.display_title, {
            "e": q, "nodes": nodes, "cmocs": corpus.rel("question_cmocs", q.id),
            "papers": corpus.rel("question_papers", q.id), "reviews": tuple(corpus.get(r) for r in q.review),
        }, section="questions", sources=(q.id,), entity=q)
    if corpus.reviews:
        yield PageSpec("reviews/", "reviews.html", "Reviews", {"reviews": corpus.reviews}, section="reviews")
    for r in corpus.reviews:
        papers = corpus.rel("review_papers", r.id)
        flow = flow_diagram(f"Document flow of {r.title}", [(s.stage, s.count) for s in r.flow], len(papers),
                            f"flow-{r.id}", "Papers from this review in this evidence base") if r.flow else None
        yield PageSpec(r.page_url, "review.html", r.title, {
            "e": r, "questions": corpus.rel("review_questions", r.id), "papers": papers, "flow": flow,
        }, section="reviews", sources=(r.id,), entity=r)
