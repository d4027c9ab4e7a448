"""Read, parse and validate the content files across forked worker processes (``--jobs N``).

The parent walks the content tree (:func:`load.source_refs`), splits the files into ``jobs``
interleaved shares (collections are contiguous, so interleaving balances papers against the
smaller CMOC files; its own a little larger: :data:`FIRST_SHARE`), keeps the first share and forks a child for each other one (`parallel.fork_map`). A child reads,
parses and validates its files (``load.read_source`` then ``validate.build_entity``, exactly the
serial steps) and sends back, per file, the entity (or None) and the diagnostics of each step,
pickled (a read-only mapping is sent as the dict it wraps). The parent puts the results back in
load order and reports every reading diagnostic, then every validation diagnostic, as the serial
:func:`load.load_sources` followed by :func:`validate.build_entity` does: the diagnostics, their order
and the entities are the same as a serial load (tested).

Where ``fork`` is unavailable, or there are too few files to pay for a process, everything is
loaded in this process by the serial code.
"""
from __future__ import annotations

import io
import pickle
from pathlib import Path, PurePosixPath
from typing import Any, Sequence

from ..content.config import SiteConfig
from ..content.diagnostics import Diagnostic, Location, Report
from .memory import collector_paused
from ..content.load import ContentError, SourceRef, read_source, source_refs
from ..content.model import Entity
from ..content.validate import Invalid, build_entity, claimed_id, validate_refs
from .parallel import effective_jobs, fork_map, pickler

MIN_FILES_PER_JOB = 400
"""Below this many files per worker a process (fork, pickling) costs more than it saves."""

Loaded = tuple[Entity | None, tuple[Diagnostic, ...], tuple[Diagnostic, ...], str | None]
"""Per file: the entity (None when invalid or unreadable), reading and validation diagnostics, and
the id an invalid or unreadable file claims (None for a valid one)."""


class LoadError(Exception):
    """A worker process failed (a bug: reading and validating report problems as diagnostics)."""


def load_entities(content_dir: Path, shown_root: str, config: SiteConfig, report: Report,
                  jobs: int = 1) -> list[Entity]:
    """Every valid entity of the content directory, in load order; problems go to ``report``."""
    return load_all(content_dir, shown_root, config, report, jobs)[0]


def load_all(content_dir: Path, shown_root: str, config: SiteConfig, report: Report,
             jobs: int = 1, fast: bool = True) -> tuple[list[Entity], Invalid]:
    """:func:`load_entities`, and the ids claimed by the files that failed (first file wins);
    ``fast``: front matter through libyaml where it can (see ``load.parse_yaml``)."""
    refs = source_refs(content_dir, shown_root, report, follow_outside=config.follow_symlinks_outside)
    jobs = effective_jobs(jobs, len(refs), MIN_FILES_PER_JOB)
    invalid: Invalid = {}
    with collector_paused():
        if jobs == 1:
            return validate_refs(content_dir, refs, config, report, invalid, fast), invalid
        return _parallel(content_dir, refs, config, report, jobs, invalid, fast), invalid


def _parallel(content_dir: Path, refs: list[SourceRef], config: SiteConfig, report: Report,
              jobs: int, invalid: Invalid, fast: bool = True) -> list[Entity]:
    results: list[Loaded | None] = [None] * len(refs)
    owners = shares(len(refs), jobs)
    parts = fork_map([[refs[i] for i in owned] for owned in owners],
                     lambda share: load_share(content_dir, share, config, fast),
                     error=LoadError, what="loading", encode=_pickle, decode=_decode)
    for owned, part in zip(owners, parts):
        for i, loaded in zip(owned, part, strict=True):
            results[i] = loaded
    done: list[Loaded] = [r for r in results if r is not None]
    assert len(done) == len(refs)
    for _, read, _, _ in done:
        report.extend(read)
    for _, _, checked, _ in done:
        report.extend(checked)
    for ref, (_, _, _, claimed) in zip(refs, done):
        if claimed is not None:
            invalid.setdefault(claimed.lower(), (ref.kind, ref.shown))
    return [entity for entity, _, _, _ in done if entity is not None]


FIRST_SHARE = 1.15
"""The weight of this process's share against each child's (1): a child then pickles what it
loaded, and that is sent and unpickled here, while this process would wait. At 5,000 papers a
child's half took 1.9-2.0 s to load and 0.24-0.30 s to pickle; with equal shares this process
waited 0.4-0.5 s for it."""


def shares(count: int, jobs: int, first: float = FIRST_SHARE) -> list[list[int]]:
    """Indexes ``0..count-1`` dealt to ``jobs`` shares in turn, so that each share gets files of
    every collection (collections are contiguous in load order), the first share :data:`FIRST_SHARE`
    times as many as each other one."""
    weights = [first, *([1.0] * (jobs - 1))]
    total = sum(weights)
    # the share furthest behind its weight takes the next file: the n-th file of share j is due at
    # n / weight, so the shares' due times merged in order deal the files (ties: the lower share)
    due = sorted(((n + 1) / w, j) for j, w in enumerate(weights) for n in range(int(count * w / total) + 3))
    owned: list[list[int]] = [[] for _ in range(jobs)]
    for i, (_when, j) in zip(range(count), due):
        owned[j].append(i)
    return owned


def load_share(content_dir: Path, refs: Sequence[SourceRef], config: SiteConfig, fast: bool = True) -> list[Loaded]:
    """Read and validate ``refs`` one by one, keeping each file's diagnostics apart."""
    out: list[Loaded] = []
    for ref in refs:
        read = Report()
        try:
            source = read_source(content_dir / ref.rel, ref.shown, ref.rel, ref.kind, fast)
        except ContentError as exc:
            read.error(exc.code, exc.message, Location(ref.shown, exc.line))
            out.append((None, tuple(read.items), (), PurePosixPath(ref.rel).stem))
            continue
        checked = Report()
        entity = build_entity(source, config, checked)
        out.append((entity, (), tuple(checked.items), claimed_id(source) if entity is None else None))
    return out


def _pickle(value: Any) -> bytes:
    buf = io.BytesIO()
    pickler(buf).dump(value)
    return buf.getvalue()


def _decode(payload: bytes) -> Any:
    with collector_paused():  # unpickling makes ~10^5 containers: collections would cost 4x the loads
        return pickle.loads(payload)

