"""Two versions of a content file's front matter → which fields changed, and how.

Structured, not worded: :class:`FieldChange` names the field, what happened to it, and the values or
ids involved; the site words them (``site/views/change_words.py``). Lists of references (sources,
theories, questions …) are compared as sets of ids, so a reordered list is no change, and the
details of an entry that stays (a source's quote, the status of a link to a theory) are compared
entry by entry.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from .load import ContentError, could_alias, decode, parse_yaml, split_front_matter

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
    that could hold an alias (a shared or recursive value) goes to the build's loader, which refuses
    aliases: such a version is not compared."""
    split = _split(raw)
    data = _load(split[0], fast) if split else None
    return (data, split[1]) if split and data is not None else None


def changed_front_matter(old: bytes, new: bytes, fast: bool = True
                         ) -> tuple[tuple[dict, str], tuple[dict, str]] | None:
    """Two versions of a file, each as (front matter, body), with only the top-level fields whose
    text differs parsed (most edits touch one or two fields of a long file); None when either could
    not be read. Fields are cut at lines that start with a plain ``key:``; a file that does not cut
    cleanly is parsed whole."""
    a, b = _split(old), _split(new)
    if a is None or b is None:
        return None
    fields_a, fields_b = _top_level(a[0]), _top_level(b[0])
    if fields_a is not None and fields_b is not None:
        keys = [k for k in list(fields_b) + [k for k in fields_a if k not in fields_b]
                if fields_a.get(k) != fields_b.get(k)]
        texts = ("\n".join(fields_a[k] for k in keys if k in fields_a),
                 "\n".join(fields_b[k] for k in keys if k in fields_b))
    else:
        texts = (a[0], b[0])
    before, after = _load(texts[0], fast), _load(texts[1], fast)
    if before is None or after is None:
        return None
    return (before, a[1]), (after, b[1])


_TOP_KEY = re.compile(r"([A-Za-z_][\w-]*)[ \t]*:(?:[ \t]|$)")


def _top_level(yaml_text: str) -> dict[str, str] | None:
    """Top-level key → the text of its entry (its line and those indented, list items or comments
    under it); None when a line at the margin is anything else."""
    out: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in yaml_text.split("\n"):
        m = _TOP_KEY.match(line)
        if m:
            if m.group(1) in out:
                return None
            current = out[m.group(1)] = [line]
        elif not line or line[0] in " \t#" or line.startswith("- ") or line == "-":
            if current is not None:
                current.append(line)
            elif line.strip() and not line.startswith("#"):
                return None
        else:
            return None
    return {k: "\n".join(v) for k, v in out.items()}


def _split(raw: bytes) -> tuple[str, str] | None:
    try:
        yaml_text, body, _line = split_front_matter(decode(raw))
    except ContentError:
        return None
    return yaml_text, body


def _load(yaml_text: str, fast: bool) -> dict | None:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader) if fast else yaml.SafeLoader
    try:
        if could_alias(yaml_text):  # (or an asterisk in text): the build's loader, which refuses aliases
            data = parse_yaml(yaml_text, line_offset=1, fast=False)
        else:
            data = yaml.load(yaml_text, Loader=loader) if yaml_text.strip() else {}  # noqa: S506 (a safe loader)
    except (ContentError, ValueError, TypeError, RecursionError, yaml.YAMLError):
        return None
    data = {} if data is None else data
    return data if isinstance(data, dict) else None


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
