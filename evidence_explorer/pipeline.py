"""``build()``: the stages in order, each one named call.

load (``site.yaml``, then every content file) → validate → link → check (integrity, once) → pages →
exports → render → index (Pagefind) → publish (atomic swap). Nothing is written until the check
has passed; output goes to a staging directory beside the target and is swapped in only when
everything succeeded. Accelerators come in from outside: worker processes (``options.jobs``), the
Markdown cache (``options.cache``), the libyaml and inline-Markdown fast paths
(``options.fast_paths``), memory tuning, and the render stage itself (``serve`` passes one that
records each page's dependencies). :func:`plain` turns every one of them off.
"""
from __future__ import annotations

import gc
import os
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, Callable, Mapping, TypeVar

from .content import integrity, urls
from .content.changelog import read_history
from .content.config import SiteConfig, load_config
from .content.diagnostics import BuildError, Report
from .content.gitinfo import last_updated
from .content.link import Corpus, link
from .content.validate import Invalid, load_entities
from .exports.advisory_sheet import links_csv_bytes, links_csv_layout
from .exports.data import export_layouts, exports
from .exports.layout import Layout
from .options import BuildOptions
from .site.feed import atom_feed
from .site.charts import chart_files
from .site.pages import collect_pages
from .site.publish import OutputError, check_output, describe_os_error, open_staging, remove_tree, swap, write_files
from .site.render import Renderer, write_pages
from .site.search_index import index_site
from .site.sitemap import sitemap
from .site.views import PageSpec, nav_items
from .site.views.changes import FEED_URL
from .site.views.home import with_file_sizes
from .site.views.memo import Memo
from .site.views.paper_table import JSON_URL, papers_json, papers_json_layout
from .speed.background import remove_later
from .speed.cache import MarkdownCache, cache_root
from .speed.memory import aged, collector_paused, frozen_heap, release_free_memory
from .speed.parallel import Idle, render_pages, side_by_side
from .speed.prefill import warm_render
from .speed.parallel_load import load_all

PLAIN_ENV = "EVIDENCE_EXPLORER_PLAIN"
"""Set to 1 to build with every accelerator off (one process, no caches, no memory tuning)."""


def plain(options: BuildOptions) -> BuildOptions:
    """``options`` with every accelerator off; the site is byte for byte the same (tested)."""
    return replace(options, jobs=1, cache=False, fast_paths=False, tune_memory=False)


def accelerated(options: BuildOptions) -> bool:
    """Whether any accelerator is on; without one, every stage runs in the core alone."""
    return options != plain(options)


@dataclass(frozen=True)
class RenderJob:
    """What the render stage gets: the pages and everything a :class:`Renderer` needs."""

    pages: tuple[PageSpec, ...]
    corpus: Corpus
    base_url: str
    nav: tuple[dict, ...]
    updated: Mapping[str, str]
    staging: Path
    jobs: int
    cache: MarkdownCache | None
    fast_paths: bool = True
    extras: tuple[str, ...] = ()
    """The output paths already written into ``staging`` besides the static files (exports, sitemap)."""


RenderStage = Callable[[RenderJob], Mapping[str, Any]]
"""Renders every page of a job into its staging folder; returns something per page URL."""

ExportStage = Callable[[Path, Corpus, str, Memo], tuple[dict[str, int], Any]]
"""Writes the exports drawn from the corpus alone (:func:`corpus_parts`) into the staging folder;
returns their sizes, in order, and whatever it keeps for the caller (:attr:`BuildResult.exported`):
:func:`write_exports` keeps nothing; ``build --page-cache`` keeps where it put the exports'
per-entity fragments (``dev/export_memo.py``). It runs in the child of an accelerated build."""

A = TypeVar("A")
B = TypeVar("B")
SplitStage = Callable[[Callable[[], A], Callable[[], B], Idle], tuple[A, B]]
"""Runs two independent stages (the page specs; the exports drawn from the corpus alone) and returns
both results: one after the other (:func:`one_after_other`), or side by side in two processes
(``speed.parallel.side_by_side``). The exports' part writes its files into the staging folder
and returns only their sizes. The third argument is what the first process may do while it waits
for the second (``speed.prefill.warm_render``); one after the other, nobody waits."""


def render_plainly(job: RenderJob) -> Mapping[str, Any]:
    """The render stage of a plain build: one renderer, one page after the other (site/render.py)."""
    renderer = Renderer(job.corpus, job.base_url, job.nav, updated=job.updated, quick_inline=job.fast_paths)
    write_pages(job.pages, renderer, job.staging)
    return dict.fromkeys(p.url for p in job.pages)


def render_in_workers(job: RenderJob) -> Mapping[str, Any]:
    """The default render stage: :func:`speed.parallel.render_pages`, ``jobs`` worker processes."""
    make_renderer = partial(Renderer, job.corpus, job.base_url, job.nav, updated=job.updated,
                            markdown_cache=job.cache, quick_inline=job.fast_paths)
    render_pages(job.pages, make_renderer, job.staging, job.jobs, job.cache)
    return dict.fromkeys(p.url for p in job.pages)


@dataclass(frozen=True)
class BuildResult:
    report: Report
    corpus: Corpus | None = None
    pages: tuple[PageSpec, ...] = ()
    written: bool = False
    config_failed: bool = False
    files: tuple[str, ...] = field(default=())
    findings: tuple[integrity.Finding, ...] = ()
    base_url: str = ""
    nav: tuple[dict, ...] = ()
    updated: Mapping[str, str] = field(default_factory=dict)
    rendered: Mapping[str, Any] = field(default_factory=dict)
    """What the render stage returned per page URL (``serve``: each page's dependencies)."""
    memo: Mapping = field(default_factory=dict)
    """The views' per-entity values (``serve`` carries them to the next rebuild)."""
    extras: tuple[str, ...] = ()
    """The output files that are not pages (exports, sitemap)."""
    exported: Any = None
    """What the export stage kept (:data:`ExportStage`)."""


def build(options: BuildOptions, report: Report | None = None, write: bool = True,
          render: RenderStage | None = None, spare: bool = False, export: ExportStage | None = None) -> BuildResult:
    """The whole build; ``write=False`` stops after the check (the ``check`` command). ``spare``: stage
    into the site the last build replaced (kept beside the output) and keep the one this build
    replaces (``build``'s page cache, ``dev/page_cache.py``, passes its render stage with it, and
    an export stage that keeps the exports' fragments)."""
    report = report or Report()
    if os.environ.get(PLAIN_ENV) == "1":
        options = plain(options)
    config = load_config(content_dir(options.content), report)
    if config is None:
        return BuildResult(report, config_failed=True)
    entities, invalid = load_and_validate(options, config, report)
    with collector_paused() if options.tune_memory else nullcontext():  # (see :func:`all_specs`)
        corpus = link(entities, config, report, invalid)
        findings = check(corpus, report)
    if report.failed(options.strict) or not write:
        return BuildResult(report, corpus)
    corpus = replace(corpus, history=read_history(options.content, fast=options.fast_paths))
    with frozen_heap() if options.tune_memory else nullcontext():  # the corpus lives to the end
        return publish(options, report, corpus, findings,
                       render or (render_in_workers if accelerated(options) else render_plainly),
                       spare and options.cache,
                       partial(side_by_side, options.jobs)
                       if accelerated(options) else one_after_other, export or write_exports)


def content_dir(content: Path) -> Path:
    if not content.is_dir():
        found = "is a file, not a folder" if content.exists() else "not found"
        raise BuildError(f"content directory '{content}' {found}")
    return content


def load_and_validate(options: BuildOptions, config: SiteConfig, report: Report) -> tuple[list, Invalid]:
    """Every content file read and validated into an entity: in ``options.jobs`` worker processes
    with the collector paused (speed/parallel_load.py), or plainly, one file after the other."""
    if accelerated(options):
        return load_all(options.content, str(options.content), config, report, options.jobs, options.fast_paths)
    return load_entities(options.content, str(options.content), config, report, options.fast_paths)


def check(corpus: Corpus, report: Report) -> tuple[integrity.Finding, ...]:
    """The integrity checks, once per build: reported, and kept for the integrity pages."""
    found = integrity.findings(corpus)
    integrity.report_findings(corpus, report, found)
    return found


def load_corpus(content: Path, report: Report, jobs: int = 1) -> Corpus | None:
    """Load, validate, link and check an evidence base (what ``check`` and the tools need).
    None when site.yaml is unusable."""
    config = load_config(content_dir(content), report)
    if config is None:
        return None
    entities, invalid = load_and_validate(BuildOptions(content=content, jobs=jobs), config, report)
    corpus = link(entities, config, report, invalid)
    check(corpus, report)
    return corpus


def one_after_other(first: Callable[[], A], second: Callable[[], B], idle: Idle | None = None) -> tuple[A, B]:
    """The page specs, then the exports, in this process (a plain build's :data:`SplitStage`)."""
    a = first()
    return a, second()


def publish(options: BuildOptions, report: Report, corpus: Corpus, findings: tuple[integrity.Finding, ...],
            render: RenderStage, spare: bool = False, split: SplitStage = one_after_other,
            export: ExportStage | None = None) -> BuildResult:
    """Pages, exports, render, index and the swap. Every write of the build happens here: an I/O
    failure (disk full, a read-only folder…) removes the staging folder, leaves the previous site
    as it was and becomes an :class:`OutputError` naming the path and the system's error (exit 2)."""
    base_url = urls.normalise_base_url(options.base_url or corpus.config.base_url)
    output = options.output.resolve()
    check_output(output, options.content.resolve())
    nav, updated = nav_items(corpus), last_updated(options.content)
    memo = Memo()
    cache = None
    try:
        cache = MarkdownCache.open(cache_root(output), f"{base_url}|{corpus.config.allow_raw_html}") \
            if options.cache else None
        job = partial(RenderJob, corpus=corpus, base_url=base_url, nav=nav, updated=updated, jobs=options.jobs,
                      cache=cache, fast_paths=options.fast_paths)
        pages, (extras, kept), rendered = _write_all(
            options, report, output, base_url, partial(all_specs, corpus, memo, findings, options.tune_memory),
            partial(export or write_exports, corpus=corpus, base_url=base_url, memo=memo), split, job, render, cache,
            spare)
    except OSError as exc:
        raise OutputError(f"cannot write the site '{output}': {describe_os_error(exc)}; "
                          "the published site is unchanged") from exc
    result = BuildResult(report, corpus, pages, findings=findings, base_url=base_url, nav=nav,
                         updated=updated, memo=memo.entries, extras=extras, exported=kept)
    if rendered is None:
        return result
    written = tuple(sorted({urls.output_path(url) for url in rendered} | set(extras)))
    return replace(result, written=True, files=written, rendered=rendered)


def all_specs(corpus: Corpus, memo: Memo, findings: tuple[integrity.Finding, ...],
              tune: bool = True) -> tuple[PageSpec, ...]:
    """Every page spec (:func:`collect_pages`); ``tune``: with the collector paused, then frozen with
    the corpus (:func:`build`'s ``frozen_heap`` unfreezes both), or moved to the oldest generation
    when nothing is frozen. The specs and the views' memo are a few hundred thousand containers that
    live to the end of the build and are never garbage: at N = 5,000 the seven full collections they
    triggered, each walking every object made since the corpus was frozen, found nothing and took
    0.85 s of the parent's time."""
    if not tune:
        pages = tuple(collect_pages(corpus, memo, findings))
        corpus.forget()
        return pages
    with collector_paused():
        pages = tuple(collect_pages(corpus, memo, findings))
        corpus.forget()
        if gc.get_freeze_count():  # (before the collector runs again)
            gc.freeze()
        else:
            aged()
    return pages


def _write_all(options: BuildOptions, report: Report, output: Path, base_url: str,
               specs: Callable[[], tuple[PageSpec, ...]],
               exported: Callable[[Path], tuple[dict[str, int], Any]], split: SplitStage,
               job: Callable[..., RenderJob], render: RenderStage, cache: MarkdownCache | None, spare: bool = False
               ) -> tuple[tuple[PageSpec, ...], tuple[tuple[str, ...], Any], Mapping[str, Any] | None]:
    """Staging, page specs and exports, pages, search index, cache, swap: the specs, the files that
    are not pages with what the export stage kept, and what the render returned (None when the
    search index failed: reported). The
    exports are written into the staging folder as they are computed (beside the page specs, in the
    child of an accelerated build), so neither process holds them all while the other works."""
    remove = remove_later if accelerated(options) else None
    staging = open_staging(output, reuse=spare, remove=remove)
    pages: tuple[PageSpec, ...] = ()
    extras: tuple[str, ...] = ()
    kept = None
    try:
        warm = partial(warm_render, job(pages=(), staging=staging))  # (while the exports' child works)
        pages, (sizes, kept) = split(specs, partial(exported, staging), warm)
        sizes.update(write_files(staging, page_files(pages, base_url)))
        extras = tuple(sizes)
        if options.tune_memory:
            release_free_memory()  # what the specs and exports freed, given back before the workers fork
        rendered = render(job(with_file_sizes(pages, sizes), staging=staging, extras=extras))  # sizes: the data page
        if options.search and not index_site(staging, report):
            raise _Abort()
        if cache is not None:
            cache.save()  # before the swap: a cache that cannot be written fails the build, not the site
        swap(staging, output, keep=spare, remove=remove)
    except BaseException as exc:
        remove_tree(staging)
        if cache is not None:
            cache.discard()
        if isinstance(exc, _Abort):
            return pages, (extras, kept), None
        raise
    return pages, (extras, kept), rendered


class _Abort(Exception):
    pass


def extra_files(corpus: Corpus, pages: tuple[PageSpec, ...], base_url: str,
                memo: Memo | None = None) -> dict[str, str | bytes]:
    """Every output file that is not a rendered page (exports, sitemap, the charts' SVG and CSV
files), as text, or as UTF-8 bytes (the advisory sheet); serve reuses it. ``memo``: the per-entity values the pages were computed with (short
citations), so serve does not compute them again for every paper after each edit."""
    return joined(extra_parts(corpus, pages, base_url, memo))


def extra_parts(corpus: Corpus, pages: tuple[PageSpec, ...], base_url: str, memo: Memo | None = None
                ) -> tuple[Callable[[], Mapping[str, str | bytes]], ...]:
    """:func:`extra_files` as independent parts, each a function returning some of the files, in
    :func:`extra_files`'s order (``build``'s snapshot path computes them in worker processes)."""
    return (*corpus_parts(corpus, base_url, memo), partial(page_files, pages, base_url))


def corpus_parts(corpus: Corpus, base_url: str, memo: Memo | None = None
                 ) -> tuple[Callable[[], Mapping[str, str | bytes]], ...]:
    """The exports that depend on the corpus alone (data files, the review links sheet, the papers
    table's JSON, the feed), as independent parts."""
    return (lambda: exports(corpus, base_url),
            lambda: {"review/links.csv": links_csv_bytes(corpus, base_url)},  # bytes: the largest export (see there)
            lambda: {JSON_URL: papers_json(corpus, memo)},  # every paper's row, for the papers table in the browser
            partial(feed_files, corpus, base_url))


def feed_files(corpus: Corpus, base_url: str) -> dict[str, str]:
    """The Atom feed of the changes, when there is a history to follow."""
    text = atom_feed(corpus, base_url)
    return {} if text is None else {FEED_URL: text}


def corpus_layouts(corpus: Corpus, base_url: str, memo: Memo | None = None) -> dict[str, Layout]:
    """The files of :func:`corpus_parts` but the feed, as layouts (``exports.layout``), in the same
    order: ``serve`` keeps their per-entity fragments between edits (``dev.export_memo``)."""
    return {**export_layouts(corpus, base_url), "review/links.csv": links_csv_layout(corpus, base_url),
            JSON_URL: papers_json_layout(corpus, memo)}


def write_exports(staging: Path, corpus: Corpus, base_url: str, memo: Memo | None = None
                  ) -> tuple[dict[str, int], None]:
    """The default :data:`ExportStage`: write the exports that depend on the corpus alone
    (:func:`corpus_parts`) into ``staging``, one part at a time (the largest, the data files, is
    about 40 MB at 5,000 papers); each file's size, in order, and nothing kept. An accelerated build
    runs it beside the page specs, in a child (:data:`SplitStage`)."""
    sizes: dict[str, int] = {}
    for part in corpus_parts(corpus, base_url, memo):
        sizes.update(write_files(staging, part()))
    return sizes, None


def joined(parts: tuple[Callable[[], Mapping[str, str | bytes]], ...]) -> dict[str, str | bytes]:
    """The files of ``parts``, computed in order in this process."""
    files: dict[str, str | bytes] = {}
    for part in parts:
        files.update(part())
    return files


def page_files(pages: tuple[PageSpec, ...], base_url: str) -> dict[str, str | bytes]:
    """The files drawn from the page specs: the sitemap, the charts' SVG and CSV files."""
    files: dict[str, str | bytes] = {"sitemap.xml": sitemap(pages, base_url)}
    files.update(chart_files(pages))
    return files
