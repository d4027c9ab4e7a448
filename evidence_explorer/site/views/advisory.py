"""Advisory-group pages: ``/review/`` (theories with link counts by status), one printable review
packet per theory, and ``/review/integrity/`` (a summary of the integrity
findings, then one page per check: ``review/integrity/CHECK/``, in pages when long)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ...content import integrity
from ...content.link import Corpus
from ..render import title_of
from ...content.model import CMOC_STATUSES, Cmoc, Paper, Source, Theory, TheoryLink
from ...content.status_words import STATUS_WORDS
from . import PageSpec
from .memo import Memo, cite_of
from .pagination import paginate, text_bytes

STATUS_COLUMNS = (*CMOC_STATUSES, "")
"""Status columns of the index: the three statuses, then links nobody has reviewed yet."""
TO_REVIEW = ("proposed", "")
"""The statuses of links still waiting for the group's decision."""
LINK_KINDS = {"cmoc": "CMOC → theory"}
"""The kinds of link the advisory group reviews (key → label), in the index's column order. Each index
row counts its links per kind under these keys (:class:`IndexRow`)."""
PREVIEW = 5
"""Findings of each check the integrity summary shows before linking the check's own page."""
RELATED_SHOWN = 20
"""Related ids a finding links; more are counted ("and 12 more")."""
FINDING_MARKUP = 160
"""Bytes of a finding's list item besides its text (tags, link prefix, room for a base URL)."""


def packet_url(theory: Theory) -> str:
    return f"review/packet/{theory.page_url.split('/', 1)[1]}"


@dataclass(frozen=True)
class PacketEntry:
    """One CMOC as a theory's review packet shows it."""

    cmoc: Cmoc
    link: TheoryLink
    status: str
    """The link's own status, else the CMOC's, else empty (not yet reviewed)."""
    sources: tuple[tuple[Source, Paper], ...]


def link_status(cmoc: Cmoc, link: TheoryLink) -> str:
    return link.status or cmoc.status or ""


def entries(corpus: Corpus, theory: Theory) -> tuple[PacketEntry, ...]:
    out = []
    for c in corpus.rel("theory_cmocs", theory.id):
        for link in c.theories:
            if link.theory.lower() == theory.id.lower():
                out.append(PacketEntry(c, link, link_status(c, link),
                                       tuple((s, corpus.get(s.paper)) for s in c.sources)))
                break
    return tuple(out)


@dataclass(frozen=True)
class IndexRow:
    """One theory on the advisory index: its links counted by status and by kind."""

    theory: Theory
    by_status: dict[str, int]
    """Status (STATUS_COLUMNS) → links."""
    by_kind: dict[str, int]
    """Link kind (LINK_KINDS) → links."""

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())

    @property
    def to_review(self) -> int:
        return sum(self.by_status[s] for s in TO_REVIEW)


def index_row(t: Theory, items: tuple[PacketEntry, ...]) -> IndexRow:
    """``t``'s row of the index from its packet entries (every kind of link it has)."""
    return IndexRow(t, {s: sum(1 for e in items if e.status == s) for s in STATUS_COLUMNS},
                    {"cmoc": len(items)})


def index_order(rows: list[IndexRow]) -> tuple[tuple[IndexRow, ...], tuple[IndexRow, ...]]:
    """(theories with links, most still to review first, then most links; theories with none), each
    otherwise in content order."""
    linked = sorted((r for r in rows if r.total), key=lambda r: (-r.to_review, -r.total))
    return tuple(linked), tuple(r for r in rows if not r.total)


def pages(corpus: Corpus, memo: Memo | None = None,
          findings: tuple[integrity.Finding, ...] | None = None) -> Iterator[PageSpec]:
    """``findings``: ``integrity.findings(corpus)`` when the caller has them already (one computation
    per build, shared with the integrity diagnostics); computed here otherwise."""
    memo = Memo() if memo is None else memo
    rows = []
    for t in corpus.theories:
        items = entries(corpus, t)
        rows.append(index_row(t, items))
        if items:
            yield packet_page(corpus, t, items, memo)
    linked, empty = index_order(rows)
    findings = integrity.findings(corpus) if findings is None else findings
    yield PageSpec("review/", "advisory/index.html", "Advisory review", {
        "rows": linked, "empty": empty, "statuses": STATUS_COLUMNS, "words": STATUS_WORDS,
        "kinds": LINK_KINDS, "packet_url": packet_url, "n_findings": len(findings),
        "totals": {s: sum(r.by_status[s] for r in linked) for s in STATUS_COLUMNS},
        "kind_totals": {k: sum(r.by_kind[k] for r in linked) for k in LINK_KINDS},
        "n_links": sum(r.total for r in linked), "n_to_review": sum(r.to_review for r in linked),
    }, section="review")
    yield from integrity_pages(corpus, findings)


def packet_page(corpus: Corpus, t: Theory, items: tuple[PacketEntry, ...], memo: Memo) -> PageSpec:
    """A theory's printable review packet (``items``: :func:`entries`, not empty)."""
    return PageSpec(packet_url(t), "advisory/packet.html", f"Review packet: {t.id}: {t.title}", {
        "e": t, "entries": items, "children": corpus.rel("theory_children", t.id),
        "references": tuple(sorted({p.id: p for e in items for _s, p in e.sources}.values(),
                                   key=lambda p: (cite_of(memo, p).lower(), p.id.lower()))),
    }, section="review")


def check_url(name: str) -> str:
    return f"review/integrity/{name}/"


def _finding_weight(corpus: Corpus):
    def weight(f: integrity.Finding) -> int:
        e = corpus.find(f.entity)
        related = sum(2 * len(r) + 30 for r in f.related[:RELATED_SHOWN])
        return FINDING_MARKUP + related + text_bytes(f.message, str(f.location), title_of(e) if e else f.entity)
    return weight


def integrity_pages(corpus: Corpus, findings: tuple[integrity.Finding, ...]) -> Iterator[PageSpec]:
    """The summary (counts and level per check, the first findings of each) and a page per check with
    findings, split into pages within the page budget."""
    cfg = integrity.config_of(corpus)
    by_check: dict[str, list[integrity.Finding]] = {name: [] for name in integrity.CHECKS}
    for f in findings:
        by_check[f.check].append(f)
    groups = tuple((name, check, cfg.level(name), tuple(by_check[name]), check_url(name))
                   for name, check in integrity.CHECKS.items())
    yield PageSpec("review/integrity/", "advisory/integrity.html", "Integrity report", {
        "groups": groups, "min_sources": cfg.min_sources, "preview": PREVIEW, "related_shown": RELATED_SHOWN,
    }, section="review")
    weight = _finding_weight(corpus)
    for name, check, level, items, url in groups:
        if not items:
            continue
        for chunk, pager in paginate(items, url, weight):
            yield PageSpec(pager.url, "advisory/integrity_check.html", pager.title(f"Integrity: {check.title}"), {
                "name": name, "check": check, "level": level, "items": chunk, "pager": pager,
                "related_shown": RELATED_SHOWN,
            }, section="review")
