"""Theory index, theory pages and the theory graph."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Mapping

from ..config import SiteConfig
from ..link import Corpus
from ..model import RELATIONS, Cmoc, EvidenceMap, Paper, Source, Theory
from ..render import facet_values
from ..svg_graph import GraphNode, theory_graph
from . import PageSpec
from .pagination import theory_papers_url

RELATION_HEADINGS = {"supports": "Supporting configurations", "refutes": "Refuting configurations",
                     "refines": "Refining configurations"}
DIRECTION_HEADINGS = (("enabler", "Enablers"), ("barrier", "Barriers"), (None, "Direction not stated"))


@dataclass(frozen=True)
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

    @property
    def count(self) -> int:
        return sum(len(entries) for _h, entries in self.columns)


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
    """(label, count) of papers by evidence type (facet order; unclassified last)."""
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
    if "" in counts:
        out.append(("Not classified", counts[""]))
    return tuple(out)


def cmoc_groups(corpus: Corpus, theory: Theory) -> tuple[CmocGroup, ...]:
    """The theory's CMOCs by relation (supports / refutes / refines), each split by direction when any
    CMOC of the theory has a direction."""
    entries = []
    for c in corpus.rel("theory_cmocs", theory.id):
        assert isinstance(c, Cmoc)
        relation = next((x.relation for x in c.theories if x.theory.lower() == theory.id.lower()), "supports")
        sources = tuple((s, corpus.get(s.paper)) for s in c.sources)
        entries.append(CmocEntry(c, relation, sources))  # type: ignore[arg-type]
    split = any(e.cmoc.direction for e in entries)
    groups = []
    for relation in RELATIONS:
        mine = [e for e in entries if e.relation == relation]
        if not mine:
            continue
        if split:
            columns = tuple((heading, tuple(e for e in mine if e.cmoc.direction == d))
                            for d, heading in DIRECTION_HEADINGS)
            columns = tuple(col for col in columns if col[1] or col[0] != "Direction not stated")
        else:
            columns = (("", tuple(mine)),)
        groups.append(CmocGroup(relation, RELATION_HEADINGS[relation], columns))
    return tuple(groups)


def map_rows(corpus: Corpus, m: EvidenceMap) -> list:
    return [(row, tuple(corpus.get(p) for p in row.papers)) for row in m.rows]


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


def pages(corpus: Corpus) -> Iterator[PageSpec]:
    kinds = corpus.config.theory_kinds
    groups = [(key, label, [t for t in corpus.theories if t.theory_kind == key]) for key, label in kinds.items()]
    yield PageSpec("theories/", "theories.html", "Programme theory", {"groups": groups}, section="theories")
    yield graph_page(corpus, groups)
    related = related_index(corpus)
    from .maps import map_title
    for t in corpus.theories:
        papers = corpus.rel("theory_papers", t.id)
        maps = corpus.rel("theory_maps", t.id)
        yield PageSpec(t.page_url, "theory.html", f"{t.id}: {t.title}", {
            "e": t, "trail": breadcrumb(corpus, t), "children": corpus.rel("theory_children", t.id),
            "cmoc_groups": cmoc_groups(corpus, t), "n_cmocs": len(corpus.links.theory_cmocs.get(t.id.lower(), ())),
            "maps": tuple((m, map_title(corpus, m), map_rows(corpus, m)) for m in maps),  # type: ignore[arg-type]
            "coded_papers": corpus.rel("theory_coded_papers", t.id), "papers": papers,
            "papers_url": theory_papers_url(t.page_url, len(papers)),
            "type_counts": evidence_type_counts(corpus, papers),  # type: ignore[arg-type]
            "related_groups": related_groups(corpus, t, related),
            "questions": tuple(corpus.get(q) for q in t.question),
            "reviews": tuple(corpus.get(r) for r in t.review),
        }, section="theories", sources=(t.id,), entity=t)


def graph_page(corpus: Corpus, groups: list) -> PageSpec:
    """The theory graph (SVG) with a text outline of the same structure."""
    bands, nodes, hierarchy, pairs, outline = [], [], [], {}, []
    for b, (_key, label, items) in enumerate(g for g in groups if g[2]):
        bands.append(label)
        ordered = _tree_order(corpus, items)
        nodes += [GraphNode(t.id, t.title, t.page_url, b) for t, _depth in ordered]
        outline.append((label, ordered))
    for t in corpus.theories:
        if t.parent:
            hierarchy.append((corpus.get(t.parent).id, t.id))
        for r in t.related:
            other = corpus.get(r).id
            pairs.setdefault(tuple(sorted((t.id, other), key=str.lower)), None)
    return PageSpec("graph/", "graph.html", "Theory graph", {
        "bands": bands, "nodes": tuple(nodes), "hierarchy": tuple(hierarchy), "pairs": tuple(pairs),
        "outline": outline, "graph": theory_graph,
    }, section="theories")


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
    return out
