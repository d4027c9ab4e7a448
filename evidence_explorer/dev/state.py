"""What ``serve``'s rebuilds keep between edits (:class:`SiteState`) and what each attempt gives
(:class:`Outcome`): the data of :mod:`.incremental`, kept apart from its stages."""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Collection, Mapping

import jinja2

from ..content import integrity
from ..content.link import Corpus
from ..content.model import Entity
from ..options import BuildOptions
from ..site.views import PageSpec
from .export_memo import ExportMemo


@dataclass(frozen=True)
class SiteState:
    """What the last good build produced; ``serve`` keeps it for the next rebuild."""

    options: BuildOptions
    base_url: str
    corpus: Corpus
    entities: Mapping[str, Entity]
    """Content-relative path → entity, in load order."""
    pages: Mapping[str, PageSpec]
    """Site URL → page spec."""
    deps: Mapping[str, Collection[str]]
    """Site URL → lower-cased ids its output depends on (``*``: any): frozensets, or tuples where a
    snapshot stored them (:func:`.snapshot.save`: a quarter of the memory, and no hashing to load)."""
    nav: tuple[dict, ...]
    extras: frozenset[str]
    """Output paths of the files that are not pages (exports, sitemap)."""
    updated: Mapping[str, str]
    env: jinja2.Environment
    """Template environment kept between rebuilds as a compile cache (its globals are reset per build)."""
    memo: Mapping[tuple, tuple] = field(default_factory=lambda: MappingProxyType({}))
    """Per-entity values the page specs were computed from (row weights, short citations), keyed by
    entity identity (see :mod:`.views.memo`): the next rebuild recomputes them only for new objects."""
    findings: tuple[integrity.Finding, ...] = ()
    """The corpus's integrity findings (diagnostics and the integrity pages share them)."""
    users: Mapping[str, frozenset[str]] = field(default_factory=lambda: MappingProxyType({}))
    """Lower-cased id (or ``*``) → URLs of the pages whose ``deps`` hold it: ``deps`` reversed."""
    stale: int = 0
    """Entities replaced since ``memo`` last dropped the values of replaced objects."""
    counted: Mapping[str, frozenset[str]] = field(default_factory=lambda: MappingProxyType({}))
    """URL → the ids among its ``deps`` the page reached only to count them (:mod:`.recording`)."""
    exports: ExportMemo = field(default_factory=ExportMemo, compare=False)
    rels: dict = field(default_factory=dict, compare=False)
    """Backlink look-ups of the renders (:func:`~.dependencies.kept_rels`), kept for the next rebuild."""
    """The exports' fragments (:mod:`.export_memo`), kept over edits that leave other entities' as they were."""


@dataclass(frozen=True)
class Outcome:
    """Result of one (re)build attempt. ``state`` is None when nothing was written."""

    report: Report
    state: SiteState | None
    rendered: tuple[str, ...] = ()
    """URLs of the pages rendered (and compared with what was on disk)."""
    removed: tuple[str, ...] = ()
    written: tuple[str, ...] = ()
    """Output paths whose content actually changed on disk."""
    full: bool = False
    config_failed: bool = False
    relinked: bool = False
    """The previous corpus's id index and backlinks were reused (see :func:`relink`)."""
    proportional: bool = False
    """Only the page specs the edit can change were recomputed (see :mod:`.delta`)."""
    structural: bool = False
    """... and the edit was a structural one (:mod:`.delta_shared`: the own pages in proportion)."""
    shown: bool = False
    """Only the edited entities' own pages were written (:mod:`.first_look`); ``serve`` completes the
    rebuild in the background (``DevServer.settle`` waits for it), ``state`` is None meanwhile."""
