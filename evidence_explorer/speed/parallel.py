"""Render pages into the staging directory, across worker processes.

The parent builds one :class:`~evidence_explorer.render.Renderer`, compiles
every template the pages use, and forks ``jobs - 1`` children, which inherit
that renderer (corpus, compiled templates, Markdown cache) without pickling.
Every process, the parent too, takes the next :data:`CHUNK` pages from a
counter they share until none is left, so they finish together whatever the
pages cost; each writes its pages straight into the staging directory (so
rendered HTML never travels between processes or piles up in memory), and a
child sends back only the paths it wrote and its Markdown-cache delta.

Where ``fork`` is unavailable (Windows, or ``jobs`` of 1) everything renders
in this process; the output is byte-identical either way.
"""
from __future__ import annotations

import copyreg
import io
import multiprocessing
import os
import pickle
import traceback
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable, Sequence, TypeVar

from ..content import urls
from . import slotted
from .aside import beside, can_fork, in_child, single_threaded, usable_cores  # (the others re-exported)
from .memory import frozen_heap
from .cache import Delta, MarkdownCache
from ..site.render import write_pages
from ..site.views import PageSpec

if TYPE_CHECKING:
    from ..site.render import Renderer

MIN_PAGES_PER_JOB = 50
"""Below this many pages per worker a process costs more than it saves."""
CHUNK = 16
"""Pages a render process takes from the shared counter at a time. Fixed shares (every other page)
left one process idle for 0.2-0.3 s at the end of a 5-second render at 5,000 papers; with chunks
the processes end within a chunk of each other (16 review packets, the heaviest pages: 0.07 s)."""

RendererFactory = Callable[[], "Renderer"]
Idle = Callable[[Callable[[], bool]], None]
"""Work for this process while it waits for its forked children (:func:`fork_map`): called with
``ready``, true once every child has sent its result; it does small steps until ``ready()``, or
until nothing is left (``speed/prefill.py``)."""


class RenderError(Exception):
    """A page failed to render in a worker process (a bug: templates get validated data)."""


def effective_jobs(jobs: int, items: int, per_job: int = MIN_PAGES_PER_JOB) -> int:
    """Worker count actually used: at least 1, at most one per ``per_job`` items (pages to render,
    files to load), and 1 where forking is not safe (:func:`can_fork`)."""
    if not can_fork():
        return 1
    return max(1, min(jobs, items // per_job))


def render_pages(pages: Sequence[PageSpec], make_renderer: RendererFactory, staging: Path, jobs: int = 1,
                 cache: MarkdownCache | None = None) -> tuple[str, ...]:
    """Render every page into ``staging``; return the output paths written, sorted."""
    jobs = effective_jobs(jobs, len(pages))
    renderer = _renderer(make_renderer, cache)
    if jobs == 1:
        return tuple(sorted(write_pages(pages, renderer, staging)))
    with frozen_heap():  # children's collectors leave inherited objects alone
        return _render_all(jobs, pages, renderer, staging, cache)


def _render_all(jobs: int, pages: Sequence[PageSpec], renderer: Renderer, staging: Path,
                cache: MarkdownCache | None) -> tuple[str, ...]:
    try:
        taken = multiprocessing.get_context("fork").Value("q", 0)  # the next page to render, shared
    except (OSError, ImportError):  # no shared semaphore here (no /dev/shm): fixed shares
        taken = None

    def work(process: int) -> tuple[list[str], Delta | None]:
        made: set[str] = set()
        if taken is None:  # every ``jobs``-th page (page families are contiguous: heavy and light mixed)
            return write_pages(pages[process::jobs], renderer, staging, made), _delta(cache)
        paths: list[str] = []
        while True:
            with taken.get_lock():
                start = taken.value
                taken.value = start + CHUNK
            if start >= len(pages):
                return paths, _delta(cache)
            paths += write_pages(pages[start:start + CHUNK], renderer, staging, made)

    written: list[str] = []
    for k, (paths, delta) in enumerate(fork_map(range(jobs), work)):
        written += paths
        if k and cache is not None and delta is not None:  # the first share rendered into this cache
            cache.merge(delta)
    return tuple(sorted(written))


def _delta(cache: MarkdownCache | None) -> Delta | None:
    return cache.delta() if cache is not None else None


S = TypeVar("S")
R = TypeVar("R")


def side_by_side(jobs: int, first: Callable[[], S], second: Callable[[], R], idle: Idle | None = None
                 ) -> tuple[S, R]:
    """``(first(), second())``, with ``second`` in a forked child while this process runs ``first``
    (its result comes back pickled); one after the other when ``jobs`` is 1 or forking is not safe.
    An accelerated build computes the page specs here and, in the child, the exports drawn from the
    corpus alone, which it writes into the staging folder itself and answers with their sizes:
    about 4 and 3.4 s of CPU one after the other at N = 5,000. When the child sent the export texts
    back (87 MB at N = 5,000), both processes held them and a 30,200-entity build peaked at 994 MB,
    so it ran only up to 20,000 entities; written by the child, that peak is 698 MB (the render's,
    after, 677 MB). Moving page families to the child too was measured and dropped: sending page
    specs back (entities by reference) cost more than computing them (docs/performance.md).
    ``idle``: what this process does once ``first`` is done, while the child still works (the
    render's templates and Markdown bodies, made ready for the render's workers); nothing when the
    two run one after the other."""
    if jobs < 2 or not can_fork():
        a = first()
        return a, second()
    with frozen_heap():  # the child leaves the inherited corpus shared
        a, b = fork_map([first, second], _call, what="computing the exports", encode=_dumps, idle=idle)
    return a, b


def _call(work: Callable[[], Any]) -> Any:
    return work()


def read_only(data: dict) -> MappingProxyType:
    """A read-only mapping again, when unpickled (:func:`pickler`)."""
    return MappingProxyType(data)


def pickler(buf: io.BytesIO) -> pickle.Pickler:
    """A pickler that also sends read-only mappings (``MappingProxyType``, which pickle refuses),
    rebuilt as read-only mappings on the other side, and the package's slotted dataclasses by their
    makers (:mod:`.slotted`: a parallel load's child sends half the entities back)."""
    out = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
    out.dispatch_table = {**copyreg.dispatch_table, MappingProxyType: lambda m: (read_only, (dict(m),)),
                          **slotted.dispatch()}
    return out


def _dumps(value: Any) -> bytes:
    buf = io.BytesIO()
    pickler(buf).dump(value)
    return buf.getvalue()


def fork_map(shares: Sequence[S], work: Callable[[S], R], *, error: type[Exception] = RenderError,
             what: str = "rendering", encode: Callable[[Any], bytes] = _dumps,
             decode: Callable[[bytes], Any] = pickle.loads, idle: Idle | None = None) -> list[R]:
    """``[work(share) for share in shares]``: the first share in this process, each other one in a
    forked child, which inherits everything (corpus, compiled templates) without pickling and sends
    back only its result, as ``encode(("ok", result))`` (``decode`` reads it here). A child's
    exception comes back with its traceback and raises ``error`` here ("<what> failed in a worker
    process"), except an ``OSError`` (disk full…), raised here again as the same ``OSError``;
    children are always reaped. Needs ``fork`` when there is more than one share (see
    :func:`effective_jobs`). ``idle`` (:data:`Idle`) runs here after the first share, until the
    children are done."""
    ctx = multiprocessing.get_context("fork") if len(shares) > 1 else None
    workers = []
    try:
        for share in shares[1:]:
            assert ctx is not None
            receive, send = ctx.Pipe(duplex=False)
            process = ctx.Process(target=_child, args=(work, share, send, encode), daemon=True)
            process.start()
            send.close()
            workers.append((process, receive))
        results = [work(shares[0])]
        if idle is not None and workers:
            idle(lambda: all(receive.poll() for _process, receive in workers))
        for process, receive in workers:
            try:
                status, value = decode(receive.recv_bytes())
            except EOFError:
                raise error(f"a worker process exited unexpectedly while {what} "
                            f"(exit code {process.exitcode})") from None
            if status == "oserror":  # an I/O fault (disk full…) is the same fault here, not a bug
                number, strerror, filename, filename2 = value
                raise OSError(number, strerror, filename, None, filename2)
            if status != "ok":
                raise error(f"{what} failed in a worker process:\n{value}")
            results.append(value)
    finally:
        for process, receive in workers:
            receive.close()
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
                process.join()
    return results


def _child(work: Callable[[S], R], share: S, send: Any, encode: Callable[[Any], bytes]) -> None:
    """Child process body: run ``work`` on a share, send its result (or the traceback)."""
    try:
        payload = encode(("ok", work(share)))
    except OSError as exc:
        payload = encode(("oserror", (exc.errno, exc.strerror, exc.filename, exc.filename2)))
    except BaseException:  # reported to the parent, which raises it as a build error
        payload = encode(("error", traceback.format_exc()))
    try:
        send.send_bytes(payload)
    finally:
        send.close()


def _renderer(make_renderer: RendererFactory, cache: MarkdownCache | None) -> "Renderer":
    """A renderer with every template compiled (once, before any fork; from the bytecode
    cache when the template did not change since the last build)."""
    renderer = make_renderer()
    compile_templates(renderer, cache.bytecode_cache() if cache is not None else None)
    return renderer


def compile_templates(renderer: "Renderer", bytecode: Any, stop: Callable[[], bool] = lambda: False) -> bool:
    """Every template of ``renderer`` compiled, loaded from or written to ``bytecode`` (a Jinja
    bytecode cache, or None); False when ``stop()`` said so first (``speed/prefill.py``)."""
    if bytecode is not None:
        renderer.env.bytecode_cache = bytecode
    for name in renderer.env.list_templates(extensions=["html"]):
        if stop():
            return False
        renderer.env.get_template(name)
    return True
