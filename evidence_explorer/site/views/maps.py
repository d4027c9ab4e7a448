"""Evidence map index and map pages (like Tables 5–9 of the seed synthesis)."""
from __future__ import annotations

from typing import Iterator

from ...content.link import Corpus
from ...content.model import EvidenceMap, Paper
from . import PageSpec


def map_title(corpus: Corpus, m: EvidenceMap) -> str:
    if m.title:
        return m.title
    if m.theory:
        t = corpus.get(m.theory)
        return f"Evidence map: {t.display_label}"
    return f"Evidence map {m.code}" if m.code else "Evidence map"


def map_rows(corpus: Corpus, m: EvidenceMap) -> list:
    """Each row with its (map item, paper) pairs: the item carries the paper's review status in the row."""
    return [(row, tuple((item, corpus.get(item.paper)) for item in row.papers)) for row in m.rows]


def paper_by_set(corpus: Corpus, m: EvidenceMap) -> tuple[tuple[Paper, tuple[bool, ...]], ...]:
    """Each paper of the map (first appearance order) with, per evidence set (row), whether it is in it."""
    order: dict[str, Paper] = {}
    for row in m.rows:
        for p in row.paper_ids:
            paper = corpus.get(p)
            order.setdefault(paper.id.lower(), paper)  # type: ignore[arg-type]
    sets = [{p.lower() for p in row.paper_ids} for row in m.rows]
    return tuple((p, tuple(key in s for s in sets)) for key, p in order.items())


def pages(corpus: Corpus) -> Iterator[PageSpec]:
    titles = {m.id: map_title(corpus, m) for m in corpus.maps}
    yield PageSpec("maps/", "maps.html", "Evidence maps", {"maps": corpus.maps, "titles": titles},
                   section="maps")
    for m in corpus.maps:
        rows = map_rows(corpus, m)
        yield PageSpec(m.page_url, "map.html", titles[m.id], {
            "e": m, "title": titles[m.id], "rows": rows, "grid": paper_by_set(corpus, m),
            "theory": corpus.get(m.theory) if m.theory else None,
        }, section="maps", entity=m)
