"""Rendering pages while noting what each depends on (``serve`` and ``build``'s page cache).

Each page's dependencies are the lower-cased ids of the entities in its context and those the
templates looked up while rendering it (through :class:`~.dependencies.RecordingCorpus`). Ids the
page reached only through the ``evidence`` helper (:func:`~evidence_explorer.content.evidence.evidence_of`:
the CMOCs, papers and maps behind a theory or a question, which templates count and never quote)
are also noted apart, as the page's *counted* ids: an edit of an entity's text fields cannot change
such a page (``incremental.advance`` does not render it again for one).
"""
from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Iterable, Mapping

import jinja2

from ..content import urls
from ..content.link import Corpus, body_links
from ..content.model import Entity
from ..pipeline import RenderJob
from ..site.render import Renderer
from ..site.views import PageSpec
from ..speed.memory import frozen_heap
from ..speed.parallel import effective_jobs, fork_map
from .dependencies import RecordingCorpus, context_deps


def render_recorded(corpus: Corpus, specs: Iterable[PageSpec], base_url: str, nav: tuple[dict, ...],
                    updated: Mapping[str, str], env: jinja2.Environment,
                    known: Mapping[str, frozenset[str]] = MappingProxyType({}),
                    markdown_cache: Any = None, quick_inline: bool = True,
                    counted: dict[str, frozenset[str]] | None = None, rels: dict | None = None,
                    sink: Callable[[PageSpec, str], None] | None = None
                    ) -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    """HTML and dependencies of ``specs``. ``known``: URL → ids that include those the page's context
    holds, when they are known already (a spec whose objects were only swapped for same-id ones keeps
    its previous dependencies; the context of a page like a matrix holds thousands of entities).
    ``markdown_cache`` and ``quick_inline`` as for :class:`Renderer` (``build``'s page cache passes them).
    ``counted``: filled with URL → the page's counted ids (module docstring), for pages that have any.
    ``rels``: backlink look-ups kept from earlier rebuilds (:func:`~.dependencies.kept_rels`), filled here.
    ``sink``: given each page's HTML as it is rendered, which is then not kept (the HTML returned is
    empty): ``build``'s page cache and serve's first build write the pages one by one (all of a
    share's HTML held at once peaked a 30,200-entity ``build --page-cache`` at 2 GB)."""
    recorder = RecordingCorpus(corpus, rels)
    renderer = Renderer(recorder, base_url, nav, updated=updated, recorder=recorder,  # type: ignore[arg-type]
                        markdown_cache=markdown_cache, quick_inline=quick_inline)
    # Reuse the compiled templates of the previous build (Jinja re-checks each file's mtime):
    # the globals are this build's, so nothing of the previous corpus leaks in.
    env.globals.clear()
    env.globals.update(renderer.env.globals)
    env.filters.update(renderer.env.filters)
    env.tests.update(renderer.env.tests)
    renderer.env = env
    body, evidence = renderer.body, env.globals["evidence"]
    page: dict[str, Any] = {"seen": None, "counted": set()}

    def recorded_body(entity: Entity) -> Any:
        # bodies are rendered once per build and cached: note their [[links]] on every use
        recorder.seen.update(target.lower() for target, _label, _line in body_links(entity))
        return body(entity)

    def counted_evidence(entity: Entity) -> Any:
        if recorder.seen is not page["seen"]:  # inside a cached fragment: noted as any look-up
            return evidence(entity)
        recorder.seen = page["counted"]
        try:
            return evidence(entity)
        finally:
            recorder.seen = page["seen"]

    env.globals["body"] = recorded_body
    env.globals["evidence"] = counted_evidence
    html, deps = {}, {}
    for spec in specs:
        seen = page["seen"] = recorder.begin()
        page["counted"] = set()
        text = renderer.render(spec)
        if sink is None:
            html[spec.url] = text
        else:
            sink(spec, text)
        ids = known.get(spec.url)
        direct = seen | (context_deps(spec) if ids is None else ids)
        deps[spec.url] = frozenset(direct | page["counted"])
        if counted is not None and not page["counted"] <= direct:
            counted[spec.url] = frozenset(page["counted"] - direct)
    return html, deps


def render_recording(env: jinja2.Environment, counted: dict[str, frozenset[str]], job: RenderJob
                     ) -> dict[str, frozenset[str]]:
    """The render stage of serve's full build (see :func:`render_into`)."""
    return render_into(job.staging, job.corpus, job.pages, job.base_url, job.nav, job.updated, env, job.jobs,
                       counted)


def render_into(staging: Path, corpus: Corpus, pages: tuple[PageSpec, ...], base_url: str,
                nav: tuple[dict, ...], updated: Mapping[str, str], env: jinja2.Environment, jobs: int,
                counted: dict[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    """Render ``pages`` into ``staging`` (in forked workers when ``jobs`` > 1, as ``build`` does) and
    return each page's dependencies, in page order; ``counted`` is filled as by :func:`render_recorded`."""
    jobs = effective_jobs(jobs, len(pages))

    def write(spec: PageSpec, text: str) -> None:  # each page as it is rendered: not the share's HTML at once
        path = staging / urls.output_path(spec.url)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def work(share: tuple[PageSpec, ...]) -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
        mine: dict[str, frozenset[str]] = {}
        deps = render_recorded(corpus, share, base_url, nav, updated, env, counted=mine, sink=write)[1]
        return deps, mine

    found: dict[str, frozenset[str]] = {}
    with frozen_heap() if jobs > 1 else nullcontext():
        for part, mine in fork_map([pages[k::jobs] for k in range(jobs)], work):
            found.update(part)
            counted.update(mine)
    return {p.url: found[p.url] for p in pages}
