"""Page specs kept up to date in proportion to an edit (``serve``), instead of recomputed for the site.

A text edit (a CMOC's outcome, a paper's aim, a theory's narrative) leaves every list, count, grouping
and pagination of the site as it was: only the edited entity's objects change. :func:`respec` then
takes the previous specs and, in the specs that held the edited entity (the caller finds them through
the pages' recorded dependencies), swaps the old objects for the new ones (:func:`substitute`); the
specs that derive values from the edited fields are recomputed: a paper's own page (its reference
metadata), the theory pages of an edited CMOC (their CMOC lists' weights), the CMOC index when the
CMOC's row weight change could move a page boundary, the what-works table (its rows' weights), and the
integrity pages when the findings changed.

An edit qualifies only when every field it changed is in :data:`NEUTRAL` for its kind: fields no view
reads except through those recomputed specs. Anything else (a title, a direction, a status, a facet, a
relation, a moved line of a paper's front matter…) returns None, and the caller recomputes every spec.
The specs returned equal what ``collect_pages`` gives for the new corpus (tested on random edits).
"""
from __future__ import annotations

from dataclasses import fields, is_dataclass, replace
from typing import Any, Callable, Iterable, Mapping

from ..content import integrity
from ..content.diagnostics import Location
from ..content.link import Corpus
from ..content.model import Cmoc, Entity, Paper
from ..site.views import PageSpec, advisory, cmoc, paper, theory, whatworks
from ..site.views.memo import Memo
from ..site.views.pagination import MAX_ROWS, ROW_BYTES, page_url

_COMMON = frozenset({"body", "body_line", "extra"})
NEUTRAL: Mapping[str, frozenset[str]] = {
    "cmoc": _COMMON | {"lines", "context", "mechanism", "reasoning", "resource", "outcome", "review_note",
                       "sources.locator", "sources.quote", "sources.line", "sources.found_in", "sources.verbatim",
                       "theories.line"},
    "paper": _COMMON | {"journal", "volume", "issue", "pages", "publisher", "url", "setting",
                        "population", "aim", "results", "citekey"},
    "theory": _COMMON,
    "map": _COMMON,
    "question": _COMMON,
    "review": _COMMON | {"registration"},
    "page": _COMMON,
}
"""Per kind, the fields (``field.subfield`` inside a list of records) an edit may change and still be
handled by :func:`respec`: no view derives a list, count, grouping or label from them, except the
specs :func:`respec` recomputes. CMOC ``lines`` may move because the CMOC's integrity findings (the
only ones that carry its line numbers) are recomputed; other kinds' lines are in findings kept as
they were, so a moved line there means a full recomputation."""


CMOC_TEXT_BLIND = frozenset({"question.html", "question_cmocs.html"})
"""Templates that show the CMOCs of their context only by display title and direction (as
``partials/element.html``): after a CMOC text edit (:func:`neutral`: its display title unchanged),
a page of theirs whose spec only had the CMOC swapped (:func:`substitute`) keeps its HTML. A
question lists every element of its theory nodes: at 30,200 entities its page took 50–95 ms to
render again, unchanged."""


def changed_fields(old: Any, new: Any, prefix: str = "") -> set[str]:
    """Names of the fields that differ between two records of one class; a list of records of the
    same length is compared element by element (``sources.quote``)."""
    out: set[str] = set()
    for f in fields(old):
        a, b = getattr(old, f.name), getattr(new, f.name)
        if a == b:
            continue
        if (isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b) and a
                and all(is_dataclass(x) and type(x) is type(y) for x, y in zip(a, b))):
            for x, y in zip(a, b):
                out |= changed_fields(x, y, f"{prefix}{f.name}.")
        else:
            out.add(prefix + f.name)
    return out


def neutral(old: Entity, new: Entity) -> bool:
    """Whether :func:`respec` can handle the edit ``old`` → ``new`` (same kind and id assumed). Not when
    its display title changed: an untitled CMOC is named by its outcome, a page's title and every
    link to it too."""
    return (type(old) is type(new) and changed_fields(old, new) <= NEUTRAL.get(old.kind, frozenset())
            and old.display_title == new.display_title)


def swap_map(pairs: Iterable[tuple[Entity, Entity]]) -> dict[int, Any]:
    """id(old object) → new object, for the edited entities and the records inside them."""
    out: dict[int, Any] = {}

    def add(a: Any, b: Any) -> None:
        out[id(a)] = b
        for f in fields(a):
            x, y = getattr(a, f.name), getattr(b, f.name)
            if is_dataclass(x) and not isinstance(x, type) and x is not y:
                add(x, y)
            elif isinstance(x, tuple) and isinstance(y, tuple) and len(x) == len(y):
                for u, v in zip(x, y):
                    if is_dataclass(u) and not isinstance(u, type) and u is not v:
                        add(u, v)
    for old, new in pairs:
        add(old, new)
    del add  # (no self-referring closure left for the collector)
    return out


PLAIN_RECORDS: frozenset[type] = frozenset({integrity.Finding, Location})
"""Records that hold only text and numbers (ids, never the objects), so :func:`substitute` does not
enter them: the integrity pages' specs hold every finding (9,296 at 5,000 papers, 28,000 containers
walked for nothing after each CMOC edit, 42 ms). ``tests/test_incremental_random.py`` checks their fields."""


def substitute(value: Any, swap: Mapping[int, Any], done: dict[int, Any] | None = None) -> Any:
    """``value`` with every object of ``swap`` replaced, rebuilding only the containers that held one
    (others stay the very same objects). Entities not in ``swap`` are not entered (they hold no other
    entity's objects), nor are :data:`PLAIN_RECORDS`."""
    from .dependencies import ENTITY, LEAF, MAPPING, RECORD, REF, field_names, flat, shape_of
    done = {} if done is None else done

    def sub(value: Any) -> Any:
        key = id(value)
        if key in swap:
            return swap[key]
        cls = type(value)
        shape = shape_of(cls)
        if shape is LEAF or shape is ENTITY or shape is REF or cls in PLAIN_RECORDS:
            return value
        if key in done:
            return done[key]
        out = value
        if shape is MAPPING:
            items = [(sub(k), sub(v)) for k, v in value.items()]
            if any(a is not k or b is not v for (a, b), (k, v) in zip(items, value.items())):
                out = dict(items)
        elif shape is RECORD:
            changes = {}
            for name in field_names(type(value)):
                old = getattr(value, name)
                new = sub(old)
                if new is not old:
                    changes[name] = new
            if changes:
                out = replace(value, **changes)
        elif flat(value):  # entities and plain values only (a list of CMOCs): one pass in C
            if not swap.keys().isdisjoint(map(id, value)):
                items = [swap.get(id(v), v) for v in value]
                out = list(items) if isinstance(value, list) else type(value)(items)
        else:
            items = [sub(v) for v in value]
            if any(a is not b for a, b in zip(items, value)):
                out = list(items) if isinstance(value, list) else type(value)(items)
        done[key] = out
        return out

    try:
        return sub(value)
    finally:
        del sub  # (no self-referring closure left for the collector)


def respec(pages: Mapping[str, PageSpec], corpus: Corpus, pairs: list[tuple[Entity, Entity]],
           candidates: Iterable[str], memo: Memo, findings: tuple[integrity.Finding, ...],
           old_findings: tuple[integrity.Finding, ...]) -> tuple[dict[str, PageSpec], set[str]] | None:
    """The specs of ``corpus`` (the previous corpus with ``pairs`` swapped by a re-link that kept every
    relation and position), from the previous ``pages``; ``candidates``: the URLs of every page whose
    spec may hold an edited entity. Returns the specs and the URLs of those recomputed (the others
    changed at most by the swap, so the ids their contexts hold are the same as before). None when an
    edit is not :func:`neutral` or a list would gain or lose a page: the caller then recomputes every spec."""
    if not all(neutral(old, new) for old, new in pairs):
        return None
    candidates = set(candidates)
    out = dict(pages)
    recomputed: set[str] = set()
    swap, done = swap_map(pairs), {}
    for url in candidates:
        spec = out.get(url)
        if spec is not None:
            out[url] = substitute(spec, swap, done)
    related = None
    for old, new in pairs:
        if isinstance(new, Paper):
            out[new.page_url] = paper.entity_page(corpus, new, memo)
            recomputed.add(new.page_url)
        elif isinstance(new, Cmoc):
            related = theory.related_index(corpus) if related is None else related
            for link in new.theories:
                t = corpus.get(link.theory)
                if not _replace_unit(out, recomputed, list(theory.theory_pages(corpus, t, memo, related)),  # type: ignore[arg-type]
                                     _theory_urls(pages, t)):
                    return None
            if cmoc.row_weight(old) != cmoc.row_weight(new) and not _index_holds(out, new, memo, candidates):
                if not _replace_unit(out, recomputed, list(cmoc.index_pages(corpus, memo)), _list_urls(pages, "cmocs/")):
                    return None
            if not _whatworks_holds(out, corpus, new, memo, candidates) and not _replace_unit(
                    out, recomputed, list(whatworks.pages(corpus, memo)), _list_urls(pages, whatworks.URL)):
                return None
    if findings != old_findings:
        review_index = out["review/"]
        out["review/"] = replace(review_index, context={**review_index.context, "n_findings": len(findings)})
        recomputed.add("review/")
        urls = [u for u in pages if u.startswith("review/integrity/")]
        if not _replace_unit(out, recomputed, list(advisory.integrity_pages(corpus, findings)), urls):
            return None
    return out, recomputed


def _replace_unit(out: dict[str, PageSpec], recomputed: set[str], specs: list[PageSpec], urls: list[str]) -> bool:
    """Put ``specs`` in place of the pages ``urls``; False when the URLs differ (pages added/removed)."""
    if [s.url for s in specs] != urls:
        return False
    for s in specs:
        out[s.url] = s
    recomputed.update(urls)
    return True


def _list_urls(pages: Mapping[str, PageSpec], base: str) -> list[str]:
    """URLs of the pages of the paginated list at ``base``, from its first page's pager."""
    first = pages.get(base)
    pager = first.context.get("pager") if first is not None else None
    return [page_url(base, n) for n in range(1, pager.count + 1)] if pager is not None else []


def _theory_urls(pages: Mapping[str, PageSpec], t: Any) -> list[str]:
    spec = pages.get(t.page_url)
    if spec is None:
        return []
    own = spec.context.get("cmocs_url")
    return [t.page_url] + (_list_urls(pages, own) if own else [])


def _index_holds(pages: Mapping[str, PageSpec], new: Cmoc, memo: Memo, candidates: set[str]) -> bool:
    """Whether the CMOC index ``pages`` keeps its page boundaries with the row weight of the edited
    ``new`` (see :func:`_list_holds`)."""
    weight = cmoc.entry_weight(memo)
    return _list_holds(pages, "cmocs/", candidates, lambda spec: [
        c for g in spec.context["groups"] for _h, column in g.columns for c in column],
        lambda c: weight((None, c)), lambda c: c is new)


def _whatworks_holds(pages: Mapping[str, PageSpec], corpus: Corpus, new: Cmoc, memo: Memo,
                     candidates: set[str]) -> bool:
    """The same for the what-works table (one row per CMOC)."""
    first = pages.get(whatworks.URL)  # (its filters: a neutral edit changes none of them)
    budget = whatworks.row_bytes(first.context["filters"]) if first is not None else ROW_BYTES
    return _list_holds(pages, whatworks.URL, candidates, lambda spec: list(spec.context["rows"]),
                       whatworks.row_weight(corpus, memo), lambda row: row[0] is new, budget)


def _list_holds(pages: Mapping[str, PageSpec], base: str, candidates: set[str], rows_of: Callable[[PageSpec], list],
                weight: Callable[[Any], int], edited: Callable[[Any], bool], budget: int = ROW_BYTES) -> bool:
    """Whether the paginated list at ``base`` (``pages`` already holding the edited objects) keeps
    its page boundaries with the new weight of the edited row(s) (:func:`~.pagination.paginate` is
    greedy): each page holding one still fits (or holds it alone) and cannot take the next page's
    first row, and when it is its page's first row, the page before still cannot take it. The
    pages holding it are among ``candidates`` (they depend on the edited entity)."""
    def full(rows: list, extra: Any) -> bool:  # paginate would start a new page before `extra`
        return len(rows) >= MAX_ROWS or sum(map(weight, rows)) + weight(extra) > budget

    urls = _list_urls(pages, base)
    found = False
    for k, url in enumerate(urls):  # every page holding it (the CMOC index lists one once per theory)
        if url not in candidates:
            continue
        rows = rows_of(pages[url])
        if not any(map(edited, rows)):
            continue
        found = True
        if len(rows) > 1 and sum(map(weight, rows)) > budget:
            return False
        if k + 1 < len(urls) and not full(rows, rows_of(pages[urls[k + 1]])[0]):
            return False
        if k > 0 and edited(rows[0]) and not full(rows_of(pages[urls[k - 1]]), rows[0]):
            return False
    return found
