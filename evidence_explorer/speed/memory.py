"""Memory tuning: how the collector and the C heap treat a build's long-lived objects.

None of it changes what a build writes; :func:`evidence_explorer.pipeline.plain` turns it off.
"""
from __future__ import annotations

import gc
import sys
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Move every object alive now to the collector's permanent generation (``gc.freeze``) for the
    block, so collections skip them: a build's corpus and page specs live to its end, and forked
    workers then leave inherited pages shared. Unfrozen at the end unless a caller had frozen first."""
    outer = gc.get_freeze_count() > 0
    gc.freeze()
    try:
        yield
    finally:
        if not outer:
            gc.unfreeze()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: loading allocates ~26 containers per file and frees
    almost none, so the collections it triggers (a fifth of the serial load's CPU at N = 5,000)
    find nothing; the next collection after the load sees those objects once."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def aged() -> None:
    """Move every object alive now to the oldest generation, so the next collections do not scan
    them (after a load in :func:`collector_paused`: the first young collection would otherwise
    visit every object loaded, about 0.4 s for a snapshot at 5,000 papers). Not while a caller has
    frozen objects (:func:`frozen_heap`): those stay frozen."""
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()  # the permanent generation is merged into the oldest one


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
