"""Integrity findings: the checks an advisory group runs on the links of an evidence base.

One function, :func:`findings`, computes every finding from the linked corpus
(linear in its size). The same findings become ``check`` diagnostics
(:func:`report_findings`, called once by :func:`evidence_explorer.pipeline.check`)
and the ``/review/integrity/`` page. Each check has a stable diagnostic code
and a level set in ``site.yaml``'s ``integrity:`` section:

- ``warning``: reported per finding; fails ``--strict``;
- ``note``: informational, reported as one counted line; listed on the page;
- ``off``: not computed.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from .diagnostics import Location, Report, did_you_mean
from .flow import arithmetic

if TYPE_CHECKING:  # link imports this module
    from .link import Corpus

LEVELS = ("warning", "note", "off")


@dataclass(frozen=True)
class Check:
    code: str
    level: str
    """Default level."""
    title: str
    """Heading on the integrity page."""
    help: str
    """What the finding means and what to do (page and format reference)."""


CHECKS: Mapping[str, Check] = MappingProxyType({
    "orphan-paper": Check(
        "link.orphan", "warning", "Papers nothing refers to",
        "Included papers that no CMOC cites, no evidence map lists and that are not coded to a theory."),
    "theory-without-evidence": Check(
        "link.no-evidence", "warning", "Theories without evidence",
        "Theory nodes that no CMOC, paper or map links to, nor to their children or related theories "
        "(nodes marked 'examined: synthesised' are drawn from the review as a whole and not checked)."),
    "empty-map-row": Check(
        "map.empty-row", "warning", "Empty evidence-map rows",
        "Map rows listing no papers and carrying no note that acknowledges the gap."),
    "few-sources": Check(
        "integrity.few-sources", "note", "CMOCs with a single source",
        "CMOCs resting on fewer sources than 'min_sources' (default 2)."),
    "source-provenance": Check(
        "integrity.source-provenance", "note", "Sources without a quote or locator",
        "CMOC sources that do not say where in the paper (locator) or what it says (quote): the link "
        "cannot be checked against the paper."),
    "duplicate-doi": Check(
        "integrity.duplicate-doi", "warning", "Duplicate DOIs",
        "Two or more paper files with the same DOI (compared ignoring case): probably one study entered twice."),
    "only-refuting": Check(
        "integrity.only-refuting", "warning", "Papers cited only as refuting",
        "Papers whose every CMOC links its theories with the relation 'refutes'."),
    "flow-count": Check(
        "integrity.flow-count", "warning", "Reported flow counts that differ from the papers present",
        "A review's last document-flow stage that mentions inclusion reports a number that differs from "
        "the included papers naming that review."),
    "flow-arithmetic": Check(
        "flow.arithmetic", "warning", "PRISMA flow counts that do not add up",
        "A PRISMA-shaped document flow (every step has a role) whose count at a main-column box differs "
        "from what is identified, less what is removed or excluded before it."),
    "map-paper-unused": Check(
        "integrity.map-paper-unused", "note", "Map references to papers no CMOC uses",
        "Evidence-map rows listing papers that no CMOC cites (expected for mapped, not reviewed, theories)."),
})

CONFIG_KEYS = {"min_sources": "Minimum sources per CMOC before 'few-sources' fires (default 2).",
               **{name: f"{c.title}: warning, note or off (default {c.level})." for name, c in CHECKS.items()}}


@dataclass(frozen=True)
class IntegrityConfig:
    """``site.yaml`` ``integrity:``: a level per check, and the minimum sources per CMOC."""

    levels: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    min_sources: int = 2

    def level(self, check: str) -> str:
        return self.levels.get(check, CHECKS[check].level)


def parse_integrity(raw: Any, path: str, report: Report) -> IntegrityConfig | None:
    """Validate the ``integrity:`` mapping of site.yaml (strict keys, did-you-mean)."""
    line_of = getattr(raw, "line_of", lambda key: None)
    if not isinstance(raw, dict):
        report.error("config.invalid", "'integrity' must be a mapping of check: level",
                     Location(path, getattr(raw, "line", None)))
        return None
    ok, levels, min_sources = True, {}, 2
    for key, value in raw.items():
        where = Location(path, line_of(key))
        if key == "min_sources":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                report.error("config.invalid", "'integrity.min_sources' must be a whole number of at least 1",
                             where)
                ok = False
            else:
                min_sources = value
        elif key not in CHECKS:
            report.error("config.unknown-key", f"unknown key '{key}' in integrity{did_you_mean(key, CONFIG_KEYS)}",
                         where)
            ok = False
        elif value is False:  # bare `off` is a YAML 1.1 boolean
            levels[key] = "off"
        elif value not in LEVELS:
            report.error("config.invalid", f"'integrity.{key}' must be one of {', '.join(LEVELS)}, got {value!r}"
                         f"{did_you_mean(str(value), LEVELS)}", where)
            ok = False
        else:
            levels[key] = value
    return IntegrityConfig(MappingProxyType(levels), min_sources) if ok else None


@dataclass(frozen=True, slots=True)
class Finding:
    check: str
    """Key of :data:`CHECKS`."""
    message: str
    location: Location
    entity: str
    """Id of the entity the finding is about."""
    related: tuple[str, ...] = ()
    """Ids of the other entities involved (papers of a map, duplicates, …)."""

    @property
    def code(self) -> str:
        return CHECKS[self.check].code


def config_of(corpus: Corpus) -> IntegrityConfig:
    return getattr(corpus.config, "integrity", None) or IntegrityConfig()


def findings(corpus: Corpus) -> tuple[Finding, ...]:
    """Every finding of every check that is not ``off``, in check order then content order."""
    cfg = config_of(corpus)
    out: list[Finding] = []
    for name, fn in _CHECK_FUNCTIONS.items():
        if cfg.level(name) != "off":
            out.extend(fn(corpus, cfg))
    return tuple(out)


def refresh(corpus: Corpus, previous: tuple[Finding, ...], cmocs: frozenset[str]) -> tuple[Finding, ...]:
    """``findings(corpus)`` from those of the previous corpus when only the CMOCs ``cmocs`` (lower-case
    ids) changed, and only in what the per-CMOC checks read (:data:`LOCAL_CHECKS`: their sources'
    quotes, locators and lines): those checks are recomputed for these CMOCs, every other finding kept.
    The caller vouches that nothing else changed (serve's edits that keep every relation and status).
    Findings come in check order, so each check's share is found by bisection."""
    cfg = config_of(corpus)
    order = {name: k for k, name in enumerate(_CHECK_FUNCTIONS)}
    out = list(previous)
    for name, check in LOCAL_CHECKS.items():
        if cfg.level(name) == "off" or not cmocs:
            continue
        start = bisect.bisect_left(out, order[name], key=lambda f: order[f.check])
        end = bisect.bisect_right(out, order[name], key=lambda f: order[f.check])
        out[start:end] = _refresh_local(corpus, cfg, check, out[start:end], cmocs)
    return tuple(out)


def _refresh_local(corpus: Corpus, cfg: IntegrityConfig, check: Any, previous: list[Finding],
                   cmocs: frozenset[str]) -> list[Finding]:
    """One per-CMOC check's findings (in CMOC order) with those of ``cmocs`` recomputed: each CMOC's
    findings replace its previous ones where they were (one pass over the findings, not the CMOCs)."""
    changed = {corpus.get(key).id: key for key in cmocs}
    where = [k for k, f in enumerate(previous) if f.entity in changed]
    spans: dict[str, list[int]] = {}
    for k in where:
        spans.setdefault(previous[k].entity, []).append(k)
    fresh = {i: check(corpus.get(key), cfg) for i, key in changed.items()}
    if any(found and i not in spans for i, found in fresh.items()):  # a CMOC's first finding: find its place
        groups: dict[str, list[Finding]] = {}
        for f in previous:
            groups.setdefault(f.entity, []).append(f)
        groups.update(fresh)
        return [f for c in corpus.cmocs for f in groups.get(c.id, ())]
    out = list(previous)
    for i, ks in sorted(spans.items(), key=lambda kv: -kv[1][0]):  # from the end: earlier spans keep place
        out[ks[0]:ks[-1] + 1] = fresh[i]
    return out


def report_findings(corpus: Corpus, report: Report, found: tuple[Finding, ...] | None = None) -> None:
    """Warnings per finding; one counted note per informational check. ``found``: the corpus's
    findings when the caller has them (else computed here)."""
    cfg = config_of(corpus)
    warn = {name for name in CHECKS if cfg.level(name) == "warning"}
    notes: dict[str, int] = {}
    for f in findings(corpus) if found is None else found:
        if f.check in warn:
            report.warning(f.code, f.message, f.location)
        else:
            notes[f.check] = notes.get(f.check, 0) + 1
    for name, n in notes.items():
        report.note(CHECKS[name].code,
                    f"{CHECKS[name].title}: {n} (informational, listed on /review/integrity/; set "
                    f"'integrity: {{{name}: warning}}' in site.yaml to report each one)",
                    Location(corpus.config.path))


# --- the checks ------------------------------------------------------------------------

def _orphan_papers(corpus: Corpus, cfg: IntegrityConfig) -> Iterator[Finding]:
    links = corpus.links
    for p in corpus.papers:
        key = p.id.lower()
        if p.status == "included" and not (links.paper_cmocs.get(key) or links.paper_maps.get(key) or p.theories):
            yield Finding("orphan-paper", "paper is not cited by any CMOC or map, nor coded to a theory",
                          Location(p.path), p.id)


def _theories_without_evidence(corpus: Corpus, cfg: IntegrityConfig) -> Iterator[Finding]:
    links = corpus.links

    def direct(key: str) -> bool:
        return bool(links.theory_cmocs.get(key) or links.theory_papers.get(key) or links.theory_maps.get(key))

    for t in corpus.theories:
        if "synthesised" in t.examined:  # drawn from the review as a whole: no links expected
            continue
        neighbours = [c.lower() for c in links.theory_children.get(t.id.lower(), ())]
        neighbours += [r.lower() for r in t.related if corpus.find(r) is not None]
        if not direct(t.id.lower()) and not any(direct(n) for n in neighbours):
            yield Finding("theory-without-evidence", "theory has no evidence: no CMOC, paper or map links to it "
                          "(nor to its children or related theories)", Location(t.path), t.id)


def _empty_map_rows(corpus: Corpus, cfg: IntegrityConfig) -> Iterator[Finding]:
    for m in corpus.maps:
        for row in m.rows:
            if not row.papers and not row.note:
                yield Finding("empty-map-row", f"row '{row.focus}' lists no papers (a gap in the evidence)",
                              Location(m.path, row.line), m.id)


def _few_sources(corpus: Corpus, cfg: IntegrityConfig) -> Iterator[Finding]:
    for c in corpus.cmocs:
        yield from _cmoc_few_sources(c, cfg)


def _cmoc_few_sources(c: Any, cfg: IntegrityConfig) -> list[Finding]:
    n = len({s.paper.lower() for s in c.sources})
    if n >= cfg.min_sources:
        return []
    return [Finding("few-sources", f"CMOC rests on {n} source{'s' if n != 1 else ''} "
                    f"(the integrity minimum is {cfg.min_sources})", c.location("sources"), c.id,
                    tuple(s.paper for s in c.sources))]


def _source_provenance(corpus: Corpus, cfg: IntegrityConfig) -> Iterator[Finding]:
    for c in corpus.cmocs:
        yield from _cmoc_source_provenance(c, cfg)


def _cmoc_source_provenance(c: Any, cfg: IntegrityConfig) -> list[Finding]:
    out = []
    for s in c.sources:
        missing = [name for name in ("quote", "locator") if not getattr(s, name)]
        if missing:
            out.append(Finding("source-provenance", f"source '{s.paper}' has no {' or '.join(missing)}",
                               Location(c.path, s.line or c.line_of("sources")), c.id, (s.paper,)))
    return out


def _duplicate_dois(corpus: Corpus, cfg: IntegrityConfig) -> Iterator[Finding]:
    first: dict[str, Any] = {}
    for p in corpus.papers:
        if not p.doi:
            continue
        key = p.doi.lower()
        if key in first:
            other = first[key]
            yield Finding("duplicate-doi", f"DOI {p.doi} is also the DOI of {other.path} ('{other.id}')",
                          p.location("doi"), p.id, (other.id,))
        else:
            first[key] = p


def _only_refuting(corpus: Corpus, cfg: IntegrityConfig) -> Iterator[Finding]:
    for p in corpus.papers:
        cmocs = corpus.rel("paper_cmocs", p.id)
        relations = {link.relation for c in cmocs for link in c.theories}
        if relations == {"refutes"}:
            yield Finding("only-refuting", f"paper is cited only as refuting: every theory link of its "
                          f"{len(cmocs)} CMOC{'s' if len(cmocs) != 1 else ''} is 'refutes'", Location(p.path),
                          p.id, tuple(c.id for c in cmocs))


_INCLUDED = re.compile(r"\binclu(ded|sion|de)\b", re.IGNORECASE)


def _flow_counts(corpus: Corpus, cfg: IntegrityConfig) -> Iterator[Finding]:
    for r in corpus.reviews:
        stages = [step for step in r.flow if _INCLUDED.search(step.stage)]
        if not stages:
            continue
        step = stages[-1]
        present = sum(1 for p in corpus.rel("review_papers", r.id) if getattr(p, "status", "") == "included")
        if present != step.count:
            papers = "1 included paper names" if present == 1 else f"{present} included papers name"
            yield Finding("flow-count", f"flow stage '{step.stage}' reports {step.count} but {papers} this review "
                          f"(update this count, or the 'review' field of the papers)", Location(r.path, step.line),
                          r.id)


def _flow_arithmetic(corpus: Corpus, cfg: IntegrityConfig) -> Iterator[Finding]:
    for r in corpus.reviews:
        for step, message in arithmetic(r):
            yield Finding("flow-arithmetic", message, Location(r.path, step.line), r.id)


def _map_papers_unused(corpus: Corpus, cfg: IntegrityConfig) -> Iterator[Finding]:
    used = corpus.links.paper_cmocs
    for m in corpus.maps:
        unused: dict[str, None] = {}
        for row in m.rows:
            for p in (item.paper for item in row.papers):
                if corpus.find(p) is not None and not used.get(p.lower()):
                    unused[corpus.get(p).id] = None
        if unused:
            ids = list(unused)
            shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
            yield Finding("map-paper-unused", f"map lists {len(ids)} paper{'s' if len(ids) != 1 else ''} that no "
                          f"CMOC uses: {shown}", Location(m.path, m.line_of("rows")), m.id, tuple(ids))


_CHECK_FUNCTIONS = {
    "orphan-paper": _orphan_papers,
    "theory-without-evidence": _theories_without_evidence,
    "empty-map-row": _empty_map_rows,
    "few-sources": _few_sources,
    "source-provenance": _source_provenance,
    "duplicate-doi": _duplicate_dois,
    "only-refuting": _only_refuting,
    "flow-count": _flow_counts,
    "flow-arithmetic": _flow_arithmetic,
    "map-paper-unused": _map_papers_unused,
}
assert _CHECK_FUNCTIONS.keys() == CHECKS.keys()

LOCAL_CHECKS = MappingProxyType({"few-sources": _cmoc_few_sources, "source-provenance": _cmoc_source_provenance})
"""Checks whose findings about a CMOC depend on that CMOC alone (its sources), in content order."""
