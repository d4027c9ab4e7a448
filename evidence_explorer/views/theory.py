"""Theory index and theory pages."""
from __future__ import annotations

from typing import Iterator

from ..link import Corpus
from ..model import Theory
from . import PageSpec


def breadcrumb(corpus: Corpus, theory: Theory) -> list[Theory]:
    trail, node, seen = [], theory, set()
    while node.parent and node.parent.lower() not in seen:
        seen.add(node.parent.lower())
        node = corpus.get(node.parent)  # type: ignore[assignment]
        trail.append(node)
    return list(reversed(trail))


def pages(corpus: Corpus) -> Iterator[PageSpec]:
    kinds = corpus.config.theory_kinds
    groups = [(key, label, [t for t in corpus.theories if t.theory_kind == key]) for key, label in kinds.items()]
    yield PageSpec("theories/", "theories.html", "Programme theory", {"groups": groups}, section="theories")
    for t in corpus.theories:
        cmocs = corpus.rel("theory_cmocs", t.id)
        relations = {}
        for c in cmocs:
            for link in c.theories:
                if link.theory.lower() == t.id.lower():
                    relations[c.id] = link.relation
        yield PageSpec(t.page_url, "theory.html", f"{t.id}: {t.title}", {
            "e": t, "trail": breadcrumb(corpus, t), "children": corpus.rel("theory_children", t.id),
            "cmocs": cmocs, "relations": relations, "maps": corpus.rel("theory_maps", t.id),
            "coded_papers": corpus.rel("theory_coded_papers", t.id), "papers": corpus.rel("theory_papers", t.id),
            "related": tuple(corpus.get(r) for r in t.related),
            "questions": tuple(corpus.get(q) for q in t.question),
        }, section="theories", sources=(t.id,), entity=t)
