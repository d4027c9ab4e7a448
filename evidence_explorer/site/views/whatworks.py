"""What works, for whom, in what circumstances: every CMOC as a row of one table (context, mechanism,
outcome, direction, the facets of CMOCs such as outcome domain and mechanism group, confidence and
number of sources), grouped by the theory node it informs, in pages that keep the page budget."""
from __future__ import annotations

from typing import Callable, Iterator

from ...content.link import Corpus
from ...content.appraisal import appraisal_bytes
from ...content.model import Cmoc, Paper
from . import PageSpec
from .memo import Memo
from .pagination import ROW_BYTES, paginate, text_bytes

URL = "what-works/"
ROW_MARKUP = 660
"""Bytes of one table row besides its text (cells, link, badges, the confidence marks, the
data-label names of the facet and confidence cells)."""
NODE_MARKUP = 90
"""Bytes of the link to one theory node the row's CMOC informs."""
FORM_MARKUP = 1_600
"""Bytes of the filter form every page carries, besides its options (1,146 with five filters)."""
OPTION_MARKUP = 30
"""Bytes of one option of a filter besides its value and label (26)."""


def rows(corpus: Corpus) -> tuple[tuple[Cmoc, tuple], ...]:
    """(CMOC, its theory nodes), CMOCs in the order of the theory nodes they inform (then unlinked)."""
    order = {t.id.lower(): i for i, t in enumerate(corpus.theories)}
    out = []
    for c in corpus.cmocs:
        nodes = tuple(corpus.get(t.theory) for t in c.theories if corpus.find(t.theory) is not None)
        first = min((order.get(n.id.lower(), len(order)) for n in nodes), default=len(order))
        out.append((first, c, nodes))
    out.sort(key=lambda x: x[0])  # stable: content order within a node
    return tuple((c, nodes) for _k, c, nodes in out)


def row_weight(corpus: Corpus, memo: Memo) -> Callable[[tuple[Cmoc, tuple]], int]:
    """Estimated bytes of a row (CMOC, its theory nodes), remembered per CMOC, node and paper object."""
    def weight(row: tuple[Cmoc, tuple]) -> int:
        c, nodes = row
        papers = tuple(p for p in map(corpus.find, (s.paper for s in c.sources)) if isinstance(p, Paper))
        return memo.get("what_works", (c, *nodes, *papers), lambda: ROW_MARKUP + text_bytes(
            c.id, c.display_title, c.context, c.mechanism, c.resource, c.reasoning, c.outcome, c.summary)
            + sum(NODE_MARKUP + 2 * len(n.id) for n in nodes) + appraisal_bytes(papers))
    return weight


def row_bytes(filters: tuple) -> int:
    """Bytes of rows one page may hold: a list page's allowance less the filter form every page
    carries, whose options grow with the theories and facet values (2.4 KB on a 300-paper base,
    where the table's pages had reached 60.3 KB of the 60 KB budget)."""
    options = sum(OPTION_MARKUP + text_bytes(value, label) for _key, _label, values in filters for value, label in values)
    return ROW_BYTES - FORM_MARKUP - options


def pages(corpus: Corpus, memo: Memo | None = None) -> Iterator[PageSpec]:
    if not corpus.cmocs:
        return
    memo = Memo() if memo is None else memo
    every = rows(corpus)
    facets = tuple(f for f in corpus.config.facets.values() if "cmoc" in f.applies_to and not f.builtin
                   and any(c.facets.get(f.key) for c, _n in every))
    filters = _filters(corpus, every, facets)
    columns = {"direction": any(c.direction for c, _n in every),
               "confidence": any(c.confidence for c, _n in every)}
    for chunk, pager in paginate(every, URL, row_weight(corpus, memo), row_bytes=row_bytes(filters)):
        yield PageSpec(pager.url, "what_works.html",
                       pager.title("What works, for whom, in what circumstances"),
                       {"rows": chunk, "pager": pager, "facets": facets, "total": len(corpus.cmocs),
                        "filters": filters, "columns": columns},
                       section="cmocs")


def _filters(corpus: Corpus, every: tuple, facets: tuple) -> tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...]:
    """(key, label, ((value, label), …)) of each filter the table offers: values that occur only, and
    only filters that can narrow the table (one of their values leaves a row out). A filter whose every
    choice shows every row (one theory for all, "Not assessed" when no CMOC is assessed) is not offered."""
    theories = {n.id: n for _c, nodes in every for n in nodes}
    candidates = [("theory", "Theory", tuple((t.id, t.display_label) for t in corpus.theories if t.id in theories),
                   [{n.id for n in nodes} for _c, nodes in every])]
    for f in facets:
        used = {v for c, _n in every for v in (c.facets.get(f.key) or ())}
        candidates.append((f.key, f.label, tuple((v, label) for v, label in f.values.items() if v in used)
                           + tuple((v, v) for v in sorted(used - set(f.values))),
                           [set(c.facets.get(f.key) or ()) for c, _n in every]))
    directions = {c.direction for c, _n in every if c.direction}
    candidates.append(("direction", "Direction", tuple(
        (d, corpus.config.facets["direction"].label_of(d) if "direction" in corpus.config.facets else d.capitalize())
        for d in ("enabler", "barrier") if d in directions), [{c.direction or ""} for c, _n in every]))
    levels = [c.confidence.level if c.confidence else "" for c, _n in every]
    candidates.append(("confidence", corpus.config.confidence_label, tuple(
        (k, label) for k, label in corpus.config.confidence_levels.items() if k in levels)
        + ((("", "Not assessed"),) if "" in levels else ()), [{level} for level in levels]))
    return tuple((key, label, values) for key, label, values, have in candidates
                 if any(sum(v in h for h in have) < len(have) for v, _l in values))
