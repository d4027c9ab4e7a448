"""Memory tuning: how the collector and the C heap treat a build's long-lived objects.

None of it changes what a build writes; :func:`evidence_explorer.pipeline.plain` turns it off.
"""
from __future__ import annotations

import gc
import sys
import threading
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


_HOLD = threading.Lock()
_holders = 0
_enabled_before = True


@contextmanager
def collector_held(held: bool = True) -> Iterator[None]:
    """:func:`collector_paused` for blocks in several threads at once (``serve``: an edit's first
    look in the main thread, the rest of its rebuild in another): the collector runs again when the
    last one ends, if it ran before the first began. Nothing when not ``held``."""
    global _holders, _enabled_before
    if not held:
        yield
        return
    with _HOLD:
        if _holders == 0:
            _enabled_before = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _HOLD:
            _holders -= 1
            if _holders == 0 and _enabled_before:
                gc.enable()


_frozen_after_full = 0
REGROWTH = 1.25
"""A full collection again once this many times the objects frozen after the last one are frozen."""


def kept_for_session(full: bool) -> None:
    """``serve``'s state after a build, frozen with the rest (``gc.freeze``) so that later collections
    do not walk it. After a ``full`` build, everything collected first. After a rebuild made in
    :func:`collector_held`, only what it made (all of it in the youngest generation, nothing
    collected meanwhile): before, everything the rebuilds made piled up in the oldest generation,
    and the full collections it triggered walked all of it, after a structural edit at 30,200
    entities several of 0.1-2 s each, in the middle of the rebuild or of the next edit's.
    A replaced state's frozen objects are freed by their reference counts, but the few in reference
    cycles (a Markdown instance, recursive closures: about 2,000 objects a rebuild on the demo) are
    not while frozen; so once the frozen objects have grown by a quarter, everything is collected
    again (``tests/test_serve_memory.py``: edits do not pile up)."""
    global _frozen_after_full
    if not full:
        gc.collect(0)
        gc.freeze()
        if gc.get_freeze_count() <= _frozen_after_full * REGROWTH:
            return
        gc.unfreeze()
    gc.collect()
    gc.freeze()
    _frozen_after_full = gc.get_freeze_count()


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
