"""CMOC index (grouped by theory, enabler / barrier columns) and CMOC pages."""
from __future__ import annotations

from typing import Iterator

from ..link import Corpus
from ..model import Cmoc
from . import PageSpec

DIRECTION_COLUMNS = (("enabler", "Enablers"), ("barrier", "Barriers"), (None, "Direction not stated"))


def split_by_direction(cmocs: tuple[Cmoc, ...]) -> tuple[tuple[str, tuple[Cmoc, ...]], ...]:
    """(column heading, CMOCs) for enablers, barriers and the rest; one unnamed column when no CMOC
    in the group has a direction."""
    if not any(c.direction for c in cmocs):
        return (("", cmocs),)
    columns = tuple((heading, tuple(c for c in cmocs if c.direction == d)) for d, heading in DIRECTION_COLUMNS)
    return tuple(col for col in columns if col[1] or col[0] != "Direction not stated")


def pages(corpus: Corpus) -> Iterator[PageSpec]:
    groups = []
    for t in corpus.theories:
        cmocs = corpus.rel("theory_cmocs", t.id)
        if cmocs:
            groups.append((t, split_by_direction(cmocs), len(cmocs)))  # type: ignore[arg-type]
    unlinked = tuple(c for c in corpus.cmocs if not c.theories)
    counts = {d: sum(1 for c in corpus.cmocs if c.direction == d) for d in ("enabler", "barrier")}
    yield PageSpec("cmocs/", "cmocs.html", "Context–mechanism–outcome configurations",
                   {"groups": groups, "unlinked": split_by_direction(unlinked) if unlinked else (),
                    "total": len(corpus.cmocs), "direction_counts": counts}, section="cmocs")
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
