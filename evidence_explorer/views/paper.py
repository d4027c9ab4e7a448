"""Paper index and paper pages."""
from __future__ import annotations

from typing import Iterator

from ..export_refs import reference_meta
from ..link import Corpus
from . import PageSpec


def pages(corpus: Corpus) -> Iterator[PageSpec]:
    yield PageSpec("papers/", "papers.html", "Papers", {"papers": corpus.papers}, section="papers")
    for p in corpus.papers:
        cmocs = corpus.rel("paper_cmocs", p.id)
        uses = tuple((c, tuple(s for s in c.sources if s.paper.lower() == p.id.lower())) for c in cmocs)
        yield PageSpec(p.page_url, "paper.html", p.title, {
            "e": p, "uses": uses, "theories": corpus.rel("paper_theories", p.id),
            "maps": corpus.rel("paper_maps", p.id),
            "questions": tuple(corpus.get(q) for q in p.questions),
            "reviews": tuple(corpus.get(r) for r in p.review), "ref_meta": reference_meta(p),
        }, section="papers", sources=(p.id,), entity=p)
