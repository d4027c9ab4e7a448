"""Two versions of a content file's front matter → which fields changed, and how.

Structured, not worded: :class:`FieldChange` names the field, what happened to it, and the values or
ids involved; the site words them (``site/views/change_words.py``). Lists of references (sources,
theories, questions …) are compared as sets of ids, so a reordered list is no change, and the
details of an entry that stays (a source's quote, the status of a link to a theory) are compared
entry by entry.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from .load import ContentError, could_alias, decode, split_front_matter

REF_LISTS = {"sources": "paper", "theories": "theory", "question": "question", "questions": "question",
             "review": "review", "related": "theory", "chains_to": "cmoc"}
"""Fields that list other entities: field → the kind they refer to."""
REF_KEYS = {"sources": "paper", "theories": "theory"}
"""For lists of records: the key naming the entity (shorthand: a plain id)."""
REF_SCALARS = {"parent": "theory", "theory": "theory"}
"""Fields that name one other entity."""
SHOWN_CHARS = 80
"""Longest value kept for a "from … to …" sentence (longer ones are said to be reworded)."""


@dataclass(frozen=True)
class FieldChange:
    field: str
    """The front matter key (``body`` for the Markdown text)."""
    how: str
    """``set`` (it had no value), ``cleared`` (it has none now), ``changed``, or ``list`` (entries
    added or removed: see ``added`` and ``removed``)."""
    key: str = ""
    """A key inside the field: ``level`` of ``confidence``, ``status`` of a link to a theory."""
    ref: str = ""
    """The entry of a reference list whose ``key`` changed (a paper id, a theory id)."""
    old: str | None = None
    """The value before, when short enough to show."""
    new: str | None = None
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    long: bool = False
    """A value too long (or not text) to show: say it was reworded."""


def front_matter(raw: bytes, fast: bool = True) -> tuple[dict, str] | None:
    """A file's (front matter, body), or None when it could not be read as a content file.

    Past versions are only compared, never validated, so PyYAML's safe loader does without the
    build's line numbers and checks (libyaml's when ``fast``: the same values, ~20× sooner). Text
    that could hold an alias (a shared or recursive value) is not compared."""
    try:
        yaml_text, body, _line = split_front_matter(decode(raw))
        if could_alias(yaml_text):
            return None
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader) if fast else yaml.SafeLoader
        data = yaml.load(yaml_text, Loader=loader) if yaml_text.strip() else {}  # noqa: S506 (a safe loader)
    except (ContentError, ValueError, TypeError, RecursionError, yaml.YAMLError):
        return None
    if data is None:
        data = {}
    return (data, body) if isinstance(data, dict) else None


def diff(before: tuple[dict, str], after: tuple[dict, str]) -> tuple[FieldChange, ...]:
    """What changed from ``before`` to ``after``, in the order of the fields in ``after``."""
    (old, old_body), (new, new_body) = before, after
    out: list[FieldChange] = []
    for name in list(new) + [k for k in old if k not in new]:
        a, b = old.get(name), new.get(name)
        if _same(a, b):
            continue
        name = str(name)
        if name in REF_LISTS:
            out.extend(_ref_list(name, a, b))
        elif isinstance(a, dict) or isinstance(b, dict):
            out.extend(_record(name, a if isinstance(a, dict) else {}, b if isinstance(b, dict) else {}))
        elif (isinstance(a, list) or isinstance(b, list)) and _plain_list(a) and _plain_list(b):
            out.append(_list(name, _as_list(a), _as_list(b)))
        else:
            out.append(_scalar(name, a, b))
    if old_body.strip() != new_body.strip():
        out.append(FieldChange("body", "changed", long=True))
    return tuple(out)


def _same(a: Any, b: Any) -> bool:
    return a == b or (a in (None, "", [], {}) and b in (None, "", [], {}))


def _empty(v: Any) -> bool:
    return v is None or v == "" or v == [] or v == {}


def _shown(v: Any) -> str | None:
    if isinstance(v, (list, tuple)) and all(not isinstance(x, (dict, list)) for x in v):
        v = ", ".join(str(x) for x in v)
    if isinstance(v, (dict, list)) or v is None:
        return None
    text = str(v).strip()
    return text if len(text) <= SHOWN_CHARS and "\n" not in text else None


def _scalar(name: str, a: Any, b: Any, key: str = "", ref: str = "") -> FieldChange:
    how = "set" if _empty(a) else "cleared" if _empty(b) else "changed"
    old, new = _shown(a), _shown(b)
    long = (how != "cleared" and new is None) or (how != "set" and old is None)
    return FieldChange(name, how, key, ref, old, new, long=long)


def _plain_list(v: Any) -> bool:
    return _empty(v) or (isinstance(v, list) and all(not isinstance(x, (dict, list)) for x in v)) or \
        isinstance(v, (str, int, float))


def _as_list(v: Any) -> list[str]:
    if _empty(v):
        return []
    return [str(x) for x in v] if isinstance(v, list) else [str(v)]


def _list(name: str, a: list[str], b: list[str]) -> FieldChange:
    added = tuple(x for x in dict.fromkeys(b) if x not in a)
    removed = tuple(x for x in dict.fromkeys(a) if x not in b)
    if not added and not removed:  # the same entries, reordered
        return FieldChange(name, "changed", long=True)
    return FieldChange(name, "list", added=added, removed=removed,
                       long=any(_shown(x) is None for x in added + removed))


def _refs(name: str, v: Any) -> dict[str, dict]:
    """A reference list (ids, or records with the id under their key) → lower-cased id → the rest."""
    out: dict[str, dict] = {}
    for item in v if isinstance(v, list) else [] if _empty(v) else [v]:
        if isinstance(item, dict):
            ref = item.get(REF_KEYS.get(name, ""))
            if ref is not None:
                rest = {k: x for k, x in item.items() if k != REF_KEYS[name]}
                if name == "theories" and rest.get("relation") == "supports":
                    del rest["relation"]  # the default, said or not
                out[str(ref).lower()] = rest
        elif not isinstance(item, list):
            out[str(item).lower()] = {}
    return out


def _ref_list(name: str, a: Any, b: Any) -> list[FieldChange]:
    old, new = _refs(name, a), _refs(name, b)
    out: list[FieldChange] = []
    added = tuple(r for r in new if r not in old)
    removed = tuple(r for r in old if r not in new)
    if added or removed:
        out.append(FieldChange(name, "list", added=added, removed=removed))
    for ref in new:
        if ref in old:
            before, after = old[ref], new[ref]
            for key in list(after) + [k for k in before if k not in after]:
                if not _same(before.get(key), after.get(key)):
                    out.append(_scalar(name, before.get(key), after.get(key), str(key), ref))
    return out


def _record(name: str, a: dict, b: dict) -> list[FieldChange]:
    """A record field (confidence, quality, extra): compared key by key."""
    out = []
    for key in list(b) + [k for k in a if k not in b]:
        if not _same(a.get(key), b.get(key)):
            out.append(_scalar(name, a.get(key), b.get(key), str(key)))
    return out
