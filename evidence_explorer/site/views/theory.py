"""Theory index, theory pages and the theory graph."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, Mapping

from ...content.appraisal import appraisal_bytes
from ...content.config import SiteConfig
from ...content.link import Corpus
from ...content.model import RELATIONS, Cmoc, Paper, Source, Theory
from ..render import facet_values
from ..charts import Chart, csv_text, relative, stamp
from ..svg_graph import GraphNode, theory_graph
from . import PageSpec
from .memo import Memo, cite_of
from .pagination import paginate, text_bytes, theory_papers_url

RELATION_HEADINGS = {"supports": "Supporting configurations", "refutes": "Refuting configurations",
                     "refines": "Refining configurations"}
DIRECTION_HEADINGS = (("enabler", "Enablers"), ("barrier", "Barriers"), (None, "Direction not stated"))


@dataclass(frozen=True, slots=True)
class CmocEntry:
    """A CMOC as a theory page shows it: its relation to the theory and the sources behind it."""

    cmoc: Cmoc
    relation: str
    sources: tuple[tuple[Source, Paper], ...]


@dataclass(frozen=True)
class CmocGroup:
    relation: str
    heading: str
    columns: tuple[tuple[str, tuple[CmocEntry, ...]], ...]
    """(direction heading, entries); a single column with an empty heading when no direction is set."""
    total: int
    """CMOCs of the theory with this relation (a group may continue over pages)."""
    column_totals: tuple[int, ...] = ()
    """CMOCs of each column in the whole list (same order as ``columns``)."""
    continued: bool = False
    """The group began on an earlier page."""
    continues: bool = False
    """The group goes on on the next page."""

    @property
    def count(self) -> int:
        return self.total


ENTRY_MARKUP = 560
"""Bytes of a theory-page CMOC entry besides its text (link, badges, C/M/O labels, list tags)."""
SOURCE_MARKUP = 70
"""Bytes of one source line besides its text."""
INLINE_CMOC_BYTES = 20_000
"""A theory page lists its CMOCs (with sources, quotes and locators) itself up to this estimated
weight (a third of the page budget: the rest of a theory page, its aside, narrative, coded papers and
evidence map, needs the other 25 KB beside the stylesheet); heavier lists get their own pages
(``theories/ID/cmocs/``) and the theory page a count by relation and direction that links them."""
SUMMARY_TITLES = 30
"""A theory page whose CMOCs have their own pages still names them (titles only) up to this many."""
TRUNCATE = 113
"""Characters of context, mechanism and outcome a short CMOC shows (``truncate(110)`` plus dots)."""


def entry_weight(memo: Memo) -> Callable[[CmocEntry], int]:
    """Estimated bytes of one CMOC entry (its short C → M → O and its sources), remembered in ``memo``
    per CMOC object and the paper objects of its sources (which sources resolve depends on them)."""
    def weight(entry: CmocEntry) -> int:
        c = entry.cmoc
        return memo.get("cmoc_entry", (c, *(p for _s, p in entry.sources)), lambda: ENTRY_MARKUP + text_bytes(
            c.id, c.display_title, c.context[:TRUNCATE], c.outcome[:TRUNCATE],
            (c.mechanism or c.reasoning or c.resource or "")[:TRUNCATE]) + sum(
                SOURCE_MARKUP + len(p.page_url) + text_bytes(cite_of(memo, p), s.locator, s.found_in, s.quote)
                for s, p in entry.sources) + appraisal_bytes(tuple(p for _s, p in entry.sources)))
    return weight


def breadcrumb(corpus: Corpus, theory: Theory) -> list[Theory]:
    trail, node, seen = [], theory, set()
    while node.parent and node.parent.lower() not in seen:
        seen.add(node.parent.lower())
        node = corpus.get(node.parent)  # type: ignore[assignment]
        trail.append(node)
    return list(reversed(trail))


def paper_type_facet(config: SiteConfig) -> str | None:
    """The facet that says what kind of evidence a paper is: ``evidence_type`` if declared, else the
    first closed-vocabulary facet on papers; None when there is none (callers fall back to ``design``)."""
    paper_facets = [f for f in config.facets.values() if "paper" in f.applies_to]
    for f in paper_facets:
        if f.key == "evidence_type":
            return f.key
    return next((f.key for f in paper_facets if not f.open and f.values), None)


def evidence_type_counts(corpus: Corpus, papers: tuple[Paper, ...]) -> tuple[tuple[str, int], ...]:
    """(label, count) of papers by evidence type (facet order; unclassified last); empty when none of
    the papers is classified (a table of one 'Not classified' row says nothing)."""
    key = paper_type_facet(corpus.config)
    counts: dict[str, int] = {}
    for p in papers:
        values = facet_values(p, key) if key else ((p.design,) if p.design else ())
        for v in values or ("",):
            counts[v] = counts.get(v, 0) + 1
    facet = corpus.config.facets.get(key) if key else None
    order = list(facet.values) if facet else sorted(k for k in counts if k)
    out = [(facet.label_of(v) if facet else v, counts[v]) for v in order if v in counts]
    out += [(v, n) for v, n in sorted(counts.items()) if v and v not in order]
    if not out:
        return ()
    if "" in counts:
        out.append(("Not classified", counts[""]))
    return tuple(out)


def cmoc_entries(corpus: Corpus, theory: Theory) -> tuple[CmocEntry, ...]:
    """The theory's CMOCs in the order its pages list them: by relation (supports, refutes, refines),
    then by direction (enablers, barriers, not stated) when any of them has a direction."""
    entries = []
    for c in corpus.rel("theory_cmocs", theory.id):
        assert isinstance(c, Cmoc)
        relation = next((x.relation for x in c.theories if x.theory.lower() == theory.id.lower()), "supports")
        sources = tuple((s, corpus.get(s.paper)) for s in c.sources)
        entries.append(CmocEntry(c, relation, sources))  # type: ignore[arg-type]
    split = any(e.cmoc.direction for e in entries)
    directions = [d for d, _h in DIRECTION_HEADINGS]
    return tuple(sorted(entries, key=lambda e: (RELATIONS.index(e.relation),
                                                directions.index(e.cmoc.direction) if split else 0)))


def _columns(entries: tuple[CmocEntry, ...], split: bool, keep_empty: bool
             ) -> tuple[tuple[str, tuple[CmocEntry, ...]], ...]:
    if not split:
        return (("", entries),)
    columns = tuple((heading, tuple(e for e in entries if e.cmoc.direction == d)) for d, heading in DIRECTION_HEADINGS)
    return tuple(col for col in columns if col[1] or (keep_empty and col[0] != "Direction not stated"))


def whole_totals(whole: tuple[CmocEntry, ...]) -> tuple[bool, dict[str, tuple[int, dict[str, int]]]]:
    """(whether the list is split by direction, relation → (its CMOCs, CMOCs per column heading)) of
    a theory's whole CMOC list: what each page of it counts (computed once for all its pages)."""
    split = any(e.cmoc.direction for e in whole)
    out = {}
    for relation in RELATIONS:
        every = tuple(e for e in whole if e.relation == relation)
        out[relation] = (len(every), {h: len(col) for h, col in _columns(every, split, keep_empty=True)})
    return split, out


def cmoc_groups(entries: tuple[CmocEntry, ...], whole: tuple[CmocEntry, ...] | None = None,
                continued: bool = False, continues: bool = False,
                totals: tuple[bool, dict[str, tuple[int, dict[str, int]]]] | None = None) -> tuple[CmocGroup, ...]:
    """``entries`` (a theory's, or one page of them) by relation, each split into direction columns
    when any CMOC of the theory (``whole``) has a direction. A page's first group may have begun on
    the page before (``continued``) and its last may go on (``continues``). ``totals``:
    :func:`whole_totals` of ``whole`` when the caller has it."""
    split, by_relation = whole_totals(entries if whole is None else whole) if totals is None else totals
    groups = []
    present = [r for r in RELATIONS if any(e.relation == r for e in entries)]
    for k, relation in enumerate(present):
        mine = tuple(e for e in entries if e.relation == relation)
        count, per_column = by_relation[relation]
        first_cont, last_cont = continued and k == 0, continues and k == len(present) - 1
        columns = _columns(mine, split, keep_empty=not (first_cont or last_cont))
        groups.append(CmocGroup(relation, RELATION_HEADINGS[relation], columns, count,
                                tuple(per_column.get(h, 0) for h, _c in columns), first_cont, last_cont))
    return tuple(groups)


def cmocs_url(theory: Theory, entries: tuple[CmocEntry, ...], memo: Memo | None = None) -> str | None:
    """Site URL of the theory's own CMOC list, or None when its page lists the CMOCs itself."""
    weight = entry_weight(Memo() if memo is None else memo)
    return f"{theory.page_url}cmocs/" if sum(map(weight, entries)) > INLINE_CMOC_BYTES else None


def cmoc_summary(groups: tuple[CmocGroup, ...]) -> tuple[tuple[str, ...], tuple[tuple[str, tuple[int, ...], int], ...]]:
    """(direction headings, rows of (relation heading, count per direction, total)) for a theory page
    whose CMOCs are listed on their own pages."""
    headings = tuple(dict.fromkeys(h for g in groups for h, _c in g.columns if h))
    rows = []
    for g in groups:
        per = dict(zip((h for h, _c in g.columns), g.column_totals))
        rows.append((g.heading, tuple(per.get(h, 0) for h in headings), g.total))
    return headings, tuple(rows)


def cmoc_list_pages(corpus: Corpus, theory: Theory, entries: tuple[CmocEntry, ...], url: str,
                    memo: Memo | None = None) -> Iterator[PageSpec]:
    """``theories/ID/cmocs/`` (and ``page/N/``): every CMOC of a theory with its sources, in pages."""
    chunks = paginate(entries, url, entry_weight(Memo() if memo is None else memo))
    totals = whole_totals(entries)
    for n, (chunk, pager) in enumerate(chunks):
        continued = n > 0 and chunks[n - 1][0][-1].relation == chunk[0].relation
        continues = n + 1 < len(chunks) and chunks[n + 1][0][0].relation == chunk[-1].relation
        yield PageSpec(pager.url, "theory_cmocs.html", pager.title(f"Configurations of {theory.display_label}"), {
            "e": theory, "cmoc_groups": cmoc_groups(chunk, entries, continued, continues, totals), "pager": pager,
        }, section="theories", entity=None)


def related_index(corpus: Corpus) -> Mapping[str, tuple[Theory, ...]]:
    """Theory id (lower) → theories related to it in either direction, in content order. One pass."""
    out: dict[str, dict[str, Theory]] = {}
    for t in corpus.theories:
        for r in t.related:
            other = corpus.get(r)
            out.setdefault(t.id.lower(), {})[other.id.lower()] = other  # type: ignore[assignment]
            out.setdefault(other.id.lower(), {})[t.id.lower()] = t
    return {k: tuple(v.values()) for k, v in out.items()}


def related_groups(corpus: Corpus, theory: Theory, related: Mapping[str, tuple[Theory, ...]]) -> list:
    """(kind label, [(theory, shared)]) per theory kind; for a theory of another kind (e.g. a
    middle-range theory), ``shared`` lists the theories of this theory's kind it also frames."""
    groups = []
    mine = related.get(theory.id.lower(), ())
    for kind, label in corpus.config.theory_kinds.items():
        items = []
        for r in mine:
            if r.theory_kind != kind:
                continue
            shared = () if kind == theory.theory_kind else tuple(
                x for x in related.get(r.id.lower(), ())
                if x.theory_kind == theory.theory_kind and x.id != theory.id)
            items.append((r, shared))
        if items:
            groups.append((label, items))
    return groups


def pages(corpus: Corpus, memo: Memo | None = None) -> Iterator[PageSpec]:
    memo = Memo() if memo is None else memo
    kinds = corpus.config.theory_kinds
    groups = [(key, label, [t for t in corpus.theories if t.theory_kind == key]) for key, label in kinds.items()]
    yield PageSpec("theories/", "theories.html", "Programme theory", {"groups": groups}, section="theories")
    yield graph_page(corpus, groups)
    related = related_index(corpus)
    for t in corpus.theories:
        yield from theory_pages(corpus, t, memo, related)


def theory_pages(corpus: Corpus, t: Theory, memo: Memo, related: Mapping[str, tuple[Theory, ...]]
                 ) -> Iterator[PageSpec]:
    """The theory's page, then its own CMOC list pages when it has them. ``related``: :func:`related_index`."""
    from .maps import map_rows, map_title
    papers, coded = corpus.rel("theory_papers", t.id), corpus.rel("theory_coded_papers", t.id)
    maps = corpus.rel("theory_maps", t.id)
    entries = cmoc_entries(corpus, t)
    groups = cmoc_groups(entries)
    own_url = cmocs_url(t, entries, memo)
    yield PageSpec(t.page_url, "theory.html", t.display_label, {
        "e": t, "trail": breadcrumb(corpus, t), "children": corpus.rel("theory_children", t.id),
        "cmoc_groups": () if own_url else groups, "n_cmocs": len(entries), "cmocs_url": own_url,
        "cmoc_summary": cmoc_summary(groups) if own_url else None,
        "cmoc_titles": entries if own_url and len(entries) <= SUMMARY_TITLES else (),
        "maps": tuple((m, map_title(corpus, m), map_rows(corpus, m)) for m in maps),  # type: ignore[arg-type]
        "coded_papers": coded, "papers": papers, "papers_url": theory_papers_url(t.page_url, len(papers)),
        "all_papers_coded": len(papers) == len(coded),  # the coded list already shows every paper
        "type_counts": evidence_type_counts(corpus, papers),  # type: ignore[arg-type]
        "related_groups": related_groups(corpus, t, related),
        "questions": tuple(corpus.get(q) for q in t.question),
        "reviews": tuple(corpus.get(r) for r in t.review),
    }, section="theories", entity=t)
    if own_url:
        yield from cmoc_list_pages(corpus, t, entries, own_url, memo)



def _some(n: int, noun: str) -> str:
    """``n`` and the noun, plural unless one: "1 related link", "44 related links"."""
    return f"{n} {noun}{'' if n == 1 else 's'}"

def graph_page(corpus: Corpus, groups: list) -> PageSpec:
    """The theory graph (SVG) with a text outline of the same structure, its data as a table and CSV."""
    bands, nodes, hierarchy, pairs, outline = [], [], [], {}, []
    for b, (_key, label, items) in enumerate(g for g in groups if g[2]):
        bands.append(label)
        ordered = _tree_order(corpus, items)
        nodes += [GraphNode(t.id, t.display_title, t.page_url, b) for t, _depth in ordered]
        outline.append((label, ordered))
    for t in corpus.theories:
        if t.parent:
            hierarchy.append((corpus.get(t.parent).id, t.id))
        for r in t.related:
            other = corpus.get(r).id
            pairs.setdefault(tuple(sorted((t.id, other), key=str.lower)), None)
    description = (f"{_some(len(nodes), 'theory node')} in {_some(len(bands), 'layer')} (one per kind); "
                   f"{_some(len(hierarchy), 'part-of link')}; {_some(len(pairs), 'related link')}. The outline and "
                   "the table on this page give the same structure as text.")
    svg = theory_graph("Theory graph", description, bands, nodes, hierarchy, tuple(pairs), "theory-graph",
                       lambda url: relative("graph/", url))
    rows = graph_rows(corpus, outline)
    chart = Chart("graph/", "theory-graph", "Theory graph", svg, csv_text(
        ("id", "title", "kind", "part of", "related to"),
        ((t.id, t.display_title, kind, parent.id if parent else "", "; ".join(r.id for r in rel))
         for t, kind, parent, rel in rows)), stamp(corpus), "theory-graph")
    return PageSpec("graph/", "graph.html", "Theory graph", {
        "bands": bands, "nodes": tuple(nodes), "hierarchy": tuple(hierarchy), "pairs": tuple(pairs),
        "outline": outline, "svg": svg, "rows": rows, "charts": (chart,), "chart": chart,
    }, section="graph")


def graph_rows(corpus: Corpus, outline: list) -> tuple:
    """(theory, kind label, parent or None, related theories) per node, in outline order: the data
    the graph draws."""
    related = related_index(corpus)
    return tuple((t, label, corpus.get(t.parent) if t.parent else None, related.get(t.id.lower(), ()))
                 for label, items in outline for t, _depth in items)


def _tree_order(corpus: Corpus, items: list[Theory]) -> list[tuple[Theory, int]]:
    """Theories of one kind, parents before their children (depth-first), with their depth."""
    inside = {t.id.lower() for t in items}
    children: dict[str, list[Theory]] = {}
    roots = []
    for t in items:
        if t.parent and t.parent.lower() in inside:
            children.setdefault(t.parent.lower(), []).append(t)
        else:
            roots.append(t)
    out: list[tuple[Theory, int]] = []
    seen: set[str] = set()

    def walk(t: Theory, depth: int) -> None:
        if t.id.lower() in seen:
            return
        seen.add(t.id.lower())
        out.append((t, depth))
        for c in children.get(t.id.lower(), ()):
            walk(c, depth + 1)

    for t in roots:
        walk(t, 0)
    del walk  # (no self-referring closure left for the collector)
    return out
