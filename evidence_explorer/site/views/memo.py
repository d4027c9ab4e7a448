"""Values the views derive from single entities (row weights, short citations), remembered by identity.

Paginating the long lists (every paper, the CMOCs of a theory, a matrix cell) needs an estimated
weight for every row, and those weights were most of the time a serve rebuild spent recomputing page
specs. An unchanged entity is the very same object from one serve rebuild to the next, and an edited
one is a new object, so a value keyed by the identity of the entities it was computed from stays valid
as long as those objects do. :class:`Memo` holds such values for one build; ``Memo(memo.entries)``
starts the next build's memo from the entries this build used, so the values of replaced entities are
dropped instead of piling up over a long session. It is passed explicitly (``collect_pages(corpus,
memo)``); a full build uses a fresh one, so memoised and fresh specs are the same by construction.
"""
from __future__ import annotations

from collections import ChainMap
from types import MappingProxyType
from typing import Any, Callable, Mapping, TypeVar

from ...content.citation import short_cite

V = TypeVar("V")

LAYERS = 16
"""Rebuilds whose new entries are layered over the previous ones before they are merged into one dict."""

_Entry = tuple[tuple[Any, ...], Any]
"""(the objects the value was computed from, the value): keeping the objects keeps their ids unique."""


class Memo:
    """Values keyed by a name and the identities of the objects they were computed from."""

    def __init__(self, previous: Mapping[tuple, _Entry] | None = None, flatten: bool = False) -> None:
        """``flatten``: ``previous`` merged into one dict (:func:`flat`) when first read, for many
        look-ups; an edit build's exports often read none (84,000 entries, 0.03 s, at 5,000 papers)."""
        self._previous: Mapping[tuple, _Entry] = previous or {}
        self._flatten = flatten and isinstance(self._previous, ChainMap)
        self._used: dict[tuple, _Entry] = {}
        self._computed: list[tuple[str, tuple[Any, ...]]] = []

    def get(self, name: str, objects: tuple[Any, ...], compute: Callable[[], V]) -> V:
        """The value ``name`` of ``objects``: remembered when these very objects were seen before,
        else ``compute()`` (which must depend on nothing but ``objects`` and the site config)."""
        key = (name, *map(id, objects))
        entry = self._used.get(key)
        if entry is None:
            if self._flatten:
                self._previous, self._flatten = flat(self._previous), False
            entry = self._previous.get(key)
        if entry is None:  # equal ids are the same objects: an entry keeps its objects alive
            entry = (objects, compute())
            self._computed.append((name, objects))
        self._used[key] = entry
        return entry[1]

    @property
    def computed(self) -> tuple[tuple[str, tuple[Any, ...]], ...]:
        """(name, objects) of every value this memo had to compute (for tests and profiling)."""
        return tuple(self._computed)

    @property
    def entries(self) -> Mapping[tuple, _Entry]:
        """A read-only copy of the entries this build used: ``Memo(entries)`` starts the next build
        from them (what a serve session keeps between rebuilds)."""
        return MappingProxyType(dict(self._used))

    def carried(self, live: Callable[[Any], bool] | None = None) -> Mapping[tuple, _Entry]:
        """The previous entries and this build's (a rebuild that recomputed only some specs used
        only some entries), layered without copying the previous ones (up to :data:`LAYERS` deep).
        With ``live``, only entries whose every object is live are kept (the objects of replaced
        entities are not: their values would otherwise pile up); the result is then one flat dict."""
        layers = list(self._previous.maps) if isinstance(self._previous, ChainMap) else [self._previous]
        if live is None and len(layers) < LAYERS:
            return ChainMap(dict(self._used), *layers)
        out = {k: v for k, v in ChainMap(self._used, *layers).items() if live is None or all(map(live, v[0]))}
        return MappingProxyType(out)


def flat(entries: Mapping[tuple, _Entry]) -> dict[tuple, _Entry]:
    """``dict(entries)`` (for the many look-ups of a whole site's specs or exports), a chain map's
    layers merged by ``dict.update`` rather than read one key at a time through the chain (84,000
    keys at 5,000 papers: 0.06 s of an edit build)."""
    if isinstance(entries, ChainMap):
        out: dict[tuple, _Entry] = {}
        for layer in reversed(entries.maps):  # the first layer wins, as in the chain
            out.update(flat(layer))
        return out
    return dict(entries)


def cite_of(memo: Memo, paper: Any) -> str:
    """The paper's short citation ("Smith & Jones 2020"), remembered per paper object."""
    return memo.get("short_cite", (paper,), lambda: short_cite(paper.authors, paper.year))
