"""CMOC index (grouped by theory) and CMOC pages."""
from __future__ import annotations

from typing import Iterator

from ..link import Corpus
from . import PageSpec


def pages(corpus: Corpus) -> Iterator[PageSpec]:
    groups = []
    for t in corpus.theories:
        cmocs = corpus.rel("theory_cmocs", t.id)
        if cmocs:
            groups.append((t, cmocs))
    unlinked = tuple(c for c in corpus.cmocs if not c.theories)
    yield PageSpec("cmocs/", "cmocs.html", "Context–mechanism–outcome configurations",
                   {"groups": groups, "unlinked": unlinked}, section="cmocs")
    for c in corpus.cmocs:
        yield PageSpec(c.page_url, "cmoc.html", c.display_title, {
            "e": c,
            "sources": tuple((s, corpus.get(s.paper)) for s in c.sources),
            "theories": tuple((link, corpus.get(link.theory)) for link in c.theories),
            "chains_to": tuple(corpus.get(x) for x in c.chains_to),
            "chained_from": corpus.rel("cmoc_chained_from", c.id),
            "questions": tuple(corpus.get(q) for q in c.question),
            "reviews": tuple(corpus.get(r) for r in c.review),
        }, section="cmocs", sources=(c.id,), entity=c)
