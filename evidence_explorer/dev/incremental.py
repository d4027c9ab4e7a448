"""Incremental rebuilds for ``serve``: re-read changed files, re-link, re-render affected pages.

A full build (:func:`full_build`) renders every page and remembers, per page,
the ids of the entities its output depends on: the entities in its context
(and the ids those entities refer to, including ``[[wikilinks]]``) plus every
id the templates looked up while rendering it (recorded through
:class:`RecordingCorpus`). :func:`rebuild` then

1. re-reads only the changed content files and re-links the corpus (reusing the
   previous id index and backlinks when no relation changed: :mod:`.relink`;
   unchanged entities are the very same objects), with the integrity checks run
   once and shared with the integrity pages;
2. keeps the previous :class:`PageSpec` values and recomputes only those the edit
   can change when it touched only text fields (:mod:`.delta`), else
   recomputes every spec; and re-renders a page when it is new, its spec changed,
   it depends on a changed id, its template (or one it includes) changed, or the
   navigation changed;
3. rewrites the exports and sitemap when they differ, deletes pages that are
   gone, and writes each file atomically into the served directory.

A change to ``site.yaml`` means a full build. Nothing is written unless the
content is valid, so the last good site keeps being served.
"""
from __future__ import annotations

import os
from contextlib import nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from functools import partial
from types import MappingProxyType
from typing import Any, Callable, ContextManager, Mapping

from ..content import integrity, urls
from ..content.diagnostics import Report
from ..content.link import Corpus, link
from ..content.model import Entity
from ..content.validate import build_entity
from ..options import BuildOptions
from ..pipeline import PLAIN_ENV, build
from ..site.pages import collect_pages
from ..site.environment import make_environment
from ..site.render import Renderer
from ..site.search_index import BUNDLE_DIR
from ..site.views import PageSpec, nav_items
from ..site.views.home import with_file_sizes
from ..site.views.memo import Memo, flat
from . import delta, delta_shared
from .dependencies import ANY, kept_rels, template_closure, update_users, users_of
from .changes import Changes
from .export_memo import ExportMemo, kept_over, unchanged_others
from .export_memo import extra_files as memo_extra_files
from .recording import render_recorded, render_recording
from .relink import changed_backlinks, relink
from .search_bundle import carrying
from .reread import read_changed, walk_key  # noqa: F401  (read_changed: tests read it here)
from .served import remove_file, write_if_changed, write_pages
from .state import Outcome, SiteState

MEMO_STALE = 200
"""Replaced entities after which a rebuild drops the memo values of replaced objects (a scan of the
whole memo, so not after every edit; until then they only take memory)."""

# --- the two entry points -----------------------------------------------------------------

def full_build(options: BuildOptions, report: Report | None = None) -> Outcome:
    """:func:`pipeline.build` without the search index (serve indexes in the background; the new site
    gets the bundle served now, :func:`.search_bundle.carrying`) and with a render stage that
    remembers each page's dependencies, for the rebuilds that follow."""
    quick = options.fast_paths and os.environ.get(PLAIN_ENV) != "1"  # (as the build decides)
    env, counted = make_environment(reload=True, quick=quick), {}  # kept for the session: templates may change
    render = partial(render_recording, env, counted)
    if options.search:  # the new site keeps the search files served now until the refresh re-indexes it
        render = carrying(options.output.resolve() / BUNDLE_DIR, render)
    result = build(replace(options, search=False, cache=False), report, render=render)
    if result.config_failed or not result.written:
        return Outcome(result.report, None, full=True, config_failed=result.config_failed)
    corpus, pages, deps = result.corpus, result.pages, result.rendered
    assert corpus is not None
    state = SiteState(options, result.base_url, corpus, by_rel(corpus), MappingProxyType({p.url: p for p in pages}),
                      MappingProxyType(dict(deps)), result.nav, frozenset(result.extras), result.updated, env,
                      result.memo, result.findings, MappingProxyType(users_of(deps)), counted=MappingProxyType(counted))
    return Outcome(result.report, state, rendered=tuple(deps), written=result.files, full=True)


def rebuild(state: SiteState, changes: Changes, report: Report | None = None, extras: bool = True) -> Outcome:
    """Bring the served site up to date with ``changes``; a full build when site.yaml changed.

    ``extras=False`` leaves the exports and sitemap to :func:`write_extras` (serve runs it in
    the background, after the pages are written and the browser reloaded)."""
    report = report or Report()
    if changes.config:
        return full_build(state.options, report)
    ready = prepare(state, changes, report)
    if ready is None:
        return Outcome(report, None)
    return finish(state, changes, ready, report, extras)


def finish(state: SiteState, changes: Changes, ready: "Prepared", report: Report, extras: bool = True,
           guard: Callable[[], ContextManager] = nullcontext) -> Outcome:
    """:func:`rebuild` once the edit is prepared (:func:`prepare`): the pages written (inside
    ``guard()``), and the exports and sitemap unless ``extras`` is False."""
    step = complete(state, changes, ready, report)
    with guard():
        written = write_pages(state.options.output.resolve(), step.html, step.removed, changes.static)
    new_state = step.state
    if extras:
        new_state, extra_written = write_extras(new_state)
        written += extra_written
    return Outcome(report, new_state, rendered=tuple(step.html), removed=step.removed, written=tuple(written),
                   relinked=step.relinked, proportional=step.proportional, structural=step.structural)


@dataclass(frozen=True)
class Step:
    """What :func:`advance` computed: the state after the edit (its ``extras`` still the previous
    ones), the HTML of the pages to write, and the pages gone. Nothing is written yet."""

    state: SiteState
    html: dict[str, str]
    removed: tuple[str, ...]
    relinked: bool
    proportional: bool
    structural: bool = False
    """The specs were recomputed by the structural rules (:mod:`.delta_shared`)."""


def advance(state: SiteState, changes: Changes, report: Report) -> Step | None:
    """The pages ``changes`` (content files and templates, not site.yaml) affect, rendered, and the
    state after them; None when the edit fails the build (reported). Both ``serve``'s rebuilds and
    ``build``'s snapshot path (:mod:`.snapshot_build`) write what it returns."""
    ready = prepare(state, changes, report)
    return None if ready is None else complete(state, changes, ready, report)


@dataclass(frozen=True)
class Prepared:
    """The edit read, validated and linked (:func:`prepare`): everything that can fail a build but
    the integrity findings when they were left to :func:`complete`."""

    edit: "_Edit"
    corpus: Corpus
    relinked: bool
    proportional: bool
    found: tuple[integrity.Finding, ...] | None
    """The integrity findings, reported; None when :func:`complete` is to find and report them."""


def prepare(state: SiteState, changes: Changes, report: Report, findings: bool = True) -> Prepared | None:
    """The changed files re-read and validated, the corpus re-linked; with ``findings`` also its
    integrity findings (reported). None when this fails the build. Findings are warnings or notes,
    never errors, so without ``--strict`` they cannot fail it: ``serve`` leaves them to
    :func:`complete` to show an edited page first (:mod:`.first_look`)."""
    edit = _reread(state, changes, report)
    if report.failed(state.options.strict):
        return None
    corpus, relinked, proportional = _relink(state, edit, changes, report)
    if report.failed(state.options.strict):
        return None
    found = _findings(state, edit, corpus, relinked, proportional, report) if findings else None
    if report.failed(state.options.strict):
        return None
    return Prepared(edit, corpus, relinked, proportional, found)


def complete(state: SiteState, changes: Changes, ready: Prepared, report: Report) -> Step:
    """The page specs after the prepared edit, the pages it affects rendered, and the state after them."""
    edit, corpus, relinked, proportional = ready.edit, ready.corpus, ready.relinked, ready.proportional
    found = ready.found
    if found is None:
        found = _findings(state, edit, corpus, relinked, proportional, report)
    if not relinked:  # pages recorded the backlinks they read by the looked-up id
        edit.changed_ids.update(changed_backlinks(state.corpus, corpus))
    nav = nav_items(corpus)
    structural = relinked and not proportional and not changes.templates and delta_shared.qualifies(edit.pairs)
    specs = _respec(state, edit, corpus, found, nav, proportional, structural)
    pages, proportional = specs.pages, specs.proportional
    closure = template_closure({p.template for p in pages.values()}) if changes.templates else {}
    everything, text_only = nav != state.nav, unchanged_others(edit.pairs, relinked)
    blind = delta.CMOC_TEXT_BLIND if text_only and all(new.kind == "cmoc" for _old, new in edit.pairs) else ()

    def affected(url: str, spec: PageSpec) -> bool:
        old_deps = state.deps.get(url)
        if everything or old_deps is None:
            return True
        if spec.template in blind and url in specs.known:  # only the CMOC swapped in a page blind to its text
            pass
        elif state.pages.get(url) != spec:
            return True
        elif edit.changed_ids and (ANY in old_deps or not edit.changed_ids.isdisjoint(old_deps)) and not (
                text_only and ANY not in old_deps
                and edit.changed_ids.intersection(old_deps) <= state.counted.get(url, set())):
            return True  # (a text edit cannot change what a page only counted)
        hit = closure.get(spec.template, frozenset())
        return bool(changes.templates & hit) or (ANY in hit and bool(changes.templates))

    todo = [pages[url] for url in (pages if everything else specs.check) if url in pages and affected(url, pages[url])]
    rels = kept_rels(state.rels, edit.changed_ids, relinked)
    html, new_deps = render_recorded(corpus, todo, state.base_url, nav, state.updated, state.env, specs.known,
                                     counted=(new_counted := {}), rels=rels)
    removed = () if proportional else tuple(url for url in state.pages if url not in pages)
    deps, counted = dict(state.deps), dict(state.counted)
    deps.update(new_deps)
    for url in (*new_deps, *removed):
        counted.pop(url, None)
    counted.update(new_counted)
    for url in removed:
        del deps[url]
    users = update_users(state.users, state.deps, new_deps, removed)
    new_state = SiteState(state.options, state.base_url, corpus, MappingProxyType(edit.entities),
                          MappingProxyType(pages), MappingProxyType(deps), nav, state.extras, state.updated, state.env,
                          specs.memo, found, MappingProxyType(users), specs.stale, MappingProxyType(counted),
                          state.exports if kept_over(edit.pairs, relinked) else ExportMemo(), rels)
    return Step(new_state, html, removed, relinked, proportional, proportional and structural)


@dataclass(frozen=True)
class _Edit:
    """The changed files read again: the new entities by path and what changed among them."""

    entities: dict[str, Entity]
    pairs: list[tuple[Entity, Entity]]
    """(old, new) for every entity edited in place."""
    changed_ids: set[str]
    added_or_removed: bool


def _reread(state: SiteState, changes: Changes, report: Report) -> _Edit:
    """Read and validate the changed content files against the previous entities."""
    entities = dict(state.entities)
    changed_ids: set[str] = set()
    pairs: list[tuple[Entity, Entity]] = []
    added_or_removed = False
    fresh = {s.rel: s for s in read_changed(state.options.content, changes.content, report,
                                            state.corpus.config.follow_symlinks_outside)}
    for rel in changes.content:
        old = entities.get(rel)
        src = fresh.get(rel)
        new = build_entity(src, state.corpus.config, report) if src is not None else None
        if new is not None:
            entities[rel] = new  # in place when it was there: the load order stays
        elif old is not None:
            del entities[rel]
        if old is not None and new is not None and old == new:
            entities[rel] = old  # unchanged: keep the very object (pages compare by identity first)
            continue
        if old is not None and new is not None:
            pairs.append((old, new))
        else:
            added_or_removed = True
        changed_ids.update(e.id.lower() for e in (old, new) if e is not None)
    if added_or_removed:
        entities = dict(sorted(entities.items(), key=lambda kv: walk_key(kv[0])))
    return _Edit(entities, pairs, changed_ids, added_or_removed)


def _relink(state: SiteState, edit: _Edit, changes: Changes, report: Report) -> tuple[Corpus, bool, bool]:
    """The corpus after the edit (in proportion when no relation changed: :mod:`.relink`); whether it
    was relinked, and whether it can be respecced in proportion."""
    pairs = edit.pairs
    corpus = relink(state.corpus, pairs) if not edit.added_or_removed else None
    relinked = corpus is not None
    proportional = relinked and not changes.templates and all(delta.neutral(old, new) for old, new in pairs)
    if corpus is None:
        corpus = replace(link(list(edit.entities.values()), state.corpus.config, report),
                         history=state.corpus.history)
    return corpus, relinked, proportional


def _findings(state: SiteState, edit: _Edit, corpus: Corpus, relinked: bool, proportional: bool,
              report: Report) -> tuple[integrity.Finding, ...]:
    """The corpus's integrity findings (the checks of a full link, once, shared with the integrity
    pages; in proportion after a text edit), reported."""
    if relinked and proportional:
        found = integrity.refresh(corpus, state.findings,
                                  frozenset(new.id.lower() for _old, new in edit.pairs if new.kind == "cmoc"))
    else:
        found = integrity.findings(corpus)
    integrity.report_findings(corpus, report, found)
    return found


@dataclass(frozen=True)
class _Specs:
    pages: dict[str, PageSpec]
    proportional: bool
    check: Any
    """URLs whose pages may need rendering again."""
    known: Mapping[str, frozenset[str]]
    """URL → dependencies kept from the previous build (specs only swapped for same-id objects)."""
    memo: Any
    stale: int


def _respec(state: SiteState, edit: _Edit, corpus: Corpus, found: tuple[integrity.Finding, ...],
            nav: tuple[dict, ...], proportional: bool, structural: bool) -> _Specs:
    """The page specs after the edit: only those it can change (:mod:`.delta`; after a structural
    edit, :mod:`.delta_shared`), else all of them."""
    memo = Memo(state.memo)
    respecced = None
    if (proportional or structural) and nav == state.nav:
        candidates = set(state.users.get(ANY, ())).union(*(state.users.get(i, ()) for i in edit.changed_ids))
        respecced = (delta.respec(state.pages, corpus, edit.pairs, candidates, memo, found, state.findings)
                     if proportional else delta_shared.respec(state.pages, corpus, edit.pairs, candidates, memo, found))
    if respecced is not None:  # only some specs recomputed: keep the other entries of the memo
        pages, recomputed = respecced
        stale = state.stale + len(edit.pairs)
        memo_entries = memo.carried(None if stale < MEMO_STALE else lambda o: corpus.by_id.get(o.id.lower()) is o)
        known = {url: frozenset(state.deps[url]) - state.counted.get(url, frozenset())  # the ids it reached not only to count
                 for url in candidates - recomputed if url in state.deps}
        return _Specs(pages, True, candidates | recomputed, known, memo_entries, stale if stale < MEMO_STALE else 0)
    memo = Memo(flat(state.memo))  # one flat dict for the many look-ups of a full recomputation
    pages = {p.url: p for p in collect_pages(corpus, memo, found)}
    return _Specs(pages, False, pages.keys(), {}, memo.entries, 0)


def write_extras(state: SiteState, files: Mapping[str, str | bytes] | None = None,
                 guard: Callable[[], ContextManager] = nullcontext,
                 write: Callable[[Path, str, str | bytes], bool] | None = None) -> tuple[SiteState, tuple[str, ...]]:
    """Recompute the exports and sitemap of ``state`` (unless given as ``files``); write the ones
    that differ on disk (through ``write`` when given: ``serve``'s refresh writes a large file
    beside it before taking the output lock for the rename) and remove the ones no longer produced,
    each inside a ``guard()`` (the refresh takes the output lock per file, so a build waits for one
    file at most). Returns the state with their names, and what changed."""
    output = state.options.output.resolve()
    if files is None:
        files = memo_extra_files(state.corpus, tuple(state.pages.values()), state.base_url, Memo(state.memo),
                                 state.exports)
    written = []
    for rel, text in files.items():
        if write is not None:
            if write(output, rel, text):
                written.append(rel)
            continue
        with guard():
            if write_if_changed(output, rel, text):
                written.append(rel)
    data_page = state.pages.get("data/")
    if data_page is not None:  # the data page gives each download's size: rendered with the new files
        renderer = Renderer(state.corpus, state.base_url, state.nav, updated=state.updated)
        page = with_file_sizes((data_page,), files)[0]
        html = renderer.render(page)
        with guard():
            if write_if_changed(output, urls.output_path(page.url), html):
                written.append(urls.output_path(page.url))
    for rel in sorted(state.extras - set(files)):
        with guard():
            remove_file(output, rel)
        written.append(rel)
    return replace(state, extras=frozenset(files)), tuple(written)


def by_rel(corpus: Corpus) -> Mapping[str, Entity]:
    return MappingProxyType(dict(sorted(((e.rel, e) for e in corpus.all()), key=lambda kv: walk_key(kv[0]))))
