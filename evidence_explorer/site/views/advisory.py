"""Advisory-group pages: ``/review/`` (theories with link counts by status), one printable review
packet per theory, and ``/review/integrity/`` (a summary of the integrity
findings, then one page per check: ``review/integrity/CHECK/``, in pages when long)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

from ...content import integrity
from ...content.link import Corpus
from ..render import title_of
from ...content.model import CMOC_STATUSES, Cmoc, Paper, Source, Theory, TheoryLink
from ...content.review_links import (KIND_LABELS, ReviewLink, cmoc_links, map_links, paper_links, review_links,
                                     theory_link_status, theory_side_links)
from ...content.status_words import STATUS_WORDS
from . import PageSpec
from .memo import Memo, cite_of
from .pagination import paginate, text_bytes

STATUS_COLUMNS = (*CMOC_STATUSES, "")
"""Status columns of the index: the three statuses, then links nobody has reviewed yet."""
TO_REVIEW = ("proposed", "")
"""The statuses of links still waiting for the group's decision."""
LINK_KINDS = {k: KIND_LABELS[k] for k in ("cmoc-theory", "cmoc-source", "paper-theory", "map-paper")}
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


def papers_part_url(theory: Theory) -> str:
    """The second part of the packet of a theory with CMOCs and papers linked to it otherwise."""
    return f"{packet_url(theory)}papers/"


@dataclass(frozen=True, slots=True)
class PacketEntry:
    """One CMOC as a theory's review packet shows it."""

    cmoc: Cmoc
    link: TheoryLink
    status: str
    """The link's own status, else the CMOC's, else empty (not yet reviewed)."""
    sources: tuple[tuple[Source, Paper], ...]


def entries(corpus: Corpus, theory: Theory) -> tuple[PacketEntry, ...]:
    out = []
    for c in corpus.rel("theory_cmocs", theory.id):
        for link in c.theories:
            if link.theory.lower() == theory.id.lower():
                out.append(PacketEntry(c, link, theory_link_status(c, link),
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


def index_row(t: Theory, items: tuple[PacketEntry, ...],
              side: tuple[tuple[ReviewLink, ...], tuple[ReviewLink, ...]] = ((), ())) -> IndexRow:
    """``t``'s row of the index: the links its packet lists, of every kind (``items``: its CMOCs'
    links to it, with their sources; ``side``: the papers coded to it and those in its maps)."""
    sources = [s for e in items for s, _p in e.sources]
    statuses = [e.status for e in items] + [s.status or "" for s in sources] + \
        [link.effective_status for link in (*side[0], *side[1])]
    return IndexRow(t, {s: statuses.count(s) for s in STATUS_COLUMNS},
                    {"cmoc-theory": len(items), "cmoc-source": len(sources), "paper-theory": len(side[0]),
                     "map-paper": len(side[1])})


def distinct_counts(corpus: Corpus, memo: Memo | None = None) -> dict[str, int]:
    """Links of the index's kinds, each once (a CMOC's source serves every theory the CMOC links to, and
    is counted in each of their rows, but once here), and how many still wait for a decision. The
    counts of each CMOC, paper and map are remembered in ``memo`` (its links are its own records)."""
    memo = Memo() if memo is None else memo

    def counts(links: Iterable[ReviewLink]) -> tuple[int, int]:
        mine = [link for link in links if link.kind in LINK_KINDS]
        return len(mine), sum(1 for link in mine if link.effective_status in TO_REVIEW)

    n_links = n_to_review = 0
    for kind, group in ((cmoc_links, corpus.cmocs), (paper_links, corpus.papers), (map_links, corpus.maps)):
        for e in group:
            a, b = memo.get("review_counts", (e,), lambda: counts(kind(e)))  # type: ignore[operator]
            n_links += a
            n_to_review += b
    return {"n_links": n_links, "n_to_review": n_to_review}


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
        side = theory_side_links(corpus, t.id)
        rows.append(index_row(t, items, side))
        if items and (side[0] or side[1]):  # the papers in a second part: each part a printable page
            yield packet_page(corpus, t, items, memo, part2=True)
            yield packet_page(corpus, t, (), memo, side, part=2)
        elif items or side[0] or side[1]:
            yield packet_page(corpus, t, items, memo, side)
    linked, empty = index_order(rows)
    findings = integrity.findings(corpus) if findings is None else findings
    yield PageSpec("review/", "advisory/index.html", "Advisory review", {
        "rows": linked, "empty": empty, "statuses": STATUS_COLUMNS, "words": STATUS_WORDS,
        "kinds": LINK_KINDS, "packet_url": packet_url, "n_findings": len(findings),
        "n_configurations": len(corpus.cmocs),
        "totals": {s: sum(r.by_status[s] for r in linked) for s in STATUS_COLUMNS},
        "kind_totals": {k: sum(r.by_kind[k] for r in linked) for k in LINK_KINDS},
        **distinct_counts(corpus, memo),
    }, section="review")
    yield decisions_page(corpus)
    yield from integrity_pages(corpus, findings)


SOURCE_PARTS = (("locator", "the place in the paper"), ("quote", "the quote"),
                ("found_in", "the place in the review where the link was made"))
"""What a packet can show of each source, in the order it shows them: the field, and its words."""


def packet_intro(items: tuple[PacketEntry, ...]) -> dict:
    """What a packet's introduction promises, from what its configurations record: the reviewers'
    confidence only when one of them has it; of a source's locator, quote and place in the review
    only those some source has ("where recorded" when some source lacks one of them)."""
    sources = [s for e in items for s, _p in e.sources]
    parts = [(field, words) for field, words in SOURCE_PARTS if any(getattr(s, field) for s in sources)]
    return {"confidence": any(e.cmoc.confidence for e in items), "source_parts": [w for _f, w in parts],
            "partial": any(not getattr(s, f) for s in sources for f, _w in parts)}


def packet_page(corpus: Corpus, t: Theory, items: tuple[PacketEntry, ...], memo: Memo,
                side: tuple[tuple[ReviewLink, ...], tuple[ReviewLink, ...]] = ((), ()), part: int = 0,
                part2: bool = False) -> PageSpec:
    """A theory's printable review packet (``items``: :func:`entries`; ``side``: the papers coded to it
    and the papers in its maps' evidence sets, from ``theory_side_links``; not all empty). A theory
    with both has two parts, each one printable page within the page budget: its CMOCs (``part2``:
    link the second part), then (``part=2``, at :func:`papers_part_url`) its papers."""
    coded = tuple((link, corpus.get(link.paper)) for link in side[0])
    mapped = tuple((link, corpus.get(link.paper)) for link in side[1] if corpus.find(link.paper) is not None)
    papers = [p for e in items for _s, p in e.sources] + [p for _l, p in coded + mapped]
    url, title = packet_url(t), f"Review packet: {t.display_label}"
    if part == 2:
        url, title = papers_part_url(t), f"Review packet, part 2 (papers): {t.display_label}"
    return PageSpec(url, "advisory/packet.html", title, {
        "e": t, "entries": items, "children": corpus.rel("theory_children", t.id), "intro": packet_intro(items),
        "coded": coded, "mapped": mapped, "part": part,
        "part2_url": papers_part_url(t) if part2 else None, "part1_url": packet_url(t) if part == 2 else None,
        "references": tuple(sorted({p.id: p for p in papers}.values(),
                                   key=lambda p: (cite_of(memo, p).lower(), p.id.lower()))),
    }, section="review")


DECISIONS_URL = "review/decisions/"


def decision_groups(corpus: Corpus) -> list[tuple[str, str, str, tuple[ReviewLink, ...]]]:
    """Every link with a ``reviewed`` record, grouped by (date, by), newest date first:
    (anchor, date, by, links in content order)."""
    groups: dict[tuple[str, str], list[ReviewLink]] = {}
    for link in review_links(corpus):
        if link.reviewed is not None:
            groups.setdefault((link.reviewed.date, link.reviewed.by or ""), []).append(link)
    ordered = sorted(groups.items(), key=lambda kv: (kv[0][1].lower(), kv[0][1]))
    ordered.sort(key=lambda kv: kv[0][0], reverse=True)
    out, used = [], set()
    for (date, by), links in ordered:
        anchor = "d-" + "-".join(filter(None, (date, _slug(by))))
        n = 2
        while anchor in used:  # two names that differ only in punctuation
            anchor, n = f"{anchor}-{n}", n + 1
        used.add(anchor)
        out.append((anchor, date, by, tuple(links)))
    return out


def _slug(text: str) -> str:
    return "-".join("".join(ch if ch.isalnum() else " " for ch in text.lower()).split())[:60]


def link_page(link: ReviewLink) -> str:
    """The page that shows a link: its CMOC's, its paper's or its map's."""
    return link.owner.page_url


def decisions_page(corpus: Corpus) -> PageSpec:
    """``/review/decisions/``: the decisions recorded with who made them and when, newest first."""
    return PageSpec(DECISIONS_URL, "advisory/decisions.html", "Decisions by date and meeting", {
        "groups": decision_groups(corpus), "kind_labels": KIND_LABELS, "link_page": link_page,
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
