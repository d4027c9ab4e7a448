"""Page specs after a structural edit (``serve``): the CMOCs' and papers' own pages in proportion.

A CMOC's title, status or direction, its relation to a theory, a paper's title or year, a theory's
title…: lists, groupings, counts, paginations, matrices, filters and the integrity pages may all
change, so :mod:`.delta`'s swap does not apply. But most of a large site is the CMOCs' and papers'
own pages (two thirds and one third of its entities), and such a page reads only its entity and
the entities it holds or looks up, which its recorded dependencies name. So when the edit kept every
relation and position (the corpus was re-linked in proportion, :mod:`.relink`) and changed only
fields of :data:`STRUCTURAL`, :func:`respec` recomputes every other page in full
(``collect_pages(..., own_pages=False)``) and, of the own pages, only those that depend on an edited
entity; after an edit of CMOCs alone, of the theory pages only those of the theories they link to
(:func:`_edited_theories`). The result equals ``collect_pages`` on the new corpus (tested on random edits of these
fields); a field not listed, or a list that gains or loses a page, gives None: the caller then
recomputes every spec.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from ..content import integrity
from ..content.link import Corpus
from ..content.model import Entity
from ..site.pages import collect_pages
from ..site.views import PageSpec, cmoc, home, maps, paper, theory
from ..site.views.memo import Memo
from .delta import NEUTRAL, changed_fields, substitute, swap_map

_RECORDS = ("status", "review_note", "reviewed", "line")
"""Review fields of a CMOC's source or theory link (the link's ``relation`` is listed on its own)."""
STRUCTURAL: Mapping[str, frozenset[str]] = {
    "cmoc": NEUTRAL["cmoc"] | {"title", "direction", "status", "reviewed", "summary", "confidence", "facets",
                               "theories.relation", *(f"{name}.{f}" for name in ("sources", "theories")
                                                      for f in _RECORDS)},
    "paper": NEUTRAL["paper"] | {"title", "authors", "year", "design", "country", "quality", "status",
                                 "doi", "facets", "lines", *(f"theories.{f}" for f in _RECORDS)},
    "theory": NEUTRAL["theory"] | {"title", "statement", "status", "summary", "confidence", "examined",
                                   "facets", "lines"},
}
"""Per kind, the fields an edit may change and still be handled by :func:`respec` (besides the
relations, which the re-link kept): fields that a CMOC's or paper's own page shows only of the
entities that page holds or looks up. A theory's ``theory_kind`` (its place in the navigation's
groupings) and ``order`` (its position) are not; nor are other kinds' fields."""

OWN = {"cmoc.html", "paper.html"}
"""Templates of the CMOCs' and papers' own pages (left out by ``collect_pages(own_pages=False)``)."""

UNREAD: Mapping[str, tuple[tuple[Any, frozenset[str]], ...]] = {
    "cmoc": ((home, frozenset({"home.html", "pages.html", "page.html", "glossary.html", "data.html", "404.html"})),
             (maps, frozenset({"maps.html", "map.html"})), (paper, frozenset({"papers.html"}))),
    "paper": ((home, frozenset({"home.html", "pages.html", "page.html", "glossary.html", "data.html", "404.html"})),
              (cmoc, frozenset({"cmocs.html"}))),
}
"""Per edited kind, the page families (and their templates, but the own pages') that show none of
that kind's :data:`STRUCTURAL` fields except of the entities they hold: their specs are kept, with
the edited entities swapped in (:func:`.delta.substitute`), instead of recomputed. Home and free
pages count entities and list theories; the maps list papers by map row and name theories; the
paper tables show a paper's theories and reviews, never its CMOCs; the CMOC index no paper."""


def qualifies(pairs: Iterable[tuple[Entity, Entity]]) -> bool:
    """Whether every edit (old, new) changed only fields of :data:`STRUCTURAL` for its kind."""
    return all(type(old) is type(new) and old.kind in STRUCTURAL
               and changed_fields(old, new) <= STRUCTURAL[old.kind] for old, new in pairs)


def respec(pages: Mapping[str, PageSpec], corpus: Corpus, pairs: list[tuple[Entity, Entity]],
           candidates: Iterable[str], memo: Memo, findings: tuple[integrity.Finding, ...]
           ) -> tuple[dict[str, PageSpec], set[str]] | None:
    """The specs of ``corpus`` from the previous ``pages``: every page but the own pages and those
    of the families :data:`UNREAD` for every edited kind recomputed; of those, the pages among
    ``candidates`` (the pages depending on an edited entity) recomputed (own pages) or swapped.
    Returns the specs (in the previous order) and the URLs recomputed; None when the pages
    recomputed are not the same URLs as before."""
    kinds = {new.kind for _old, new in pairs}
    per_theory = kinds == {"cmoc"}
    unread = [(family, templates) for family, templates in UNREAD.get(kinds.pop(), ())] if len(kinds) == 1 else []
    kept = OWN.union(*(templates for _f, templates in unread))
    leave_out = tuple(f for f, _t in unread) + ((theory,) if per_theory else ())
    shared = {s.url: s for s in collect_pages(corpus, memo, findings, own_pages=False, leave_out=leave_out)}
    recomputed_before: set[str] = set()
    if per_theory:
        kept = kept | THEORY_FAMILY
        theory_specs, recomputed_before = _edited_theories(pages, corpus, pairs, memo)
        shared.update(theory_specs)
    before = [url for url, spec in pages.items() if spec.template not in kept or url in recomputed_before]
    if len(before) != len(shared) or not all(url in shared for url in before):
        return None
    out = dict(pages)
    out.update(shared)
    recomputed = set(shared)
    swap, done = swap_map(pairs), {}
    for url in candidates:
        spec = pages.get(url)
        if spec is None or spec.template not in kept or url in shared:  # (a theory's pages recomputed)
            continue
        if spec.template not in OWN:
            out[url] = substitute(spec, swap, done)
            continue
        entity = corpus.get(spec.entity.id)
        out[url] = (cmoc.entity_page(corpus, entity) if spec.template == "cmoc.html"  # type: ignore[arg-type]
                    else paper.entity_page(corpus, entity, memo))  # type: ignore[arg-type]
        recomputed.add(url)
    return out, recomputed


THEORY_FAMILY = frozenset({"theories.html", "graph.html", "theory.html", "theory_cmocs.html"})
"""Templates of :mod:`~evidence_explorer.site.views.theory`'s pages."""


def _edited_theories(pages: Mapping[str, PageSpec], corpus: Corpus, pairs: list[tuple[Entity, Entity]],
                     memo: Memo) -> tuple[dict[str, PageSpec], set[str]]:
    """After an edit of CMOCs alone: the pages of the theories they link to, recomputed, and the URLs
    those theories had before (for the caller's check that no list gained or lost a page); every
    other page of the theory family is kept as it was. A theory's pages (``theory.theory_pages``)
    hold CMOCs only through its own ``theory_cmocs`` list; the theory index and graph hold none. (The
    counts a template looks up at render time are recorded dependencies, which send those pages to
    the render.)"""
    ids = {link.theory.lower() for old, new in pairs for c in (old, new) for link in c.theories}  # type: ignore[attr-defined]
    related, out = theory.related_index(corpus), {}
    for t in corpus.theories:
        if t.id.lower() in ids:
            out.update((spec.url, spec) for spec in theory.theory_pages(corpus, t, memo, related))
    before = {url for url, spec in pages.items()
              if (spec.template == "theory.html" and spec.entity.id.lower() in ids)
              or (spec.template == "theory_cmocs.html" and spec.context["e"].id.lower() in ids)}
    return out, before
