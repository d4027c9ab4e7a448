"""CMOC index (grouped by theory, enabler / barrier columns, in pages) and CMOC pages."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

from ...content.link import Corpus
from ...content.model import Cmoc, Theory
from . import PageSpec
from .memo import Memo
from .pagination import paginate, text_bytes

DIRECTION_COLUMNS = (("enabler", "Enablers"), ("barrier", "Barriers"), (None, "Direction not stated"))
ENTRY_MARKUP = 500
"""Bytes of a CMOC index entry besides its text (link, status and direction badges, C/M/O labels,
its share of group headings, room for a base URL); measured ~400 on a synthetic corpus."""


@dataclass(frozen=True)
class CmocGroup:
    """The CMOCs of one theory (or of none) on one index page."""

    theory: Theory | None
    columns: tuple[tuple[str, tuple[Cmoc, ...]], ...]
    total: int
    """CMOCs of the theory in the whole index (a group may continue over pages)."""
    continued: bool
    """The group began on an earlier page."""
    continues: bool
    """The group goes on on the next page."""

    @property
    def anchor(self) -> str:
        return f"t-{self.theory.id}" if self.theory else "t-unlinked"


def split_by_direction(cmocs: tuple[Cmoc, ...], keep_empty: bool = True) -> tuple[tuple[str, tuple[Cmoc, ...]], ...]:
    """(column heading, CMOCs) for enablers, barriers and the rest; one unnamed column when no CMOC
    in the group has a direction. Empty columns are kept (as visible gaps) only if ``keep_empty``."""
    if not any(c.direction for c in cmocs):
        return (("", cmocs),)
    columns = tuple((heading, tuple(c for c in cmocs if c.direction == d)) for d, heading in DIRECTION_COLUMNS)
    return tuple(col for col in columns if col[1] or (keep_empty and col[0] != "Direction not stated"))


def _entries(corpus: Corpus) -> list[tuple[Theory | None, Cmoc]]:
    """Every (theory, CMOC) row of the index, in theory order, each group in direction-column order."""
    out: list[tuple[Theory | None, Cmoc]] = []
    groups: list[tuple[Theory | None, tuple[Cmoc, ...]]] = [
        (t, corpus.rel("theory_cmocs", t.id)) for t in corpus.theories]  # type: ignore[misc]
    groups.append((None, tuple(c for c in corpus.cmocs if not c.theories)))
    for t, cmocs in groups:
        for _heading, column in split_by_direction(cmocs):
            out += [(t, c) for c in column]
    return out


def row_weight(c: Cmoc) -> int:
    """Estimated bytes of the CMOC's entry on the index."""
    return ENTRY_MARKUP + text_bytes(c.id, c.display_title, c.context[:113],
                                     (c.mechanism or c.reasoning or c.resource or "")[:113], c.outcome[:113])


def entry_weight(memo: Memo) -> Callable[[tuple[Theory | None, Cmoc]], int]:
    def weight(entry: tuple[Theory | None, Cmoc]) -> int:
        c = entry[1]
        return memo.get("cmoc_row", (c,), lambda: row_weight(c))
    return weight


def _groups(chunk: tuple[tuple[Theory | None, Cmoc], ...], totals: dict, before: set, after: set
            ) -> tuple[CmocGroup, ...]:
    out: list[CmocGroup] = []
    run: list[Cmoc] = []
    for k, (t, c) in enumerate(chunk):
        run.append(c)
        if k + 1 == len(chunk) or chunk[k + 1][0] is not t:
            key = t.id if t else None
            whole = key not in before and key not in after
            out.append(CmocGroup(t, split_by_direction(tuple(run), keep_empty=whole), totals[key],
                                 key in before, key in after))
            run = []
    return tuple(out)


def pages(corpus: Corpus, memo: Memo | None = None) -> Iterator[PageSpec]:
    yield from index_pages(corpus, memo)
    for c in corpus.cmocs:
        yield entity_page(corpus, c)


def index_pages(corpus: Corpus, memo: Memo | None = None) -> Iterator[PageSpec]:
    """``cmocs/`` and its numbered pages."""
    entries = _entries(corpus)
    totals: dict[str | None, int] = {}
    for t, _c in entries:
        totals[t.id if t else None] = totals.get(t.id if t else None, 0) + 1
    counts = {d: sum(1 for c in corpus.cmocs if c.direction == d) for d in ("enabler", "barrier")}
    chunks = paginate(entries, "cmocs/", entry_weight(Memo() if memo is None else memo))
    for k, (chunk, pager) in enumerate(chunks):
        first, last = chunk[0][0] if chunk else None, chunk[-1][0] if chunk else None
        before = {first.id if first else None} if k and chunks[k - 1][0][-1][0] is first else set()
        after = ({last.id if last else None} if k + 1 < len(chunks) and chunks[k + 1][0][0][0] is last else set())
        theories = tuple(dict.fromkeys(t.id for t, _c in chunk if t))
        yield PageSpec(pager.url, "cmocs.html", pager.title("Context–mechanism–outcome configurations"), {
            "groups": _groups(chunk, totals, before, after), "total": len(corpus.cmocs),
            "direction_counts": counts, "pager": pager,
        }, section="cmocs")


def entity_page(corpus: Corpus, c: Cmoc) -> PageSpec:
    """The CMOC's own page."""
    return PageSpec(c.page_url, "cmoc.html", c.display_title, {
        "e": c,
        "sources": tuple((s, corpus.get(s.paper)) for s in c.sources),
        "source_papers": len({s.paper.lower() for s in c.sources}),  # two passages of one paper: one source
        "theories": tuple((link, corpus.get(link.theory)) for link in c.theories),
        "chains_to": tuple(corpus.get(x) for x in c.chains_to),
        "chained_from": corpus.rel("cmoc_chained_from", c.id),
        "questions": tuple(corpus.get(q) for q in c.question),
        "reviews": tuple(corpus.get(r) for r in c.review),
    }, section="cmocs", entity=c)
