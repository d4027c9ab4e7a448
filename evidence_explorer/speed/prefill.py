"""The render made ready while the parent waits for the exports' child (an accelerator).

An accelerated build computes the page specs in the parent beside the exports in a forked child
(``speed.parallel.side_by_side``); the child takes longer, and the parent used to wait for it:
0.8-1.5 s at N = 5,000. Here that wait does work the render would do anyway, in an order that
stops at once when the child is done (:data:`speed.parallel.Idle`):

1. every template compiled into the Markdown cache's bytecode cache (``speed.cache.TemplateCache``),
   which the render's renderer then loads instead of compiling (0.35 s before the render's fork);
2. Markdown bodies converted into the cache's memory (:meth:`Renderer.keep_body`), which the render
   workers, forked after, inherit and find: the same HTML, by the same conversion.

Nothing here changes a byte of the site: the templates are the same code, the bodies the same
conversion (the differential tests run builds that convert every body here). Without a cache
(``--no-cache``, a plain build) there is nothing to keep them in, and nothing is done.
"""
from __future__ import annotations

from typing import Any, Callable

from ..site.render import Renderer
from .parallel import compile_templates

HELD_CHARS = 16_000_000
"""At most this much body HTML kept in memory ahead of the render (about 16 MB): the parent holds
it through the render, and the workers inherit it."""


def warm_render(job: Any, ready: Callable[[], bool]) -> None:
    """Templates, then bodies (papers and CMOCs first: most of the render's Markdown), until
    ``ready()`` or :data:`HELD_CHARS`. ``job``: the render's ``pipeline.RenderJob`` (its corpus,
    links' base URL, navigation, dates, cache and fast paths; not its pages)."""
    cache = job.cache
    if cache is None:
        return
    renderer = Renderer(job.corpus, job.base_url, job.nav, updated=job.updated, markdown_cache=cache,
                        quick_inline=job.fast_paths)
    bytecode = cache.bytecode_cache()  # (without one, the render's renderer compiles its own again)
    if bytecode is not None and not compile_templates(renderer, bytecode, ready):
        return
    corpus, held = job.corpus, 0
    for group in (corpus.papers, corpus.cmocs, corpus.theories, corpus.questions, corpus.maps,
                  corpus.reviews, corpus.pages):
        for entity in group:
            if held >= HELD_CHARS or ready():
                return
            held += renderer.keep_body(entity)
