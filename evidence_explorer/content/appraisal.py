"""The appraisal behind one CMOC: the relevance and rigour its source papers were given.

Papers may carry ``quality: {relevance, rigour}`` (model.Quality). :func:`appraisal_of` counts them
over a CMOC's distinct source papers, so that a CMOC page, a theory page and the what-works table
can say "3 papers: 2 high relevance, 1 moderate" (papers, not sources: a paper cited twice, at two
places, was appraised once). Where no source paper was appraised it returns
None and the pages say nothing: an evidence base that records no appraisal is not described as
lacking one.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from .link import Corpus
from .model import RIGOUR, Cmoc, Paper

NOT_APPRAISED = "not appraised"
ORDER = {level: i for i, level in enumerate(RIGOUR)}
"""Levels in this order first (high, moderate, low); other relevance words after, alphabetically."""


@dataclass(frozen=True)
class Appraisal:
    """Counts of the appraisal levels over a CMOC's distinct source papers."""

    papers: int
    """Distinct source papers."""
    relevance: tuple[tuple[str, int], ...]
    """(level, papers), most favourable first; 'not appraised' last."""
    rigour: tuple[tuple[str, int], ...]

    @cached_property
    def words(self) -> str:
        """E.g. "3 papers: 2 high relevance, 1 moderate; 1 high rigour, 2 low" (made once per value: a
        CMOC's appraisal is shown on several pages)."""
        parts = [counted(self.relevance, "relevance"), counted(self.rigour, "rigour")]
        noun = "paper" if self.papers == 1 else "papers"
        return f"{self.papers} {noun}: " + "; ".join(p for p in parts if p)


def counted(levels: tuple[tuple[str, int], ...], name: str) -> str:
    """"2 high relevance, 1 moderate" (the name after the first level only); '' when none is recorded."""
    if all(level == NOT_APPRAISED for level, _n in levels):
        return ""
    return ", ".join(f"{n} {level} {name}" if i == 0 else f"{n} {level}"
                     for i, (level, n) in enumerate(levels))


def _tally(values: list[str | None]) -> tuple[tuple[str, int], ...]:
    counts: dict[str, int] = {}
    for v in values:
        key = v.strip().lower() if v and v.strip() else NOT_APPRAISED
        counts[key] = counts.get(key, 0) + 1
    return tuple(sorted(counts.items(), key=lambda kv: (kv[0] == NOT_APPRAISED, ORDER.get(kv[0], len(ORDER)),
                                                          kv[0])))


def appraisal_of(corpus: Corpus, cmoc: Cmoc) -> Appraisal | None:
    """The appraisal of ``cmoc``'s source papers, or None when none of them records relevance or rigour."""
    return appraisal_of_papers(tuple(p for p in (corpus.find(s.paper) for s in cmoc.sources) if isinstance(p, Paper)))


def appraisal_of_papers(papers: tuple[Paper, ...]) -> Appraisal | None:
    """The appraisal of ``papers`` (each counted once), or None when none records relevance or rigour."""
    seen: dict[str, Paper] = {}
    for p in papers:
        seen.setdefault(p.id.lower(), p)
    quality = [p.quality for p in seen.values()]
    if not any(q and (q.relevance or q.rigour) for q in quality):
        return None
    return Appraisal(len(seen), _tally([q.relevance if q else None for q in quality]),
                     _tally([q.rigour if q else None for q in quality]))


APPRAISAL_MARKUP = 60
"""Bytes of the markup around an appraisal summary where a page shows one (for page weights)."""


def appraisal_bytes(papers: tuple[Paper, ...]) -> int:
    """Estimated bytes an appraisal summary of ``papers`` adds to a page (0 when there is none)."""
    a = appraisal_of_papers(papers)
    return 0 if a is None else APPRAISAL_MARKUP + len(a.words.encode("utf-8"))
