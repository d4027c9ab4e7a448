"""``build``'s head start: the up-to-date probe and the snapshot's read begun before the rest of the
program is imported.

A build with caching on begins by signing its inputs (``speed/uptodate.py``: the manifest read, a
``stat`` of every content file, git's ``HEAD``; 0.13-0.16 s of the interpreter at 5,000 papers)
and, with ``--page-cache``, by reading and verifying its snapshot (56 MB). Neither needs the
template engine, Markdown, the YAML parser or the model, which take about 0.15-0.2 s to import.
So :func:`started`, called as soon as the options are known, forks the probe into a child
(:func:`..speed.aside.result_in_child`; its result comes back as plain data) and reads the
snapshot in a thread, and ``build`` imports the rest meanwhile (``commands/build.py``). The
result is the same as signing and reading in line: the child signs what this process would have
signed, at the same moment, and when it gives no result (it died, or forking is not safe) this
process probes itself.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable, Iterator

from ..dev import snapshot_file
from ..options import BuildOptions
from ..speed import uptodate
from ..speed.aside import beside, result_in_child


@dataclass
class HeadStart:
    """What :func:`started` began, each handed over by a getter that waits for it."""

    probe: Callable[[], uptodate.Probe | None]
    """The up-to-date probe (None: caching is off, or nothing is written)."""
    payload: Callable[[], bytes | None] | None
    """The snapshot's verified payload, handed over once (None: not asked for, no ``--page-cache``).
    The thread reading it has left the process once this returned, so forking is safe again."""


@contextmanager
def started(options: BuildOptions, write: bool, page_cache: bool) -> Iterator[HeadStart]:
    """Begin the probe (in a forked child) and, with ``page_cache``, the snapshot's read (in a
    thread) for a build with ``options``; both are waited for, or the child killed, when the block
    ends."""
    if not (write and options.cache):
        yield HeadStart(lambda: None, None)
        return
    with result_in_child(partial(_probe, options)) as plain, \
            beside(partial(_payload, options.output) if page_cache else None) as payload:  # (forked first)
        probed: list[uptodate.Probe] = []

        def probe() -> uptodate.Probe:
            if not probed:
                probed.append(uptodate.from_plain(plain()) or _probe_here(options))
            return probed[0]
        yield HeadStart(probe, payload if page_cache else None)


def _probe(options: BuildOptions) -> tuple:
    """In the child: :func:`_probe_here`, as plain data."""
    return uptodate.as_plain(_probe_here(options))


def _probe_here(options: BuildOptions) -> uptodate.Probe:
    """The probe, once the last build's background writer (which also writes the manifest) is done;
    in this process when the child gave none."""
    snapshot_file.wait_for_writer(options.output)
    return uptodate.probe(options)


def _payload(output: Path) -> bytes | None:
    snapshot_file.wait_for_writer(output)
    return snapshot_file.payload_of(snapshot_file.snapshot_path(output))
