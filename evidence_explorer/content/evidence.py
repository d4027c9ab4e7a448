"""An entity's evidence, computed in one place: every count a page shows comes from here.

:func:`evidence_of` gathers, for a theory node, a question, a review or a paper, the CMOCs and the
papers behind it across every kind of link (CMOC sources, evidence-map rows, direct codings), how
the node was examined, and its confidence on the review's scale. Templates show these numbers and
never compute their own; a count is shown only beside what it counts, and a node that was mapped or
coded is never described by the configurations it was never meant to have.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .config import SiteConfig
from .link import Corpus
from .model import Cmoc, Confidence, Entity, EvidenceMap, Paper, Theory

EXAMINED_LABELS = {
    "reviewed": "Reviewed in depth",
    "mapped": "Mapped to evidence sets",
    "coded": "Coded from papers",
    "synthesised": "Drawn from the synthesis as a whole",
}
"""How a node was examined, in words (model.EXAMINED)."""
NOT_ASSESSED = "Not assessed"


@dataclass(frozen=True)
class Evidence:
    """What stands behind one entity. Tuples hold each item once, in content order."""

    cmocs: tuple[Cmoc, ...] = ()
    papers: tuple[Paper, ...] = ()
    """Every paper behind it, whatever the link: CMOC sources, map rows, direct codings."""
    coded: tuple[Paper, ...] = ()
    """Papers coded to it directly."""
    mapped: tuple[Paper, ...] = ()
    """Papers in the rows of its evidence maps."""
    maps: tuple[EvidenceMap, ...] = ()
    map_rows: int = 0
    """Evidence sets (rows) of its maps."""
    theories: tuple[Theory, ...] = ()
    """The theory nodes it answers (a question) or informs (a paper)."""
    examined: tuple[str, ...] = ()
    """How it was examined (model.EXAMINED), as written or as its evidence shows."""

    @property
    def empty(self) -> bool:
        return not (self.cmocs or self.papers or self.map_rows)

    @property
    def n_cmocs(self) -> int:
        return len(self.cmocs)

    @property
    def n_papers(self) -> int:
        return len(self.papers)

    def parts(self) -> tuple[tuple[int, str, str], ...]:
        """(count, singular, plural) of each non-zero kind of evidence, for a one-line summary:
        a zero is never shown beside a list of items."""
        out = []
        if self.cmocs:
            out.append((len(self.cmocs), "configuration (CMOC)", "configurations (CMOCs)"))
        if self.papers:
            out.append((len(self.papers), "paper", "papers"))
        if self.map_rows:
            out.append((self.map_rows, "evidence set", "evidence sets"))
        return tuple(out)


def _unique(items: Any) -> tuple:
    return tuple({id(x): x for x in items}.values())


def examined_of(theory: Theory, cmocs: tuple, maps: tuple, coded: tuple) -> tuple[str, ...]:
    """``examined`` as written, else what the node's evidence shows (none: not assessed)."""
    if theory.examined:
        return theory.examined
    derived = (("reviewed", cmocs), ("mapped", maps), ("coded", coded))
    return tuple(name for name, present in derived if present)


def theory_evidence(corpus: Corpus, theory: Theory) -> Evidence:
    cmocs = corpus.rel("theory_cmocs", theory.id)
    maps = corpus.rel("theory_maps", theory.id)
    coded = corpus.rel("theory_coded_papers", theory.id)
    mapped = _unique(corpus.get(p) for m in maps for row in m.rows for p in row.paper_ids)  # type: ignore[attr-defined]
    return Evidence(cmocs=cmocs, papers=corpus.rel("theory_papers", theory.id), coded=coded,  # type: ignore[arg-type]
                    mapped=mapped, maps=maps, map_rows=sum(len(m.rows) for m in maps),  # type: ignore[attr-defined]
                    examined=examined_of(theory, cmocs, maps, coded))


def evidence_of(corpus: Corpus, entity: Entity) -> Evidence:
    """The evidence behind ``entity`` (see :class:`Evidence`); empty for kinds that have none."""
    if isinstance(entity, Theory):
        return theory_evidence(corpus, entity)
    if entity.kind == "question":
        nodes = corpus.rel("question_theories", entity.id)
        maps = _unique(m for t in nodes for m in corpus.rel("theory_maps", t.id))
        return Evidence(cmocs=corpus.rel("question_cmocs", entity.id),  # type: ignore[arg-type]
                        papers=corpus.rel("question_papers", entity.id), theories=nodes,  # type: ignore[arg-type]
                        maps=maps, map_rows=sum(len(m.rows) for m in maps))  # type: ignore[attr-defined]
    if entity.kind == "review":
        return Evidence(papers=corpus.rel("review_papers", entity.id))  # type: ignore[arg-type]
    if isinstance(entity, Paper):
        return Evidence(cmocs=corpus.rel("paper_cmocs", entity.id),  # type: ignore[arg-type]
                        maps=corpus.rel("paper_maps", entity.id),  # type: ignore[arg-type]
                        theories=corpus.rel("paper_theories", entity.id))  # type: ignore[arg-type]
    return Evidence()


@dataclass(frozen=True)
class Rating:
    """A confidence level placed on the site's scale: words and a shape (filled of total marks)."""

    level: str
    label: str
    filled: int
    total: int
    scale_label: str
    confidence: Confidence | None

    @property
    def assessed(self) -> bool:
        return self.confidence is not None

    @property
    def words(self) -> str:
        return f"{self.scale_label}: {self.label}"


def rating(config: SiteConfig, confidence: Confidence | None) -> Rating:
    """``confidence`` on the site's scale; an unrecorded confidence is 'not assessed', never a gap."""
    levels = list(config.confidence_levels)
    if confidence is None or confidence.level not in levels:
        return Rating("", NOT_ASSESSED, 0, len(levels), config.confidence_label, None)
    rank = levels.index(confidence.level)
    return Rating(confidence.level, config.confidence_levels[confidence.level], len(levels) - rank,
                  len(levels), config.confidence_label, confidence)
