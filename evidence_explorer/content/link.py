"""Resolve relations against one id index, compute backlinks once.

Input: validated entities. Output: an immutable :class:`Corpus` that every
later stage reads. All lookups after this stage are dictionary lookups.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Iterable, Iterator, Mapping

from . import urls
from .config import SiteConfig
from .diagnostics import Location, Report, did_you_mean
from .model import Cmoc, Entity, EvidenceMap, Page, Paper, Question, Review, Theory
from .fields import Ref

WIKILINK = re.compile(r"\[\[([^\[\]|\n]+?)(?:\|([^\[\]\n]+?))?\]\]")
_FENCE = re.compile(r"^\s*(```|~~~)")
_CODE_SPAN = re.compile(r"`[^`]*`")
_DIGITS = re.compile(r"(\d+)")

Ids = tuple[str, ...]
Index = Mapping[str, Ids]


@dataclass(frozen=True)
class Backlinks:
    """Reverse relations, each id → ids in content order. Built once per build."""

    paper_cmocs: Index
    paper_theories: Index
    paper_maps: Index
    theory_children: Index
    theory_cmocs: Index
    theory_coded_papers: Index
    theory_papers: Index
    theory_maps: Index
    question_theories: Index
    question_cmocs: Index
    question_papers: Index
    review_questions: Index
    review_papers: Index
    cmoc_chained_from: Index


@dataclass(frozen=True)
class Corpus:
    config: SiteConfig
    reviews: tuple[Review, ...]
    questions: tuple[Question, ...]
    theories: tuple[Theory, ...]
    maps: tuple[EvidenceMap, ...]
    papers: tuple[Paper, ...]
    cmocs: tuple[Cmoc, ...]
    pages: tuple[Page, ...]
    by_id: Mapping[str, Entity]
    """Lower-cased id → entity."""
    links: Backlinks
    history: Any = None
    """:class:`~evidence_explorer.content.changelog.Changelog` of the content directory, set by
    ``build()`` (its ``unavailable`` says why when there is none: /changes/ explains); None outside a
    build (``check``), then there is no /changes/ page."""
    _rels: dict[tuple[str, str], tuple[Entity, ...]] = field(default_factory=dict, init=False, repr=False,
                                                             compare=False)
    """:meth:`rel`'s answers, made once per corpus (the page specs ask 84,000 times for 25,000 answers at
    N = 5,000); not pickled (:meth:`__getstate__`)."""

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_rels", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _rels={})

    def get(self, entity_id: str) -> Entity:
        return self.by_id[entity_id.lower()]

    def find(self, entity_id: str) -> Entity | None:
        return self.by_id.get(entity_id.lower())

    def all(self) -> Iterator[Entity]:
        for group in (self.reviews, self.questions, self.theories, self.maps, self.papers, self.cmocs,
                      self.pages):
            yield from group

    def rel(self, index: str, entity_id: str) -> tuple[Entity, ...]:
        """Entities related to ``entity_id`` through backlink index ``index``."""
        key = (index, entity_id.lower())
        found = self._rels.get(key)
        if found is None:
            by_id = self.by_id
            found = self._rels[key] = tuple(by_id[i.lower()] for i in getattr(self.links, index).get(key[1], ()))
        return found

    def forget(self) -> None:
        """Drop :meth:`rel`'s kept answers (once the page specs are made: the render asks few
        questions, and its forked workers would copy every page of answers they touched)."""
        self._rels.clear()


def located_refs(entity: Entity) -> Iterator[tuple[str, str, Ref, int | None]]:
    """(field name, expected kind, ref, line) for every relation an entity writes; the line is the
    ref's own, else that of its record (a source, a theory link: ``schema.drop_known_line``), else
    the field's."""
    field_line = entity.line_of
    if isinstance(entity, Question):
        yield from (("review", "review", r, r.line or field_line("review")) for r in entity.review)
    elif isinstance(entity, Theory):
        if entity.parent:
            yield "parent", "theory", entity.parent, entity.parent.line or field_line("parent")
        yield from (("related", "theory", r, r.line or field_line("related")) for r in entity.related)
        yield from (("question", "question", r, r.line or field_line("question")) for r in entity.question)
        yield from (("review", "review", r, r.line or field_line("review")) for r in entity.review)
    elif isinstance(entity, EvidenceMap):
        if entity.theory:
            yield "theory", "theory", entity.theory, entity.theory.line or field_line("theory")
        for row in entity.rows:
            yield from (("rows", "paper", p.paper, p.paper.line or p.line or field_line("rows")) for p in row.papers)
    elif isinstance(entity, Paper):
        yield from (("questions", "question", r, r.line or field_line("questions")) for r in entity.questions)
        yield from (("review", "review", r, r.line or field_line("review")) for r in entity.review)
        yield from (("theories", "theory", t.theory, t.theory.line or t.line or field_line("theories"))
                    for t in entity.theories)
    elif isinstance(entity, Cmoc):
        yield from (("sources", "paper", s.paper, s.paper.line or s.line or field_line("sources"))
                    for s in entity.sources)
        yield from (("theories", "theory", t.theory, t.theory.line or t.line or field_line("theories"))
                    for t in entity.theories)
        yield from (("question", "question", r, r.line or field_line("question")) for r in entity.question)
        yield from (("review", "review", r, r.line or field_line("review")) for r in entity.review)
        yield from (("chains_to", "cmoc", r, r.line or field_line("chains_to")) for r in entity.chains_to)


def body_links(entity: Entity) -> Iterator[tuple[str, str | None, int]]:
    """(target id, label, line) for each ``[[id]]`` in the body, outside code blocks."""
    if "[" not in entity.body:
        return  # no link possible
    in_fence = False
    for n, text in enumerate(entity.body.split("\n")):
        if _FENCE.match(text):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        if "`" in text:
            text = _CODE_SPAN.sub("", text)
        if "[[" in text:
            for m in WIKILINK.finditer(text):
                yield m.group(1).strip(), m.group(2), entity.body_line + n


def link(entities: list[Entity], config: SiteConfig, report: Report,
         invalid: Mapping[str, tuple[str, str]] = MappingProxyType({})) -> Corpus:
    """Build the id index, resolve every relation, compute backlinks, report problems.

    ``invalid`` maps the lower-cased ids claimed by files that failed to load or validate to (kind,
    path): a reference to one of them says that file has errors, printed after them
    (``link.invalid-target``), instead of calling the id unknown."""
    invalid = dict(invalid)
    by_id: dict[str, Entity] = {}
    by_url: dict[str, Entity] = {}
    for e in entities:  # load order: collections in COLLECTIONS order, files sorted
        key = e.id.lower()
        if key in by_id:
            first = by_id[key]
            report.error("id.duplicate", f"id '{e.id}' is already used by {first.path}"
                         + (" (ids are compared ignoring case)" if first.id != e.id else ""),
                         e.location("id") if e.line_of("id") else Location(e.path, 1))
            continue
        first_segment = e.page_url.split("/")[0]
        if isinstance(e, Page) and first_segment.lower() in urls.RESERVED:
            report.error("url.collision", f"page id '{e.id}' would overwrite the generated '/{first_segment}/'; "
                         "choose another id", Location(e.path, 1))
            invalid.setdefault(key, (e.kind, e.path))
            continue
        if e.page_url.lower() in by_url:
            report.error("url.collision", f"'{e.page_url}' is also the URL of {by_url[e.page_url.lower()].path}",
                         Location(e.path, 1))
            invalid.setdefault(key, (e.kind, e.path))
            continue
        by_id[key], by_url[e.page_url.lower()] = e, e
    ids_of_kind: dict[str, list[str]] = defaultdict(list)
    for e in by_id.values():
        ids_of_kind[e.kind].append(e.id)

    _check_refs(by_id, ids_of_kind, invalid, report)

    kinds = {k: tuple(sorted((x for x in by_id.values() if x.kind == k), key=sort_key))
             for k in ("review", "question", "theory", "map", "paper", "cmoc", "page")}
    resolved = lambda ref, kind: ref.lower() in by_id and by_id[ref.lower()].kind == kind  # noqa: E731
    canon = lambda ref: by_id[ref.lower()].id  # noqa: E731
    links = _backlinks(kinds, resolved, canon)
    _check_cycles(kinds["theory"], by_id, report)
    corpus = Corpus(config, *(kinds[k] for k in ("review", "question", "theory", "map", "paper", "cmoc", "page")),
                    by_id=MappingProxyType(by_id), links=links)
    return corpus


def _check_refs(by_id: Mapping[str, Entity], ids_of_kind: Mapping[str, list[str]],
                invalid: Mapping[str, tuple[str, str]], report: Report) -> None:
    """Report every relation and ``[[link]]`` whose target is unknown, of another kind, or failed."""
    for e in by_id.values():
        for name, kind, ref, line in located_refs(e):
            target = by_id.get(ref.lower())
            loc = Location(e.path, line)
            if target is None and ref.lower() in invalid:
                _invalid_target(report, ref, f"'{name}'", invalid[ref.lower()], loc)
            elif target is None:
                report.error("link.unknown-id", f"unknown {kind} id '{ref}' in '{name}'"
                             f"{did_you_mean(ref, ids_of_kind[kind])}", loc)
            elif target.kind != kind:
                report.error("link.wrong-kind", f"'{ref}' in '{name}' is a {target.kind}, not a {kind}", loc)
        for target_id, _label, line in body_links(e):
            if target_id.lower() in by_id:
                continue
            if target_id.lower() in invalid:
                _invalid_target(report, target_id, "[[link]]", invalid[target_id.lower()], Location(e.path, line))
            else:
                report.error("link.unknown-id", f"unknown id '{target_id}' in [[link]]"
                             f"{did_you_mean(target_id, by_id and [x.id for x in by_id.values()])}",
                             Location(e.path, line))


def _invalid_target(report: Report, ref: str, where: str, target: tuple[str, str], loc: Location) -> None:
    """A reference to a file that failed: a knock-on error, printed after that file's own."""
    kind, path = target
    report.error("link.invalid-target", f"{kind} '{ref}' in {where} has errors (see {path} above)", loc, after=path)


def sort_key(e: Entity) -> tuple:
    if isinstance(e, Page):
        return (e.order, e.title.lower())
    if isinstance(e, Theory) and e.order is not None:
        return (e.order, _natural(e.id))
    return (_ORDERLESS, _natural(e.id))


_ORDERLESS = float("inf")
"""Sort position of a theory without 'order' (after the ordered ones) and of other kinds."""


def _natural(text: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p.lower() for p in _DIGITS.split(text))


def _backlinks(kinds: dict, resolved, canon) -> Backlinks:
    idx: dict[str, dict[str, dict[str, None]]] = defaultdict(lambda: defaultdict(dict))

    def add(index: str, key: str, value: str) -> None:
        idx[index][key.lower()][value] = None  # dict as an ordered set

    for t in kinds["theory"]:
        if t.parent and resolved(t.parent, "theory"):
            add("theory_children", t.parent, t.id)
        for q in t.question:
            if resolved(q, "question"):
                add("question_theories", q, t.id)
    for q in kinds["question"]:
        for r in q.review:
            if resolved(r, "review"):
                add("review_questions", r, q.id)
    for m in kinds["map"]:
        theory = m.theory if m.theory and resolved(m.theory, "theory") else None
        if theory:
            add("theory_maps", theory, m.id)
        for row in m.rows:
            for p in (item.paper for item in row.papers):
                if resolved(p, "paper"):
                    add("paper_maps", p, m.id)
                    if theory:
                        add("paper_theories", p, canon(theory))
                        add("theory_papers", theory, canon(p))
    for p in kinds["paper"]:
        for t in (coded.theory for coded in p.theories):
            if resolved(t, "theory"):
                add("paper_theories", p.id, canon(t))
                add("theory_coded_papers", t, p.id)
                add("theory_papers", t, p.id)
        for q in p.questions:
            if resolved(q, "question"):
                add("question_papers", q, p.id)
        for r in p.review:
            if resolved(r, "review"):
                add("review_papers", r, p.id)
    for c in kinds["cmoc"]:
        theories = [canon(t.theory) for t in c.theories if resolved(t.theory, "theory")]
        papers = [canon(s.paper) for s in c.sources if resolved(s.paper, "paper")]
        questions = [canon(q) for q in c.question if resolved(q, "question")]
        for t in theories:
            add("theory_cmocs", t, c.id)
        for p in papers:
            add("paper_cmocs", p, c.id)
            for t in theories:
                add("paper_theories", p, t)
                add("theory_papers", t, p)
            for q in questions:
                add("question_papers", q, p)
        for q in questions:
            add("question_cmocs", q, c.id)
        for nxt in c.chains_to:
            if resolved(nxt, "cmoc"):
                add("cmoc_chained_from", nxt, c.id)
    _question_evidence(kinds["theory"], idx, resolved)
    return Backlinks(**{name: MappingProxyType({k: tuple(v) for k, v in idx[name].items()})
                        for name in Backlinks.__dataclass_fields__})


def _question_evidence(theories: Iterable[Theory], idx: dict, resolved) -> None:
    """A question's CMOCs and papers include those of the theory nodes that answer it (after the
    ones that name the question themselves), so its page counts what its node table lists."""
    for t in theories:
        for q in t.question:
            if not resolved(q, "question"):
                continue
            for index, source in (("question_cmocs", "theory_cmocs"), ("question_papers", "theory_papers")):
                for item in idx[source].get(t.id.lower(), ()):
                    idx[index][q.lower()][item] = None


def _check_cycles(theories: Iterable[Theory], by_id: Mapping[str, Entity], report: Report) -> None:
    reported: set[str] = set()
    for t in theories:
        path, node = [t.id.lower()], t
        while isinstance(node, Theory) and node.parent:
            nxt = node.parent.lower()
            if nxt in path:
                cycle = path[path.index(nxt):]
                if not reported.intersection(cycle):
                    names = [by_id[i].id for i in cycle] + [by_id[nxt].id]
                    report.error("link.cycle", f"'parent' forms a cycle: {' → '.join(names)}",
                                 t.location("parent"))
                reported.update(cycle)
                break
            path.append(nxt)
            node = by_id.get(nxt)  # type: ignore[assignment]
