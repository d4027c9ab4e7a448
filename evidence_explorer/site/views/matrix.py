"""Evidence gap matrices declared in site.yaml: an accessible table and an SVG bubble view.

Each non-empty cell links to the list of its evidence: on the same page (``#cell-R-C``) while the
lists fit the page budget, else on a page of its own (``matrix/ID/cell-R-C/``, paginated). The
bubble view's second dimension is the CMOC direction (for CMOC matrices whose CMOCs have one) or
the paper evidence type (for paper matrices not already split by it), shown by shape and label.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Iterator

from ...content.config import Axis, Matrix
from ...content.evidence import evidence_of
from ...content.link import Corpus
from ...content.model import Entity
from ..render import facet_values
from ..charts import Chart, csv_text, stamp
from ..svg import BubbleCell, bubble_matrix, shape_names
from .memo import Memo, cite_of
from .pagination import paginate, text_bytes
from .theory import paper_type_facet
from . import PageSpec

MATRIX_HTML = 44_000
"""Bytes of HTML a matrix page may take with its cell lists in it (60 KB less the stylesheet and
margin); past it, each cell's evidence gets a page of its own."""
ITEM_MARKUP = 60
"""Bytes of one cell-list item besides its text."""
TABLE_CELL = 150
"""Bytes of one cell of the matrix table (a count and its split, or 'gap' / 'not assessed')."""

NOT_STATED = "~"
"""Second-dimension key of items that have no value."""


@dataclass(frozen=True, slots=True)
class Cell:
    row: int
    column: int
    row_label: str
    column_label: str
    items: tuple[Entity, ...] | tuple[str, ...]
    """The cell's items; only their ids where a page shows just the count (:func:`counted`)."""
    parts: tuple[tuple[str, int], ...]
    """(second-dimension key, count), in legend order."""

    @property
    def anchor(self) -> str:
        return f"cell-{self.row}-{self.column}"


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
    if axis.evidence_sets:  # each focus once, with its kind (context, mechanism…) where the maps agree
        kinds: dict[str, set] = {}
        for m in corpus.maps:
            for row in m.rows:
                kinds.setdefault(row.focus, set()).add(row.kind)
        return [(f, f"{f} ({next(iter(k))})" if len(k) == 1 and None not in k else f) for f, k in kinds.items()]
    return [(t.id, t.display_label) for t in corpus.theories
            if (axis.theories_kind is None or t.theory_kind == axis.theories_kind)
            and (axis.theories_examined is None or axis.theories_examined in evidence_of(corpus, t).examined)]


def _keys(corpus: Corpus, axis: Axis, item: Entity) -> tuple[str, ...]:
    if axis.facet:
        return facet_values(item, axis.facet)
    if item.kind == "cmoc":
        return tuple(dict.fromkeys(corpus.get(t.theory).id for t in item.theories))  # type: ignore[attr-defined]
    return tuple(t.id for t in corpus.rel("paper_theories", item.id))


def cells(corpus: Corpus, matrix: Matrix) -> dict[tuple[str, str], tuple[Entity, ...]]:
    """One pass over the counted items: (row key, column key) → items."""
    if matrix.rows.evidence_sets or matrix.columns.evidence_sets:
        return evidence_set_cells(corpus, matrix)[0]
    items = corpus.cmocs if matrix.count == "cmocs" else corpus.papers
    out: dict[tuple[str, str], list[Entity]] = {}
    for item in items:
        for r in _keys(corpus, matrix.rows, item):
            for c in _keys(corpus, matrix.columns, item):
                out.setdefault((r, c), []).append(item)
    return {k: tuple(v) for k, v in out.items()}


def second_dimension(corpus: Corpus, matrix: Matrix) -> tuple[str | None, list[tuple[str, str]]]:
    """(facet key, [(value, label)]) shown by shape in the bubble view; (None, []) when there is none."""
    if matrix.split:
        facet = corpus.config.facets[matrix.split]
        return facet.key, list(facet.values.items()) + [(NOT_STATED, "Not stated")]
    if matrix.rows.evidence_sets or matrix.columns.evidence_sets:
        return None, []  # the evidence sets are the split: their kind is in the row label
    if matrix.count == "cmocs":
        if not any(c.direction for c in corpus.cmocs):
            return None, []
        labels = [("enabler", "Enabler"), ("barrier", "Barrier")]
        facet = corpus.config.facets.get("direction")
        key = "direction"
    else:
        key = paper_type_facet(corpus.config)
        if key is None or key in (matrix.rows.facet, matrix.columns.facet):
            return None, []
        facet = corpus.config.facets[key]
        labels = list(facet.values.items())
    if facet:
        labels = [(v, facet.label_of(v)) for v, _l in labels]
    return key, labels + [(NOT_STATED, "Not stated")]


def evidence_set_cells(corpus: Corpus, matrix: Matrix
                       ) -> tuple[dict[tuple[str, str], tuple[Entity, ...]], set[tuple[str, str]]]:
    """A combined map over the evidence maps: (row key, column key) → papers of the evidence set with
    that focus in the map of that theory; and the (row, column) pairs whose map has such a set at all
    (the others were not assessed)."""
    out: dict[tuple[str, str], dict[str, Entity]] = {}
    present: set[tuple[str, str]] = set()
    sets_first = matrix.rows.evidence_sets
    for m in corpus.maps:
        theory = corpus.find(m.theory) if m.theory else None
        if theory is None:
            continue
        for row in m.rows:
            key = (row.focus, theory.id) if sets_first else (theory.id, row.focus)
            present.add(key)
            cell = out.setdefault(key, {})
            for p in row.paper_ids:
                paper = corpus.find(p)
                if paper is not None:
                    cell.setdefault(paper.id, paper)
    return {k: tuple(v.values()) for k, v in out.items() if v}, present


def _assessed(corpus: Corpus, matrix: Matrix, axis: Axis, key: str) -> bool:
    """Whether a theory row (or column) was examined for what the matrix counts: a node never reviewed
    into CMOCs is not assessed in a CMOC matrix (its empty cells are not gaps), a node with no
    evidence and no method of examination is not assessed in a paper matrix. Facet values always are."""
    if axis.facet or axis.evidence_sets:
        return True
    theory = corpus.find(key)
    if theory is None or theory.kind != "theory":
        return True
    ev = evidence_of(corpus, theory)
    if matrix.count == "cmocs":
        return bool(ev.cmocs) or "reviewed" in ev.examined
    return bool(ev.papers) or bool(set(ev.examined) - {"synthesised"})


def unassessed_cells(corpus: Corpus, matrix: Matrix, rows: list, columns: list) -> frozenset[tuple[int, int]]:
    """(row, column) positions whose row or column was not examined for what the matrix counts."""
    if matrix.rows.evidence_sets or matrix.columns.evidence_sets:
        present = evidence_set_cells(corpus, matrix)[1]
        return frozenset((i, j) for i, (r, _a) in enumerate(rows) for j, (c, _b) in enumerate(columns)
                         if (r, c) not in present)
    bad_rows = {i for i, (k, _l) in enumerate(rows) if not _assessed(corpus, matrix, matrix.rows, k)}
    bad_cols = {j for j, (k, _l) in enumerate(columns) if not _assessed(corpus, matrix, matrix.columns, k)}
    return frozenset((i, j) for i in range(len(rows)) for j in range(len(columns)) if i in bad_rows or j in bad_cols)


def build_cells(corpus: Corpus, matrix: Matrix, rows: list, columns: list) -> tuple[tuple[Cell, ...], list]:
    raw = cells(corpus, matrix)
    key, legend = second_dimension(corpus, matrix)
    out, used = [], set()
    for i, (rkey, rlabel) in enumerate(rows):
        for j, (ckey, clabel) in enumerate(columns):
            items = raw.get((rkey, ckey), ())
            if not items:
                continue
            parts: tuple[tuple[str, int], ...] = ()
            if key:
                counts: dict[str, int] = {}
                for item in items:
                    for v in facet_values(item, key) or (NOT_STATED,):
                        counts[v] = counts.get(v, 0) + 1
                parts = tuple((v, counts[v]) for v, _l in legend if v in counts)
                used.update(counts)
            out.append(Cell(i, j, rlabel, clabel, items, parts))
    if used <= {NOT_STATED}:  # no item has a value: a second dimension would only say "not stated"
        return tuple(replace(c, parts=()) for c in out), []
    return tuple(out), [(v, label) for v, label in legend if v in used]


def pages(corpus: Corpus, memo: Memo | None = None) -> Iterator[PageSpec]:
    memo = Memo() if memo is None else memo
    if not corpus.config.matrices:
        return
    yield PageSpec("matrix/", "matrices.html", "Evidence gap matrices", {"matrices": corpus.config.matrices},
                   section="matrix")
    for m in corpus.config.matrices:
        rows, columns = axis_values(corpus, m.rows), axis_values(corpus, m.columns)
        matrix_cells, legend = build_cells(corpus, m, rows, columns)
        noun = "CMOCs" if m.count == "cmocs" else "papers"
        labels = dict(legend)
        unassessed = unassessed_cells(corpus, m, rows, columns)
        not_assessed = len(unassessed - {(c.row, c.column) for c in matrix_cells})
        empty = len(rows) * len(columns) - len(matrix_cells) - not_assessed
        figure = _figure(m, rows, columns, matrix_cells, legend, unassessed, noun, (empty, not_assessed))
        svg = figure(False)  # the bubble view's real size decides whether the cell lists fit the page
        separate = _lists_bytes(matrix_cells, memo) + len(svg) + TABLE_CELL * len(rows) * len(columns) \
            > MATRIX_HTML
        svg = figure(True) if separate else svg
        links = {c.anchor: f"{c.anchor}/" if separate else f"#{c.anchor}" for c in matrix_cells}
        shown = matrix_cells if not separate else tuple(counted(c) for c in matrix_cells)
        chart = Chart(m.page_url, f"bubble-{m.id}", m.title, svg,
                      matrix_csv(rows, columns, matrix_cells, legend, unassessed, noun), stamp(corpus), f"bubble-{m.id}")
        yield PageSpec(m.page_url, "matrix.html", m.title, {
            "m": m, "rows": rows, "columns": columns, "cells": {(c.row, c.column): c for c in shown},
            "cell_list": () if separate else matrix_cells, "links": links, "separate": separate,
            "legend": legend, "labels": labels, "noun": noun, "svg": svg, "empty": empty,
            "unassessed": unassessed, "not_assessed": not_assessed, "chart": chart, "charts": (chart,),
        }, section="matrix")
        if separate:
            for c, brief in zip(matrix_cells, shown):
                for chunk, pager in paginate(c.items, f"{m.page_url}{c.anchor}/", _item_bytes(memo)):
                    yield PageSpec(pager.url, "matrix_cell.html", pager.title(f"{c.row_label} × {c.column_label}"), {
                        "m": m, "c": brief, "items": chunk, "pager": pager, "noun": noun,
                    }, section="matrix")


def _figure(m: Matrix, rows: list, columns: list, matrix_cells: tuple[Cell, ...], legend: list,
            unassessed: frozenset, noun: str, tally: tuple[int, int]) -> Callable[[bool], str]:
    """The bubble view of ``m``, given whether each cell links to a page of its own or to its list below."""
    labels, one = dict(legend), noun[:-1]
    empty, not_assessed = tally
    n_rows, n_columns, n_cells = len(rows), len(columns), len(matrix_cells)
    description = (f"{n_rows} row{'s' * (n_rows != 1)} by {n_columns} column{'s' * (n_columns != 1)}; "
                   f"{n_cells} cell{'s hold' if n_cells != 1 else ' holds'} evidence, "
                   f"{empty} {'are gaps' if empty != 1 else 'is a gap'} (no evidence found)"
                   + (f" and {not_assessed} were not assessed" if not_assessed else "")
                   + f". Bubble area shows the number of {noun}"
                   + ("; shape shows " + ", ".join(f"{label.lower()} ({s})" for (_k, label), s in
                                                    zip(legend, shape_names([k for k, _l in legend]).values()))
                      if legend else "") + ". The table on this page gives the same counts.")

    def draw(separate: bool) -> str:
        bubbles = tuple(BubbleCell(c.row, c.column, len(c.items), c.parts,
                                   f"{c.anchor}/" if separate else f"#{c.anchor}",
                                   f"{c.row_label} × {c.column_label}: {len(c.items)} "
                                   f"{one if len(c.items) == 1 else noun}"
                                   + (" (" + ", ".join(f"{n} {labels[k].lower()}" for k, n in c.parts) + ")"
                                      if c.parts else ""))
                        for c in matrix_cells)
        return bubble_matrix(f"{m.title}: bubble view", description, [label for _k, label in rows],
                             [label for _k, label in columns], bubbles, legend, f"bubble-{m.id}", unassessed)
    return draw


def matrix_csv(rows: list, columns: list, matrix_cells: tuple[Cell, ...], legend: list,
               unassessed: frozenset, noun: str) -> str:
    """The data of the bubble view: one line per cell (row, column, evidence / gap / not assessed,
    the count, and the count for each value of the second dimension)."""
    filled = {(c.row, c.column): c for c in matrix_cells}
    out = []
    for i, (_rk, rlabel) in enumerate(rows):
        for j, (_ck, clabel) in enumerate(columns):
            c = filled.get((i, j))
            state = "evidence" if c else "not assessed" if (i, j) in unassessed else "gap"
            parts = dict(c.parts) if c else {}
            out.append([rlabel, clabel, state, len(c.items) if c else 0] + [parts.get(k, 0) for k, _l in legend])
    return csv_text(["row", "column", "cell", noun] + [label for _k, label in legend], out)


def counted(cell: Cell) -> Cell:
    """The cell with its items' ids instead of the items, for pages that show only its count: such a
    page then does not depend on (and is not re-rendered for) every edit of every item."""
    return replace(cell, items=tuple(x.id for x in cell.items))


def _item_bytes(memo: Memo) -> Callable[[Entity], int]:
    def weight(item: Entity) -> int:
        def compute() -> int:
            label = cite_of(memo, item) if item.kind == "paper" else item.display_title  # type: ignore[attr-defined]
            return ITEM_MARKUP + text_bytes(item.id, label, getattr(item, "direction", None))
        return memo.get("matrix_item", (item,), compute)
    return weight


def _lists_bytes(cells: tuple[Cell, ...], memo: Memo) -> int:
    """Estimated bytes of every cell's evidence list on the matrix page."""
    weight = _item_bytes(memo)
    return sum(200 + text_bytes(c.row_label, c.column_label) + sum(map(weight, c.items)) for c in cells)
