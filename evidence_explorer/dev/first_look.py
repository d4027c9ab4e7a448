"""The edited entities' own pages, ahead of the rest of a rebuild (``serve``).

An author who saves a CMOC, a paper or a theory is looking at its page. After a structural edit (a
title, a status, a direction, a relation) the rest of a rebuild, every shared page that lists the
entity, takes seconds at 30,000 entities (the page specs of the theory pages, matrices, review packets
and indexes recomputed, :mod:`.delta_shared`). So once the edit is read, validated and linked
(:func:`.incremental.prepare`: everything that can fail the build), ``serve`` renders the edited
entities' own pages from the new corpus (:func:`first_look`), writes them and reloads the browsers, and
completes the rebuild in the background (:func:`.incremental.complete`), which renders them again
with the rest; until then a request for any other page waits for it (:mod:`.serve_http`), so no
page is ever served older than the edit once the browsers reloaded.

The HTML is the same as the complete rebuild's for these pages: the same view functions
(``entity_page``, ``theory_pages``) that ``collect_pages`` and :mod:`.delta_shared` call, on the same
corpus, rendered by the same templates (tested on random edits). Only edits in place qualify (no file
added or removed, no id changed, nothing but content changed).
"""
from __future__ import annotations

from ..site.views import PageSpec, cmoc, nav_items, paper, theory
from ..site.views.memo import Memo
from .changes import Changes
from .incremental import Prepared, SiteState
from .recording import render_recorded

KINDS = ("cmoc", "paper", "theory")
"""Kinds whose own page is shown first."""


def own_specs(state: SiteState, ready: Prepared) -> list[PageSpec]:
    """The own pages of the entities the prepared edit changed in place (none when it added or removed
    a file or changed an id: the complete rebuild then decides every page)."""
    edit, corpus = ready.edit, ready.corpus
    if edit.added_or_removed or not ready.relinked:
        return []
    memo, related, specs = Memo(state.memo), None, []
    for old, new in edit.pairs:
        if old.id != new.id or new.kind not in KINDS:
            continue
        entity = corpus.get(new.id)
        if new.kind == "cmoc":
            specs.append(cmoc.entity_page(corpus, entity))  # type: ignore[arg-type]
        elif new.kind == "paper":
            specs.append(paper.entity_page(corpus, entity, memo))  # type: ignore[arg-type]
        else:
            related = theory.related_index(corpus) if related is None else related
            specs.append(next(theory.theory_pages(corpus, entity, memo, related)))  # type: ignore[arg-type]
    return specs


def first_look(state: SiteState, changes: Changes, ready: Prepared) -> dict[str, str]:
    """URL → HTML of the edited entities' own pages after the prepared edit; empty when the changes
    are not content edits in place (templates, static files or site.yaml changed, files added or
    removed)."""
    if changes.templates or changes.static or changes.config:
        return {}
    specs = own_specs(state, ready)
    if not specs:
        return {}
    html, _deps = render_recorded(ready.corpus, specs, state.base_url, nav_items(ready.corpus), state.updated,
                                  state.env)
    return html
