"""Questions and reviews."""
from __future__ import annotations

from typing import Iterator

from ..link import Corpus
from . import PageSpec


def pages(corpus: Corpus) -> Iterator[PageSpec]:
    if corpus.questions:
        yield PageSpec("questions/", "questions.html", "Review questions", {"questions": corpus.questions},
                       section="questions")
    for q in corpus.questions:
        theories = corpus.rel("question_theories", q.id)
        elements = {t.id: corpus.rel("theory_cmocs", t.id) for t in theories}
        yield PageSpec(q.page_url, "question.html", q.display_title, {
            "e": q, "theories": theories, "elements": elements, "cmocs": corpus.rel("question_cmocs", q.id),
            "papers": corpus.rel("question_papers", q.id), "reviews": tuple(corpus.get(r) for r in q.review),
        }, section="questions", sources=(q.id,), entity=q)
    if corpus.reviews:
        yield PageSpec("reviews/", "reviews.html", "Reviews", {"reviews": corpus.reviews}, section="reviews")
    for r in corpus.reviews:
        yield PageSpec(r.page_url, "review.html", r.title, {
            "e": r, "questions": corpus.rel("review_questions", r.id),
            "papers": corpus.rel("review_papers", r.id),
        }, section="reviews", sources=(r.id,), entity=r)
