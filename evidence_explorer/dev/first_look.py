"""The edited entities' own pages, ahead of the rest of a rebuild (``serve``).

An author who saves a CMOC, a paper or a theory is looking at its page. After a structural edit (a
title, a status, a direction, a relation) the rest of a rebuild, every shared page that lists the
entity, takes seconds at 30,000 entities (the page specs of the theory pages, matrices, review packets
and indexes recomputed, :mod:`.delta_shared`). So once the edit is read, validated and linked
(:func:`.incremental.prepare`: everything that can fail the build), ``serve`` renders the edited
entities' own pages from the new corpus (:func:`first_look`), writes them and reloads the browsers, and
completes the rebuild in the background (:func:`.incremental.complete`), which renders them again
with the rest; until then a request for any page it may change (:func:`held_pages`) waits for it
(:mod:`.serve_http`), so no page is ever served older than the edit once the browsers reloaded.

The HTML is the same as the complete rebuild's for these pages: the same view functions
(``entity_page``, ``theory_pages``) that ``collect_pages`` and :mod:`.delta_shared` call, on the same
corpus, rendered by the same templates (tested on random edits). Only edits in place qualify (no file
added or removed, no id changed, nothing but content changed).
"""
from __future__ import annotations

from typing import Iterable

from ..content import urls
from ..site.views import PageSpec, cmoc, nav_items, paper, theory
from ..site.views.memo import Memo
from .changes import Changes
from .delta_shared import OWN
from .dependencies import ANY
from .incremental import Prepared, SiteState
from .recording import render_recorded

TEMPLATES = {"cmoc.html": "cmoc", "paper.html": "paper", "theory.html": "theory"}
"""The own pages shown first, by template: a page of one entity whose spec the view functions give
for that entity alone."""


def own_specs(state: SiteState, ready: Prepared, viewing: Iterable[str] = ()) -> list[PageSpec]:
    """The own pages of the entities the prepared edit changed in place, then those of ``viewing``
    (output paths of the pages the browsers showed last: a theory page open while one of its CMOCs
    is edited), each once; none when the edit added or removed a file or changed an id (the
    complete rebuild then decides every page)."""
    edit, corpus = ready.edit, ready.corpus
    if edit.added_or_removed or not ready.relinked or any(old.id != new.id for old, new in edit.pairs):
        return []
    ids = [new.id for _old, new in edit.pairs if new.kind in TEMPLATES.values()]
    for rel in viewing:
        spec = state.pages.get(rel.removesuffix("index.html"))
        if spec is not None and spec.entity is not None and spec.template in TEMPLATES:
            ids.append(spec.entity.id)
    memo, related, specs = Memo(state.memo), None, []
    for key in dict.fromkeys(i.lower() for i in ids):
        entity = corpus.find(key)
        if entity is None:
            continue
        if entity.kind == "cmoc":
            specs.append(cmoc.entity_page(corpus, entity))  # type: ignore[arg-type]
        elif entity.kind == "paper":
            specs.append(paper.entity_page(corpus, entity, memo))  # type: ignore[arg-type]
        elif entity.kind == "theory":
            related = theory.related_index(corpus) if related is None else related
            specs.append(next(theory.theory_pages(corpus, entity, memo, related)))  # type: ignore[arg-type]
    return specs


def first_look(state: SiteState, changes: Changes, ready: Prepared, viewing: Iterable[str] = ()) -> dict[str, str]:
    """URL → HTML of the edited entities' own pages after the prepared edit, and of the pages among
    ``viewing`` that are an entity's own (:func:`own_specs`); empty when the changes are not content
    edits in place (templates, static files or site.yaml changed, files added or removed)."""
    if changes.templates or changes.static or changes.config:
        return {}
    specs = own_specs(state, ready, viewing)
    if not specs:
        return {}
    html, _deps = render_recorded(ready.corpus, specs, state.base_url, nav_items(ready.corpus), state.updated,
                                  state.env)
    return html


def held_pages(state: SiteState, ready: Prepared) -> frozenset[str] | None:
    """Output paths of the pages the complete rebuild of the prepared edit may still change (``serve``
    holds requests for them until it is done); None when that may be any page (the navigation
    changed). A CMOC's or paper's own page (:data:`.delta_shared.OWN`, two thirds of a large site)
    is recomputed only from what it holds or looks up, which its recorded dependencies name: one that
    depends on no edited entity keeps its spec and its HTML; every other page may change. Checked on
    random edits (``tests/test_incremental_random.py``: no page outside this set is rewritten)."""
    if nav_items(ready.corpus) != state.nav:
        return None
    users = state.users
    held = set(users.get(ANY, ())).union(*(users.get(i, ()) for i in ready.edit.changed_ids))
    held.update(url for url, spec in state.pages.items() if spec.template not in OWN)
    return frozenset(urls.output_path(url) for url in held)
