"""What each page depends on: ids looked up while rendering, entities in its context, templates.

:class:`RecordingCorpus` wraps a :class:`~evidence_explorer.link.Corpus` for one
(re)build and notes every id a template looks up (``link(t.parent)``, backlink
indexes, ``search_record``…); :func:`context_deps` adds the entities a page's
context holds; :func:`template_closure` says which templates a page's output
comes from. :mod:`evidence_explorer.incremental` uses them to re-render only
the pages whose output can change.
"""
from __future__ import annotations

import functools
from dataclasses import fields, is_dataclass
from typing import Any, Iterable, Iterator, Mapping

import jinja2
import jinja2.meta

from ..content.link import Corpus
from ..content.model import Entity
from ..site.environment import TEMPLATES_DIR
from ..site.render import fragment_templates
from ..content.fields import Ref
from ..site.views import PageSpec

ANY = "*"
"""Dependency on every entity: the page read a whole collection while rendering."""

_GROUPS = frozenset({"reviews", "questions", "theories", "maps", "papers", "cmocs", "pages", "by_id", "all"})


# --- recording what a page looks up -------------------------------------------------------

class _RecordingIndex:
    """A backlink index (id → ids) that notes each key read and the ids it returned."""

    def __init__(self, index: Mapping[str, tuple[str, ...]], seen: set[str]):
        self._index, self._seen = index, seen

    def get(self, key: str, default: Any = None) -> Any:
        value = self._index.get(key, default)
        self._seen.add(str(key).lower())
        self._seen.update(v.lower() for v in value or ())
        return value

    def __getitem__(self, key: str) -> tuple[str, ...]:
        return self.get(key) if key in self._index else self._index[key]

    def __contains__(self, key: object) -> bool:
        self._seen.add(str(key).lower())
        return key in self._index

    def __getattr__(self, name: str) -> Any:  # items(), keys(), iteration: depends on everything
        self._seen.add(ANY)
        return getattr(self._index, name)

    def __iter__(self):
        self._seen.add(ANY)
        return iter(self._index)

    def __len__(self) -> int:
        self._seen.add(ANY)
        return len(self._index)


class _RecordingLinks:
    def __init__(self, links: Any, seen: set[str]):
        self._links, self._seen = links, seen

    def __getattr__(self, name: str) -> _RecordingIndex:
        return _RecordingIndex(getattr(self._links, name), self._seen)


class RecordingCorpus:
    """A read-only view of a :class:`Corpus` that records the ids looked up through it.

    Made once per (re)build; :meth:`begin` starts a fresh record for the next page.
    """

    def __init__(self, corpus: Corpus, rels: dict | None = None):
        self._corpus = corpus
        self.seen: set[str] = set()
        self._rels: dict[tuple[str, str], tuple[tuple[Entity, ...], frozenset[str]]] = {} if rels is None else rels
        """(index, lower-cased id) → the related entities and the ids to record: pages of one
        rebuild look up the same backlinks again and again (the theory index: every theory's CMOCs).
        ``serve`` keeps them between rebuilds (:func:`kept_rels`)."""

    def begin(self) -> set[str]:
        self.seen = set()
        return self.seen

    @property
    def links(self) -> _RecordingLinks:
        return _RecordingLinks(self._corpus.links, self.seen)

    def get(self, entity_id: str) -> Entity:
        self.seen.add(entity_id.lower())
        return self._corpus.get(entity_id)

    def find(self, entity_id: str) -> Entity | None:
        self.seen.add(entity_id.lower())
        return self._corpus.find(entity_id)

    def rel(self, index: str, entity_id: str) -> tuple[Entity, ...]:
        key = (index, entity_id.lower())
        hit = self._rels.get(key)
        if hit is None:
            found = self._corpus.rel(index, entity_id)
            hit = self._rels[key] = (found, frozenset([key[1], *(e.id.lower() for e in found)]))
        self.seen.update(hit[1])
        return hit[0]

    def __getattr__(self, name: str) -> Any:
        if name in _GROUPS:
            self.seen.add(ANY)
        return getattr(self._corpus, name)


# --- static dependencies ------------------------------------------------------------------

def context_deps(spec: PageSpec) -> set[str]:
    """Ids of the entities (and bare id references) a page's context holds.

    Ids the page *resolves* while rendering (``link(t.parent)``, ``[[wikilinks]]`` in a
    rendered body, backlink lookups) are recorded by :class:`RecordingCorpus` instead."""
    ids: set[str] = set()
    entered: set[int] = set()  # containers shared within the context are walked once

    def walk(value: Any) -> None:
        shape = shape_of(type(value))
        if shape is ENTITY:
            ids.add(value.id.lower())
        elif shape is REF:
            ids.add(value.lower())
        elif shape is LEAF or id(value) in entered:
            return
        else:
            entered.add(id(value))
            if shape is MAPPING:
                for k, v in value.items():
                    walk(k)
                    walk(v)
            elif flat(value):  # entities and plain values only (a list of CMOCs)
                ids.update(v.id.lower() if shape_of(type(v)) is ENTITY else v.lower()
                           for v in value if shape_of(type(v)) is not LEAF)
            elif shape is SEQUENCE:
                for v in value:
                    walk(v)
            elif shape is RECORD:
                for name in field_names(type(value)):
                    walk(getattr(value, name))

    try:
        walk(spec.context)
        walk(spec.entity)
    finally:
        del walk  # (a recursive closure refers to itself: a cycle only the collector would free)
    return ids


ENTITY, REF, LEAF, MAPPING, SEQUENCE, RECORD = "entity", "ref", "leaf", "mapping", "sequence", "record"


@functools.cache
def shape_of(cls: type) -> str:
    """How :func:`context_deps` (and :mod:`.views.delta`) treat a value of class ``cls``."""
    if issubclass(cls, Entity):
        return ENTITY
    if issubclass(cls, Ref):
        return REF
    if issubclass(cls, (str, bytes, int, float, bool, type(None))):
        return LEAF
    if issubclass(cls, Mapping):
        return MAPPING
    if issubclass(cls, (tuple, list, set, frozenset)):
        return SEQUENCE
    if is_dataclass(cls):
        return RECORD
    return LEAF


def flat(value: Any) -> bool:
    """A sequence holding no container: only entities, id references and plain values."""
    return (shape_of(type(value)) is SEQUENCE
            and all(shape_of(t) in (ENTITY, REF, LEAF) for t in set(map(type, value))))


@functools.cache
def field_names(cls: type) -> tuple[str, ...]:
    """The fields of a dataclass ``cls`` (``dataclasses.fields`` rebuilds the tuple on every call)."""
    return tuple(f.name for f in fields(cls))


def template_closure(names: Iterable[str]) -> dict[str, frozenset[str]]:
    """Template name → itself and every template it extends, includes or imports."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)))
    direct: dict[str, frozenset[str]] = {}

    def refs(name: str) -> frozenset[str]:
        if name not in direct:
            direct[name] = frozenset()
            try:
                source = env.loader.get_source(env, name)[0]  # type: ignore[union-attr]
                tree = env.parse(source)
                found = set(jinja2.meta.find_referenced_templates(tree)) | fragment_templates(tree)
            except (jinja2.TemplateError, OSError):
                found = {None}
            # a template chosen at run time ({% include var %}) may be any template
            direct[name] = frozenset(ANY if n is None else n for n in found)
        return direct[name]

    out: dict[str, frozenset[str]] = {}
    for name in names:
        seen, todo = {name}, [name]
        while todo:
            for r in refs(todo.pop()):
                if r not in seen:
                    seen.add(r)
                    if r != ANY:
                        todo.append(r)
        out[name] = frozenset(seen)
    return out


# --- pages by dependency ------------------------------------------------------------------

def users_of(deps: Mapping[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    """``deps`` (URL → ids) reversed: id → URLs of the pages that depend on it."""
    out: dict[str, set[str]] = {}
    for url, ids in deps.items():
        for i in ids:
            out.setdefault(i, set()).add(url)
    return {i: frozenset(u) for i, u in out.items()}


class Users(Mapping[str, frozenset[str]]):
    """:func:`users_of` of ``deps``, each id's URLs found when first asked for (``build``'s snapshot path
    asks for a few ids: reversing every page's dependencies costs more than the edit itself)."""

    def __init__(self, deps: Mapping[str, frozenset[str]]) -> None:
        self._deps = deps
        self._found: dict[str, frozenset[str]] = {}
        self._all: dict[str, frozenset[str]] | None = None

    def __getitem__(self, key: str) -> frozenset[str]:
        if self._all is not None:
            return self._all[key]
        found = self._found.get(key)
        if found is None:
            found = self._found[key] = frozenset(url for url, ids in self._deps.items() if key in ids)
        if not found:
            raise KeyError(key)
        return found

    def _every(self) -> dict[str, frozenset[str]]:
        if self._all is None:
            self._all = users_of(self._deps)
        return self._all

    def __iter__(self) -> Iterator[str]:
        return iter(self._every())

    def __len__(self) -> int:
        return len(self._every())


def update_users(users: Mapping[str, frozenset[str]], old_deps: Mapping[str, frozenset[str]],
                 new_deps: Mapping[str, frozenset[str]], removed: Iterable[str]) -> dict[str, frozenset[str]]:
    """:func:`users_of` of the deps after the pages ``new_deps`` were re-rendered and ``removed`` deleted,
    from ``users`` of ``old_deps``; in proportion to the pages touched. A :class:`Users` stays one, of
    the deps after the change (``old_deps`` updated)."""
    if isinstance(users, Users):
        deps = {**old_deps, **new_deps}
        for url in removed:
            deps.pop(url, None)
        return Users(deps)  # type: ignore[return-value]
    out = dict(users)
    drop: dict[str, set[str]] = {}
    add: dict[str, set[str]] = {}
    for url in removed:
        for i in old_deps.get(url, ()):
            drop.setdefault(i, set()).add(url)
    for url, ids in new_deps.items():
        before, ids = frozenset(old_deps.get(url, ())), frozenset(ids)  # (a snapshot's are tuples)
        for i in before - ids:
            drop.setdefault(i, set()).add(url)
        for i in ids - before:
            add.setdefault(i, set()).add(url)
    for i in drop.keys() | add.keys():
        value = (out.get(i, frozenset()) - drop.get(i, set())) | add.get(i, set())
        if value:
            out[i] = frozenset(value)
        else:
            out.pop(i, None)
    return out


def kept_rels(rels: dict, changed: set[str], relinked: bool) -> dict:
    """The backlink look-ups of :class:`RecordingCorpus` still valid after an edit: none after a full
    re-link (the backlinks may differ), else those that hold none of the ``changed`` ids (their
    entities are the very objects of the new corpus, the backlinks the same)."""
    if not relinked:
        return {}
    stale = [key for key, (_found, ids) in rels.items() if not ids.isdisjoint(changed)]
    for key in stale:
        del rels[key]
    return rels
