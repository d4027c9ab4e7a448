"""``build()``: load → model → link → render → export → search → atomic swap.

Nothing is written until linking has passed; output goes to a staging
directory beside the target and is swapped in only when everything succeeded.
"""
from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from . import urls
from .cache import MarkdownCache, cache_root
from .changelog import read_history
from .config import SiteConfig, parse_config
from .diagnostics import BuildError, Report
from .export import exports
from .gitinfo import last_updated
from .link import Corpus, link
from .load import ContentError, load_site_yaml
from .parallel_load import load_entities
from .parallel import frozen_heap, render_pages
from .render import Renderer
from .review_csv import links_csv
from .search import index_site
from .static_files import write_static
from .views import PageSpec, collect_pages, nav_items

MARKER = ".evidence-explorer"
"""File written into every output directory: only such directories are ever replaced."""


@dataclass(frozen=True)
class BuildOptions:
    content: Path = Path("content")
    output: Path = Path("site")
    base_url: str | None = None
    strict: bool = False
    search: bool = True
    jobs: int = 1
    cache: bool = True
    """Reuse Markdown rendered by earlier builds (cache.py); off = a cold build."""


@dataclass(frozen=True)
class BuildResult:
    report: Report
    corpus: Corpus | None = None
    pages: tuple[PageSpec, ...] = ()
    written: bool = False
    config_failed: bool = False
    files: tuple[str, ...] = field(default=())


def load_config(content: Path, report: Report) -> SiteConfig | None:
    try:
        shown, data = load_site_yaml(content, str(content))
    except ContentError as exc:
        from .diagnostics import Location
        shown = str(content / "site.yaml") if str(content) not in ("", ".") else "site.yaml"
        report.error(exc.code if exc.code.startswith("config") else "config.yaml", exc.message,
                     Location(shown, exc.line))
        return None
    return parse_config(data, shown, report)


def load_corpus(content: Path, report: Report, jobs: int = 1) -> Corpus | None:
    """Read, validate and link an evidence base. None when site.yaml is unusable.

    ``jobs`` > 1 reads and validates the files in forked workers (parallel_load.py), with the
    same entities and diagnostics."""
    if not content.is_dir():
        raise BuildError(f"content directory '{content}' not found")
    config = load_config(content, report)
    if config is None:
        return None
    return link(load_entities(content, str(content), config, report, jobs), config, report)


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
    """Page specs, exports and rendering into staging, then the atomic swap."""
    base_url = urls.normalise_base_url(options.base_url or corpus.config.base_url)
    pages = tuple(collect_pages(corpus))
    files = extra_files(corpus, pages, base_url)
    output = options.output.resolve()
    check_output(output, options.content.resolve())
    cache = MarkdownCache.open(cache_root(output), f"{base_url}|{corpus.config.allow_raw_html}") \
        if options.cache else None
    make_renderer = partial(Renderer, corpus, base_url, nav_items(corpus),
                            updated=last_updated(options.content), markdown_cache=cache)
    staging = _write_staging(output, files)
    files = dict.fromkeys(files, "")  # written: keep the names, free the text before the workers fork
    release_free_memory()  # ... and give the freed export memory back to the system before the fork
    try:
        files.update(dict.fromkeys(render_pages(pages, make_renderer, staging, options.jobs, cache), ""))
        if options.search and not index_site(staging, report):
            raise _Abort()
        swap(staging, output)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if cache is not None:
            cache.discard()
        if isinstance(exc, _Abort):
            return BuildResult(report, corpus, pages)
        raise
    if cache is not None:
        cache.save()
    return BuildResult(report, corpus, pages, written=True, files=tuple(sorted(files)))


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


def check_output(output: Path, content: Path) -> None:
    if output == content or content.is_relative_to(output) or output.is_relative_to(content):
        raise BuildError(f"output directory '{output}' overlaps the content directory")
    if output.exists() and (not output.is_dir() or (any(output.iterdir()) and not (output / MARKER).exists())):
        raise BuildError(f"refusing to replace '{output}': it exists and was not written by "
                         "evidence-explorer (no .evidence-explorer marker); choose another --output")


def _remove_abandoned(output: Path) -> None:
    """Delete staging/old folders left by builds that were killed (their process is gone)."""
    for leftover in output.parent.glob(f".{output.name}.*-*"):
        kind, _, pid = leftover.name.rpartition("-")
        if not kind.endswith((".staging", ".old")) or not pid.isdigit() or not (leftover / MARKER).exists():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(leftover, ignore_errors=True)
        except OSError:
            pass  # alive but not ours to signal: leave it


def _write_staging(output: Path, files: dict[str, str]) -> Path:
    output.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(output)
    staging = output.parent / f".{output.name}.staging-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    try:
        staging.mkdir(parents=True)
        (staging / MARKER).write_text("This directory is written by evidence-explorer and replaced on "
                                      "every build.\n", encoding="utf-8")  # first: marks leftovers as ours
        write_static(staging / "static")
        for rel, text in files.items():
            path = staging / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``).

    False when the system or filesystem cannot, and nothing was changed.
    """
    if not sys.platform.startswith("linux"):
        return False
    import ctypes
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def swap(staging: Path, output: Path) -> None:
    """Replace ``output`` by ``staging``, then clean up: one atomic exchange where the system has
    one (so a kill at any moment leaves a whole site in place), else two renames on one filesystem."""
    old = output.parent / f".{output.name}.old-{os.getpid()}"
    if output.exists() and _exchange(staging, output):
        shutil.rmtree(staging, ignore_errors=True)  # it now holds the previous site
        return
    if output.exists():
        os.rename(output, old)
    os.rename(staging, output)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)
