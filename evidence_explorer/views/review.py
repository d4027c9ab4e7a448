"""Advisory-group pages: ``/review/`` (theories with link counts by status), one printable review
packet per theory, and ``/review/integrity/`` (the integrity findings)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from .. import integrity
from ..link import Corpus
from ..model import CMOC_STATUSES, Cmoc, Paper, Source, Theory, TheoryLink
from . import PageSpec

STATUS_COLUMNS = (*CMOC_STATUSES, "")
"""Status columns of the index: the three statuses, then links nobody has reviewed yet."""


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


def pages(corpus: Corpus) -> Iterator[PageSpec]:
    rows = []
    for t in corpus.theories:
        items = entries(corpus, t)
        counts = {s: sum(1 for e in items if e.status == s) for s in STATUS_COLUMNS}
        rows.append((t, counts, len(items)))
        if items:
            yield PageSpec(packet_url(t), "review/packet.html", f"Review packet: {t.id}: {t.title}", {
                "e": t, "entries": items, "children": corpus.rel("theory_children", t.id),
            }, section="review", sources=(t.id, *(e.cmoc.id for e in items)))
    totals = {s: sum(r[1][s] for r in rows) for s in STATUS_COLUMNS}
    findings = integrity.findings(corpus)
    cfg = integrity.config_of(corpus)
    groups = [(name, check, cfg.level(name), [f for f in findings if f.check == name])
              for name, check in integrity.CHECKS.items()]
    yield PageSpec("review/", "review/index.html", "Advisory review", {
        "rows": rows, "totals": totals, "statuses": STATUS_COLUMNS, "packet_url": packet_url,
        "n_findings": len(findings), "n_links": sum(r[2] for r in rows),
    }, section="review")
    yield PageSpec("review/integrity/", "review/integrity.html", "Integrity report", {
        "groups": groups, "min_sources": cfg.min_sources,
    }, section="review")
