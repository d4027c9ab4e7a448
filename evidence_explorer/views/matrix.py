"""Evidence gap matrices declared in site.yaml (basic tables; richer views build on this)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..config import Axis, Matrix
from ..link import Corpus
from ..model import Entity
from ..render import facet_values
from . import PageSpec


@dataclass(frozen=True)
class Cell:
    row: str
    column: str
    items: tuple[Entity, ...]


def axis_values(corpus: Corpus, axis: Axis) -> list[tuple[str, str]]:
    """(key, label) pairs along an axis."""
    if axis.facet:
        facet = corpus.config.facets[axis.facet]
        if facet.values:
            return list(facet.values.items())
        seen: dict[str, None] = {}
        for e in corpus.all():
            if e.kind in facet.applies_to:
                for v in facet_values(e, facet.key):
                    seen[v] = None
        return [(v, v) for v in sorted(seen)]
    return [(t.id, f"{t.id}: {t.title}") for t in corpus.theories
            if axis.theories_kind is None or t.theory_kind == axis.theories_kind]


def _keys(corpus: Corpus, axis: Axis, item: Entity) -> tuple[str, ...]:
    if axis.facet:
        return facet_values(item, axis.facet)
    if item.kind == "cmoc":
        return tuple(corpus.get(t.theory).id for t in item.theories)  # type: ignore[attr-defined]
    return tuple(t.id for t in corpus.rel("paper_theories", item.id))


def cells(corpus: Corpus, matrix: Matrix) -> dict[tuple[str, str], tuple[Entity, ...]]:
    """One pass over the counted items: (row key, column key) → items."""
    items = corpus.cmocs if matrix.count == "cmocs" else corpus.papers
    out: dict[tuple[str, str], list[Entity]] = {}
    for item in items:
        for r in _keys(corpus, matrix.rows, item):
            for c in _keys(corpus, matrix.columns, item):
                out.setdefault((r, c), []).append(item)
    return {k: tuple(v) for k, v in out.items()}


def pages(corpus: Corpus) -> Iterator[PageSpec]:
    if not corpus.config.matrices:
        return
    yield PageSpec("matrix/", "matrices.html", "Evidence gap matrices", {"matrices": corpus.config.matrices},
                   section="matrix")
    for m in corpus.config.matrices:
        yield PageSpec(m.page_url, "matrix.html", m.title, {
            "m": m, "rows": axis_values(corpus, m.rows), "columns": axis_values(corpus, m.columns),
            "cells": cells(corpus, m),
        }, section="matrix")
