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
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from types import MappingProxyType
from typing import Any, Iterable, Mapping

import jinja2

from ..content import integrity, urls
from ..content.diagnostics import Location, Report
from ..content.files import write_atomic
from ..content.link import Corpus, body_links, link
from ..content.load import COLLECTIONS, ContentError, SourceFile, display_path, read_source
from ..content.model import Entity, build_entity
from ..content.walk import file_problem, is_content_path
from ..options import BuildOptions
from ..pipeline import RenderJob, build, extra_files
from ..site.pages import collect_pages
from ..site.render import STATIC_DIR, TEMPLATES_DIR, Renderer, make_environment
from ..site.static_files import static_outputs
from ..site.views import PageSpec, nav_items
from ..site.views.memo import Memo
from ..speed.memory import frozen_heap
from ..speed.parallel import effective_jobs, fork_map
from . import delta
from .dependencies import ANY, RecordingCorpus, context_deps, template_closure, update_users, users_of
from .relink import relink

MEMO_STALE = 200
"""Replaced entities after which a rebuild drops the memo values of replaced objects (a scan of the
whole memo, so not after every edit; until then they only take memory)."""

# --- state between rebuilds ---------------------------------------------------------------

@dataclass(frozen=True)
class SiteState:
    """What the last good build produced; ``serve`` keeps it for the next rebuild."""

    options: BuildOptions
    base_url: str
    corpus: Corpus
    entities: Mapping[str, Entity]
    """Content-relative path → entity, in load order."""
    pages: Mapping[str, PageSpec]
    """Site URL → page spec."""
    deps: Mapping[str, frozenset[str]]
    """Site URL → lower-cased ids its output depends on (``*``: any)."""
    nav: tuple[dict, ...]
    extras: frozenset[str]
    """Output paths of the files that are not pages (exports, sitemap)."""
    updated: Mapping[str, str]
    env: jinja2.Environment
    """Template environment kept between rebuilds as a compile cache (its globals are reset per build)."""
    memo: Mapping[tuple, tuple] = field(default_factory=lambda: MappingProxyType({}))
    """Per-entity values the page specs were computed from (row weights, short citations), keyed by
    entity identity (see :mod:`.views.memo`): the next rebuild recomputes them only for new objects."""
    findings: tuple[integrity.Finding, ...] = ()
    """The corpus's integrity findings (diagnostics and the integrity pages share them)."""
    users: Mapping[str, frozenset[str]] = field(default_factory=lambda: MappingProxyType({}))
    """Lower-cased id (or ``*``) → URLs of the pages whose ``deps`` hold it: ``deps`` reversed."""
    stale: int = 0
    """Entities replaced since ``memo`` last dropped the values of replaced objects."""


@dataclass(frozen=True)
class Outcome:
    """Result of one (re)build attempt. ``state`` is None when nothing was written."""

    report: Report
    state: SiteState | None
    rendered: tuple[str, ...] = ()
    """URLs of the pages rendered (and compared with what was on disk)."""
    removed: tuple[str, ...] = ()
    written: tuple[str, ...] = ()
    """Output paths whose content actually changed on disk."""
    full: bool = False
    config_failed: bool = False
    relinked: bool = False
    """The previous corpus's id index and backlinks were reused (see :func:`relink`)."""
    proportional: bool = False
    """Only the page specs the edit can change were recomputed (see :mod:`.views.delta`)."""


@dataclass(frozen=True)
class Changes:
    """What changed since the last good build, sorted by what it affects."""

    content: frozenset[str] = frozenset()
    """Content-relative paths of Markdown files (added, edited or deleted)."""
    config: bool = False
    templates: frozenset[str] = frozenset()
    static: bool = False

    def __bool__(self) -> bool:
        return bool(self.content or self.config or self.templates or self.static)

    def __or__(self, other: "Changes") -> "Changes":
        return Changes(self.content | other.content, self.config or other.config,
                       self.templates | other.templates, self.static or other.static)


def classify(paths: Iterable[Path], content: Path) -> Changes:
    """Sort changed absolute paths into content files, site.yaml, templates and static files."""
    content = content.resolve()
    md, templates, config, static = set(), set(), False, False
    for path in paths:
        path = Path(path).resolve()
        if path == content / "site.yaml":
            config = True
        elif path.is_relative_to(content):
            rel = path.relative_to(content).as_posix()
            parts = rel.split("/")
            if is_content_path(rel):
                md.add(rel)
        elif path.is_relative_to(TEMPLATES_DIR):
            templates.add(path.relative_to(TEMPLATES_DIR).as_posix())
        elif path.is_relative_to(STATIC_DIR):
            static = True
    return Changes(frozenset(md), config, frozenset(templates), static)


# --- rendering and writing ----------------------------------------------------------------

def _render(corpus: Corpus, specs: Iterable[PageSpec], base_url: str, nav: tuple[dict, ...],
            updated: Mapping[str, str], env: jinja2.Environment,
            known: Mapping[str, frozenset[str]] = MappingProxyType({})
            ) -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    """HTML and dependencies of ``specs``. ``known``: URL → ids that include those the page's context
    holds, when they are known already (a spec whose objects were only swapped for same-id ones keeps
    its previous dependencies; the context of a page like a matrix holds thousands of entities)."""
    recorder = RecordingCorpus(corpus)
    renderer = Renderer(recorder, base_url, nav, updated=updated)  # type: ignore[arg-type]
    # Reuse the compiled templates of the previous build (Jinja re-checks each file's mtime):
    # the globals are this build's, so nothing of the previous corpus leaks in.
    env.globals.clear()
    env.globals.update(renderer.env.globals)
    env.filters.update(renderer.env.filters)
    env.tests.update(renderer.env.tests)
    renderer.env = env
    body = renderer.body

    def recorded_body(entity: Entity) -> Any:
        # bodies are rendered once per build and cached: note their [[links]] on every use
        recorder.seen.update(target.lower() for target, _label, _line in body_links(entity))
        return body(entity)

    env.globals["body"] = recorded_body
    html, deps = {}, {}
    for spec in specs:
        seen = recorder.begin()
        html[spec.url] = renderer.render(spec)
        ids = known.get(spec.url)
        deps[spec.url] = frozenset(seen | (context_deps(spec) if ids is None else ids))
    return html, deps


def read_changed(content: Path, rels: Iterable[str], report: Report,
                 follow_outside: bool = False) -> list[SourceFile]:
    """Read the changed files a build would load, without walking the whole tree (the names and
    checks of walk.py: links outside, FIFOs, devices refused). Files that are gone are skipped."""
    out = []
    root = os.path.realpath(content)
    for rel in sorted(rels, key=_walk_key):
        kind = is_content_path(rel)
        if kind is None:
            continue
        path = content / rel
        if path.is_dir() or not os.path.lexists(path):
            continue
        shown = display_path(content, str(content), rel)
        problem = file_problem(str(path), rel, root, follow_outside, folder_checked=False)
        if problem is not None:
            report.error(problem.code, problem.message, Location(shown))
            continue
        try:
            out.append(read_source(path, shown, rel, kind))
        except ContentError as exc:
            report.error(exc.code, exc.message, Location(shown, exc.line))
    return out


def _walk_key(rel: str) -> tuple:
    """Sort key reproducing load order: collection, then os.walk order (files before subfolders)."""
    parts = rel.split("/")
    order = list(COLLECTIONS).index(parts[0]) if parts[0] in COLLECTIONS else len(COLLECTIONS)
    return (order, tuple((1, p) for p in parts[1:-1]) + ((0, parts[-1]),))


def _write_if_changed(output: Path, rel: str, text: str) -> bool:
    path = output / rel
    data = text.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, data)
    return True


def _remove(output: Path, rel: str) -> None:
    path = output / rel
    path.unlink(missing_ok=True)
    parent = path.parent
    while parent != output and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent


def sync_static(output: Path) -> list[str]:
    """Copy changed static files into ``output/static``; remove ones deleted from the package."""
    written, target = [], output / "static"
    present = set()
    for rel, data in static_outputs():
        present.add(rel)
        dst = target / rel
        if not dst.exists() or dst.read_bytes() != data:
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_bytes(data)
            written.append(f"static/{rel}")
    for dst in list(target.rglob("*")) if target.is_dir() else []:
        if dst.is_file() and dst.relative_to(target).as_posix() not in present:
            dst.unlink()
            written.append(f"static/{dst.relative_to(target).as_posix()}")
    return written


# --- the two entry points -----------------------------------------------------------------

def full_build(options: BuildOptions, report: Report | None = None) -> Outcome:
    """:func:`pipeline.build` without the search index (serve indexes in the background) and with a
    render stage that remembers each page's dependencies, for the rebuilds that follow."""
    env = make_environment()
    result = build(replace(options, search=False, cache=False), report, render=partial(_render_recording, env))
    if result.config_failed or not result.written:
        return Outcome(result.report, None, full=True, config_failed=result.config_failed)
    corpus, pages, deps = result.corpus, result.pages, result.rendered
    assert corpus is not None
    state = SiteState(options, result.base_url, corpus, _by_rel(corpus), MappingProxyType({p.url: p for p in pages}),
                      MappingProxyType(dict(deps)), result.nav, frozenset(result.extras), result.updated, env,
                      result.memo, result.findings, MappingProxyType(users_of(deps)))
    return Outcome(result.report, state, rendered=tuple(deps), written=result.files, full=True)


def _render_recording(env: jinja2.Environment, job: RenderJob) -> dict[str, frozenset[str]]:
    """The render stage of serve's full build (see :func:`_render_into`)."""
    return _render_into(job.staging, job.corpus, job.pages, job.base_url, job.nav, job.updated, env, job.jobs)


def _render_into(staging: Path, corpus: Corpus, pages: tuple[PageSpec, ...], base_url: str,
                 nav: tuple[dict, ...], updated: Mapping[str, str], env: jinja2.Environment, jobs: int
                 ) -> dict[str, frozenset[str]]:
    """Render ``pages`` into ``staging`` (in forked workers when ``jobs`` > 1, as ``build`` does) and
    return each page's dependencies, in page order."""
    jobs = effective_jobs(jobs, len(pages))

    def work(share: tuple[PageSpec, ...]) -> dict[str, frozenset[str]]:
        html, deps = _render(corpus, share, base_url, nav, updated, env)
        for url, text in html.items():
            path = staging / urls.output_path(url)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return deps

    found: dict[str, frozenset[str]] = {}
    with frozen_heap() if jobs > 1 else nullcontext():
        for part in fork_map([pages[k::jobs] for k in range(jobs)], work):
            found.update(part)
    return {p.url: found[p.url] for p in pages}


def rebuild(state: SiteState, changes: Changes, report: Report | None = None, extras: bool = True) -> Outcome:
    """Bring the served site up to date with ``changes``; a full build when site.yaml changed.

    ``extras=False`` leaves the exports and sitemap to :func:`write_extras` (serve runs it in
    the background, after the pages are written and the browser reloaded)."""
    report = report or Report()
    options = state.options
    if changes.config:
        return full_build(options, report)
    entities = dict(state.entities)
    changed_ids: set[str] = set()
    pairs: list[tuple[Entity, Entity]] = []
    added_or_removed = False
    fresh = {s.rel: s for s in read_changed(options.content, changes.content, report,
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
    if report.failed(options.strict):
        return Outcome(report, None)
    if added_or_removed:
        entities = dict(sorted(entities.items(), key=lambda kv: _walk_key(kv[0])))
    corpus = relink(state.corpus, pairs) if not added_or_removed else None
    relinked = corpus is not None
    proportional = relinked and not changes.templates and all(delta.neutral(old, new) for old, new in pairs)
    if corpus is None:
        ordered = list(entities.values())
        corpus = replace(link(ordered, state.corpus.config, report), history=state.corpus.history)
        found = integrity.findings(corpus)
    else:  # the checks of a full link, once, shared with the integrity pages
        found = (integrity.refresh(corpus, state.findings, frozenset(new.id.lower() for _old, new in pairs
                                                                      if new.kind == "cmoc"))
                 if proportional else integrity.findings(corpus))
    integrity.report_findings(corpus, report, found)
    if report.failed(options.strict):
        return Outcome(report, None)

    nav = nav_items(corpus)
    memo = Memo(state.memo)
    stale, memo_entries, respecced, known = 0, None, None, {}
    if proportional and nav == state.nav:
        candidates = set(state.users.get(ANY, ())).union(*(state.users.get(i, ()) for i in changed_ids))
        respecced = delta.respec(state.pages, corpus, pairs, candidates, memo, found, state.findings)
    proportional = respecced is not None
    if respecced is not None:  # only some specs recomputed: keep the other entries of the memo
        pages, recomputed = respecced
        stale = state.stale + len(pairs)
        memo_entries = memo.carried(None if stale < MEMO_STALE else lambda o: corpus.by_id.get(o.id.lower()) is o)
        stale = stale if stale < MEMO_STALE else 0
        check = candidates | recomputed
        known = {url: state.deps[url] for url in candidates - recomputed if url in state.deps}
    else:
        memo = Memo(dict(state.memo))  # one flat dict for the many look-ups of a full recomputation
        pages = {p.url: p for p in collect_pages(corpus, memo, found)}
        memo_entries, check = memo.entries, pages.keys()
    closure = template_closure({p.template for p in pages.values()}) if changes.templates else {}
    everything = nav != state.nav

    def affected(url: str, spec: PageSpec) -> bool:
        old_deps = state.deps.get(url)
        if everything or old_deps is None or state.pages.get(url) != spec:
            return True
        if changed_ids and (ANY in old_deps or not old_deps.isdisjoint(changed_ids)):
            return True
        hit = closure.get(spec.template, frozenset())
        return bool(changes.templates & hit) or (ANY in hit and bool(changes.templates))

    todo = [pages[url] for url in (pages if everything else check) if url in pages and affected(url, pages[url])]
    html, new_deps = _render(corpus, todo, state.base_url, nav, state.updated, state.env, known)
    output = options.output.resolve()
    written = [urls.output_path(url) for url, text in html.items()
               if _write_if_changed(output, urls.output_path(url), text)]
    removed = () if proportional else tuple(url for url in state.pages if url not in pages)
    for url in removed:
        _remove(output, urls.output_path(url))
    if changes.static:
        written += sync_static(output)
    deps = dict(state.deps)
    deps.update(new_deps)
    for url in removed:
        del deps[url]
    users = update_users(state.users, state.deps, new_deps, removed)
    new_state = SiteState(options, state.base_url, corpus, MappingProxyType(entities), MappingProxyType(pages),
                          MappingProxyType(deps), nav, state.extras, state.updated, state.env, memo_entries,
                          found, MappingProxyType(users), stale)
    if extras:
        new_state, extra_written = write_extras(new_state)
        written += extra_written
    return Outcome(report, new_state, rendered=tuple(html), removed=removed, written=tuple(written),
                   relinked=relinked, proportional=proportional)


def write_extras(state: SiteState, files: Mapping[str, str] | None = None) -> tuple[SiteState, tuple[str, ...]]:
    """Recompute the exports and sitemap of ``state`` (unless given as ``files``); write the ones
    that differ on disk and remove the ones no longer produced. Returns the state with their names,
    and what changed."""
    output = state.options.output.resolve()
    if files is None:
        files = extra_files(state.corpus, tuple(state.pages.values()), state.base_url)
    written = [rel for rel, text in files.items() if _write_if_changed(output, rel, text)]
    for rel in sorted(state.extras - set(files)):
        _remove(output, rel)
        written.append(rel)
    return replace(state, extras=frozenset(files)), tuple(written)


def _by_rel(corpus: Corpus) -> Mapping[str, Entity]:
    return MappingProxyType(dict(sorted(((e.rel, e) for e in corpus.all()), key=lambda kv: _walk_key(kv[0]))))
