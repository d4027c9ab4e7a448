"""Paper index (sortable, filterable in the browser) and paper pages."""
from __future__ import annotations

from typing import Iterator

from ..export_refs import reference_meta
from ..link import Corpus
from ..model import Paper
from ..render import facet_values
from .theory import paper_type_facet
from . import PageSpec


def paper_type(corpus: Corpus, p: Paper, key: str | None) -> str:
    """Evidence-type label(s) of a paper (or its design when no type facet is declared)."""
    if key is None:
        return p.design or ""
    facet = corpus.config.facets[key]
    return "; ".join(facet.label_of(v) for v in facet_values(p, key))


def pages(corpus: Corpus) -> Iterator[PageSpec]:
    key = paper_type_facet(corpus.config)
    rows = tuple((p, paper_type(corpus, p, key)) for p in corpus.papers)
    types = sorted({t for _p, t in rows if t})
    yield PageSpec("papers/", "papers.html", "Papers", {
        "rows": rows, "types": types,
        "type_heading": corpus.config.facets[key].label if key else "Design",
    }, section="papers")
    for p in corpus.papers:
        cmocs = corpus.rel("paper_cmocs", p.id)
        uses = tuple((c, tuple(s for s in c.sources if s.paper.lower() == p.id.lower())) for c in cmocs)
        yield PageSpec(p.page_url, "paper.html", p.title, {
            "e": p, "uses": uses, "theories": corpus.rel("paper_theories", p.id),
            "maps": corpus.rel("paper_maps", p.id),
            "questions": tuple(corpus.get(q) for q in p.questions),
            "reviews": tuple(corpus.get(r) for r in p.review), "ref_meta": reference_meta(p),
        }, section="papers", sources=(p.id,), entity=p)
