"""``build()``: load → model → link → render → export → search → atomic swap.

Nothing is written until linking has passed; output goes to a staging
directory beside the target and is swapped in only when everything succeeded.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from .content import urls
from .content.changelog import read_history
from .content.config import load_config
from .content.diagnostics import BuildError, Report
from .content.gitinfo import last_updated
from .content.link import Corpus, link
from .exports.advisory_sheet import links_csv
from .exports.data import exports
from .options import BuildOptions
from .site.pages import collect_pages
from .site.publish import OutputError, check_output, describe_os_error, remove_tree, swap, write_staging
from .site.render import Renderer
from .site.search_index import index_site
from .site.views import PageSpec, nav_items
from .speed.cache import MarkdownCache, cache_root
from .speed.parallel import frozen_heap, render_pages
from .speed.parallel_load import load_all


@dataclass(frozen=True)
class BuildResult:
    report: Report
    corpus: Corpus | None = None
    pages: tuple[PageSpec, ...] = ()
    written: bool = False
    config_failed: bool = False
    files: tuple[str, ...] = field(default=())


def load_corpus(content: Path, report: Report, jobs: int = 1) -> Corpus | None:
    """Read, validate and link an evidence base. None when site.yaml is unusable.

    ``jobs`` > 1 reads and validates the files in forked workers (parallel_load.py), with the
    same entities and diagnostics."""
    if not content.is_dir():
        raise BuildError(f"content directory '{content}' not found")
    config = load_config(content, report)
    if config is None:
        return None
    entities, invalid = load_all(content, str(content), config, report, jobs)
    return link(entities, config, report, invalid)


def build(options: BuildOptions, report: Report | None = None, write: bool = True) -> BuildResult:
    report = report or Report()
    corpus = load_corpus(options.content, report, options.jobs)
    if corpus is None:
        return BuildResult(report, config_failed=True)
    if report.failed(options.strict) or not write:
        return BuildResult(report, corpus)
    corpus = replace(corpus, history=read_history(options.content))
    with frozen_heap():  # the corpus lives to the end of the build: the collector need not rescan it
        return _publish(options, report, corpus)


def _publish(options: BuildOptions, report: Report, corpus: Corpus) -> BuildResult:
    """Page specs, exports and rendering into staging, then the swap. Every write of the build
    (staging, pages, search index, caches, the swap) happens here: an I/O failure (disk full, a
    read-only folder…) removes the staging folder, leaves the previous site as it was and becomes
    an :class:`OutputError` naming the path and the system's error (exit 2)."""
    base_url = urls.normalise_base_url(options.base_url or corpus.config.base_url)
    pages = tuple(collect_pages(corpus))
    files = extra_files(corpus, pages, base_url)
    output = options.output.resolve()
    check_output(output, options.content.resolve())
    cache = None
    try:
        cache = MarkdownCache.open(cache_root(output), f"{base_url}|{corpus.config.allow_raw_html}") \
            if options.cache else None
        make_renderer = partial(Renderer, corpus, base_url, nav_items(corpus),
                                updated=last_updated(options.content), markdown_cache=cache)
        written = _write_all(options, report, output, files, pages, make_renderer, cache)
    except OSError as exc:
        raise OutputError(f"cannot write the site '{output}': {describe_os_error(exc)}; "
                          "the published site is unchanged") from exc
    if written is None:
        return BuildResult(report, corpus, pages)
    return BuildResult(report, corpus, pages, written=True, files=written)


def _write_all(options: BuildOptions, report: Report, output: Path, files: dict[str, str],
               pages: tuple[PageSpec, ...], make_renderer, cache: MarkdownCache | None) -> tuple[str, ...] | None:
    """Staging, pages, search index, cache, swap; None when the search index failed (reported)."""
    staging = write_staging(output, files)
    names = dict.fromkeys(files, "")  # written: keep the names, free the text before the workers fork
    files.clear()
    release_free_memory()  # ... and give the freed export memory back to the system before the fork
    try:
        names.update(dict.fromkeys(render_pages(pages, make_renderer, staging, options.jobs, cache), ""))
        if options.search and not index_site(staging, report):
            raise _Abort()
        if cache is not None:
            cache.save()  # before the swap: a cache that cannot be written fails the build, not the site
        swap(staging, output)
    except BaseException as exc:
        remove_tree(staging)
        if cache is not None:
            cache.discard()
        if isinstance(exc, _Abort):
            return None
        raise
    return tuple(sorted(names))


class _Abort(Exception):
    pass


def release_free_memory() -> bool:
    """Return the C heap's free pages to the system (glibc ``malloc_trim``); False where unavailable.

    The export texts (a quarter of the peak at 30,000 entities) are freed before the render
    workers fork, but glibc keeps freed memory resident in its heap: the workers would inherit it,
    and reusing it copies it. Trimming costs a few milliseconds and changes no output."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError):  # not glibc (e.g. musl)
        return False
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    trim(0)
    return True


def extra_files(corpus: Corpus, pages: tuple[PageSpec, ...], base_url: str) -> dict[str, str]:
    """Every output file that is not a rendered page (exports, sitemap); serve reuses it."""
    files = exports(corpus, base_url)
    files["sitemap.xml"] = sitemap(pages, base_url)
    files["review/links.csv"] = links_csv(corpus, base_url)
    return files


def sitemap(pages: tuple[PageSpec, ...], base_url: str) -> str:
    from xml.sax.saxutils import escape
    locs = "".join(f"<url><loc>{escape(urls.href(base_url, p.url))}</loc></url>\n"
                   for p in pages if not p.url.endswith(".html"))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{locs}</urlset>\n')
