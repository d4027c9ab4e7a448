"""Every link an advisory group can review, of every kind, in one list.

Five kinds, each written in one content file and carrying its own ``status``, ``review_note`` and
``reviewed`` (who decided, when):

========================  ==========================================  ==============
kind                      where it is written                          default status
========================  ==========================================  ==============
``cmoc``                  the CMOC itself                              not reviewed
``cmoc-theory``           an item of a CMOC's ``theories``             the CMOC's
``cmoc-source``           an item of a CMOC's ``sources``              not reviewed
``paper-theory``          an item of a paper's ``theories``            not reviewed
``map-paper``             an item of a map row's ``papers``            not reviewed
========================  ==========================================  ==============

The review sheet (``exports/advisory_sheet``), its import (``authoring/advisory_decisions``), the
review packets and the decisions page all read this one list.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator

from .model import Cmoc, EvidenceMap, Entity, MapRow, Paper, Reviewed

if TYPE_CHECKING:
    from .link import Corpus

LINK_KINDS = ("cmoc", "cmoc-theory", "cmoc-source", "paper-theory", "map-paper")
KIND_LABELS = {"cmoc": "Configuration (CMOC)", "cmoc-theory": "CMOC → theory", "cmoc-source": "CMOC → source paper",
               "paper-theory": "Paper coded to a theory", "map-paper": "Paper in an evidence set"}
"""What each kind is, in the words the review pages use."""


def theory_link_status(cmoc: Cmoc, link: Any) -> str:
    """A CMOC → theory link's status: its own, else its CMOC's, else '' (not reviewed)."""
    return link.status or cmoc.status or ""


@dataclass(frozen=True)
class ReviewLink:
    """One reviewable link, with the ids a sheet row names it by."""

    kind: str
    owner: Entity
    """The entity whose file holds the link (a CMOC, a paper or a map)."""
    item: Any
    """The record holding ``status``, ``review_note`` and ``reviewed`` (the owner itself for ``cmoc``)."""
    cmoc: str = ""
    theory: str = ""
    paper: str = ""
    map: str = ""
    row: int = 0
    """1-based position of the evidence set in its map (``map-paper``)."""
    focus: str = ""

    @property
    def status(self) -> str:
        """The status as written on the link itself ('' when unset)."""
        return self.item.status or ""

    @property
    def effective_status(self) -> str:
        """What the link's status means: its own, else (a theory link) its CMOC's, else '' (not reviewed)."""
        if self.kind == "cmoc-theory":
            return theory_link_status(self.owner, self.item)  # type: ignore[arg-type]
        return self.item.status or ""

    @property
    def review_note(self) -> str:
        return self.item.review_note or ""

    @property
    def reviewed(self) -> Reviewed | None:
        return self.item.reviewed

    @property
    def describe(self) -> str:
        """The link in a few words: 'c1 → R1', 'source smith2019 of c1', 'smith2019 coded to R1'."""
        if self.kind == "cmoc":
            return f"CMOC {self.cmoc}"
        if self.kind == "cmoc-theory":
            return f"{self.cmoc} → {self.theory}"
        if self.kind == "cmoc-source":
            return f"source {self.paper} of {self.cmoc}"
        if self.kind == "paper-theory":
            return f"{self.paper} coded to {self.theory}"
        return f"{self.paper} in {self.map} row {self.row} ({self.focus})"


def reviewed_text(reviewed: Reviewed | None) -> str:
    """A ``reviewed`` record as one sheet cell: '2026-11-02 by Advisory group meeting 3' ('' when unset)."""
    if reviewed is None:
        return ""
    return f"{reviewed.date} by {reviewed.by}" if reviewed.by else reviewed.date


def cmoc_links(c: Cmoc) -> Iterator[ReviewLink]:
    yield ReviewLink("cmoc", c, c, cmoc=c.id)
    for link in c.theories:
        yield ReviewLink("cmoc-theory", c, link, cmoc=c.id, theory=str(link.theory))
    for s in c.sources:
        yield ReviewLink("cmoc-source", c, s, cmoc=c.id, paper=str(s.paper))


def paper_links(p: Paper) -> Iterator[ReviewLink]:
    for coded in p.theories:
        yield ReviewLink("paper-theory", p, coded, paper=p.id, theory=str(coded.theory))


def map_links(m: EvidenceMap) -> Iterator[ReviewLink]:
    for n, row in enumerate(m.rows, 1):
        yield from row_links(m, n, row)


def row_links(m: EvidenceMap, n: int, row: MapRow) -> Iterator[ReviewLink]:
    for item in row.papers:
        yield ReviewLink("map-paper", m, item, paper=str(item.paper), map=m.id, row=n, focus=row.focus)


def review_links(corpus: Corpus) -> Iterator[ReviewLink]:
    """Every reviewable link: each CMOC with its theory links and sources, then each paper's theory
    codings, then each map's papers row by row (content order)."""
    for c in corpus.cmocs:
        yield from cmoc_links(c)
    for p in corpus.papers:
        yield from paper_links(p)
    for m in corpus.maps:
        yield from map_links(m)


def theory_side_links(corpus: Corpus, theory_id: str) -> tuple[tuple[ReviewLink, ...], tuple[ReviewLink, ...]]:
    """The links a theory's packet shows besides its CMOCs: (papers coded to it, papers in the
    evidence sets of its maps)."""
    key = theory_id.lower()
    coded = tuple(ReviewLink("paper-theory", p, t, paper=p.id, theory=str(t.theory))
                  for p in corpus.rel("theory_coded_papers", theory_id)
                  for t in p.theories if corpus.find(t.theory) is not None and corpus.get(t.theory).id.lower() == key)
    mapped = tuple(link for m in corpus.rel("theory_maps", theory_id) for link in map_links(m))  # type: ignore[arg-type]
    return coded, mapped
