"""Re-linking in proportion to an edit (``serve``): reuse the previous corpus's id index and backlinks
when the edited entities keep everything :func:`~evidence_explorer.link.link` computes from them."""
from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from ..content.link import Corpus, body_links, located_refs, sort_key
from ..content.model import Entity

_GROUP_OF = MappingProxyType({"review": "reviews", "question": "questions", "theory": "theories",
                              "map": "maps", "paper": "papers", "cmoc": "cmocs", "page": "pages"})


def _relations(entity: Entity) -> tuple[tuple[str, str, str], ...]:
    return tuple((name, kind, str(ref)) for name, kind, ref, _line in located_refs(entity))


def relink(previous: Corpus, pairs: list[tuple[Entity, Entity]]) -> Corpus | None:
    """``previous`` with each ``(old, new)`` entity swapped, reusing its id index and backlinks, when
    the edits cannot change what :func:`~evidence_explorer.link.link` computes from them: same kind,
    id, URL, list position and relations, and every ``[[link]]`` resolves. None otherwise (then
    the caller re-links everything). The caller runs the integrity checks on the result, as link() does."""
    by_id = dict(previous.by_id)
    swapped: dict[int, Entity] = {}
    for old, new in pairs:
        if (type(old) is not type(new) or old.id != new.id or old.page_url != new.page_url
                or by_id.get(old.id.lower()) is not old or sort_key(old) != sort_key(new)
                or _relations(old) != _relations(new)):
            return None
        if any(target.lower() not in by_id for target, _label, _line in body_links(new)):
            return None
        by_id[new.id.lower()] = new
        swapped[id(old)] = new
    names = {_GROUP_OF[new.kind] for _old, new in pairs}
    groups = {name: tuple(map(swapped.get, map(id, getattr(previous, name)), getattr(previous, name)))
              for name in names}
    return replace(previous, by_id=MappingProxyType(by_id), **groups)


def changed_backlinks(previous: Corpus, corpus: Corpus) -> set[str]:
    """Lower-cased ids whose entry in any backlink index differs between two corpora (after a full
    re-link: a page that looked up an entity's backlinks recorded that id, not the new ones'
    ids, so an added CMOC must re-render the pages that listed its theory's CMOCs)."""
    changed: set[str] = set()
    for name in vars(previous.links):
        before, after = getattr(previous.links, name), getattr(corpus.links, name)
        for key in before.keys() | after.keys():
            if before.get(key) != after.get(key):
                changed.add(key.lower())
    return changed
