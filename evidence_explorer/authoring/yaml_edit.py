"""Surgical edits of YAML front matter: set one key's value, leaving every other byte as it was.

Positions come from PyYAML's composed nodes (``start_mark.index`` /
``end_mark.index``), so comments, quoting, key order and layout elsewhere in
the file survive. The text is edited as it was read, with its own line ends (PyYAML's marks count
a CR like any other character): :func:`decode_for_edit` keeps the byte-order mark aside,
:func:`apply_edits` writes inserted line breaks as the file's own, and :func:`encode_after_edit`
puts the mark back, so every byte outside the edited values is the file's.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import yaml

from ..content.load import ContentError

BOM = b"\xef\xbb\xbf"


def decode_for_edit(raw: bytes) -> tuple[str, bool]:
    """A file's text (UTF-8, line ends as they are) and whether it began with a byte-order mark."""
    bom = raw.startswith(BOM)
    return raw[len(BOM) if bom else 0:].decode("utf-8"), bom


def encode_after_edit(text: str, bom: bool) -> bytes:
    return (BOM if bom else b"") + text.encode("utf-8")


def newline_of(text: str) -> str:
    """The file's line end: CRLF when most of its lines end so, else LF."""
    crlf = text.count("\r\n")
    return "\r\n" if crlf and crlf * 2 >= text.count("\n") else "\n"


@dataclass(frozen=True)
class Edit:
    start: int
    end: int
    text: str
    order: int = 0
    """Tie-break for insertions at the same position: smaller comes first in the file."""


def compose_front_matter(text: str) -> tuple[yaml.MappingNode, int]:
    """The composed front-matter mapping and the index in ``text`` where its YAML starts."""
    if not text.startswith("---"):
        raise ContentError("missing front matter", 1, "file.front-matter")
    offset = text.index("\n") + 1
    end = offset
    for line in text[offset:].split("\n"):
        if line.rstrip() in ("---", "..."):
            break
        end += len(line) + 1
    else:
        raise ContentError("unclosed front matter", 1, "file.front-matter")
    try:
        node = yaml.compose(text[offset:end], Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise ContentError(f"YAML syntax error: {exc}", 2) from None
    if not isinstance(node, yaml.MappingNode):
        raise ContentError("front matter is not a mapping", 2)
    return node, offset


def find_key(mapping: Any, key: str) -> Any:
    """Value node of ``key`` in a mapping node, or None."""
    if not isinstance(mapping, yaml.MappingNode):
        return None
    for k, v in mapping.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return v
    return None


def scalar(value: str, flow: bool) -> str:
    """``value`` as a YAML scalar: plain when that reads back unchanged, otherwise double-quoted."""
    plain_ok = (value == value.strip() and "\n" not in value and not (flow and any(c in value for c in ",[]{}"))
                and not value.startswith(("'", '"', "&", "*", "!", "|", ">", "%", "@", "`", "#", "-", "?", ":",
                                          "[", "{")))
    if plain_ok:
        try:
            if yaml.safe_load(f"k: {value}\n") == {"k": value} and " #" not in value and ": " not in value:
                return value
        except yaml.YAMLError:
            pass
    return json.dumps(value, ensure_ascii=False)


def set_key(text: str, mapping: yaml.MappingNode, key: str, value: str, offset: int, order: int = 0) -> Edit:
    """Replace the value of ``key`` in ``mapping``, or add ``key: value`` to it."""
    return set_raw(text, mapping, key, scalar(value, bool(mapping.flow_style)), offset, order)


def set_raw(text: str, mapping: yaml.MappingNode, key: str, new: str, offset: int, order: int = 0) -> Edit:
    """:func:`set_key` with the value already written as YAML (a scalar or a flow collection)."""
    flow = bool(mapping.flow_style)
    current = find_key(mapping, key)
    if current is not None and current.end_mark.index > current.start_mark.index:
        start, end = offset + current.start_mark.index, offset + current.end_mark.index
        old = text[start:end]
        if old.endswith("\n"):  # a block scalar or block list owns its line breaks
            new += "\n" * old[len(old.rstrip("\r\n")):].count("\n")
            if isinstance(current, yaml.SequenceNode):  # '- a' starts on the line after 'key:'
                line_start = text.rfind("\n", 0, start) + 1
                if not text[line_start:start].strip():
                    start = line_start
                    while start > 0 and text[start - 1] in "\r\n":
                        start -= 1
                    new = " " + new
        return Edit(start, end, new, order)
    if current is not None:  # `key:` with an empty value
        pos = offset + current.start_mark.index
        return Edit(pos, pos, (" " if text[pos - 1] == ":" else "") + new, order)
    if flow:
        close = offset + mapping.end_mark.index - 1  # the '}'
        sep = ", " if mapping.value else ""
        return Edit(close, close, f"{sep}{key}: {new}", order)
    indent = mapping.value[0][0].start_mark.column if mapping.value else 0
    last = mapping.value[-1][1] if mapping.value else None
    if last is None:
        pos = offset + mapping.end_mark.index
    else:  # at the start of the line after the last value
        end = offset + last.end_mark.index
        line_start = text.rfind("\n", 0, end) + 1
        if not text[line_start:end].strip():
            pos = line_start
        else:
            newline = text.find("\n", end)
            pos = len(text) if newline < 0 else newline + 1
    return Edit(pos, pos, f"{' ' * indent}{key}: {new}\n", order)


Value = str | dict
"""What :func:`set_item_keys` writes: text, or a mapping of texts (written as a flow mapping)."""
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def render(value: Value, flow: bool) -> str:
    """``value`` as YAML: a scalar (:func:`scalar`), or ``{k: v, ...}``; a YYYY-MM-DD date is written
    plain (the content loader keeps dates as text)."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {render(v, True)}" for k, v in value.items()) + "}"
    return value if _DATE.match(value) else scalar(value, flow)


def set_keys(text: str, mapping: yaml.MappingNode, pairs: list[tuple[str, Value]], offset: int,
             order: int = 0) -> list[Edit]:
    """Set several keys of one mapping; new keys are added in the order given."""
    flow = bool(mapping.flow_style)
    return [set_raw(text, mapping, key, render(value, flow), offset, order + i) for i, (key, value) in enumerate(pairs)]


def set_item_keys(text: str, seq: Any, item: Any, shorthand: str, pairs: list[tuple[str, Value]], offset: int,
                  order: int = 0) -> list[Edit]:
    """Set keys on a list item. A bare id becomes a mapping: in a block list each key on a line of its
    own, aligned under the id (``- R1`` → ``- theory: R1`` / ``  status: agreed``; a comment after the
    id stays on its line); in a flow list, or an item that does not begin its line, ``{theory: R1,
    status: agreed}``."""
    if isinstance(item, yaml.MappingNode):
        return set_keys(text, item, pairs, offset, order)
    start, end = offset + item.start_mark.index, offset + item.end_mark.index
    own = text[start:end]
    prefix = text[text.rfind("\n", 0, start) + 1:start]
    if seq.flow_style or prefix.strip() != "-" or "\n" in own:
        body = ", ".join(f"{key}: {render(value, True)}" for key, value in pairs)
        return [Edit(start, end, f"{{{shorthand}: {own}, {body}}}", order)]
    newline = text.find("\n", end)
    after = len(text) if newline < 0 else newline + 1
    indent = " " * len(prefix)
    added = "".join(f"{indent}{key}: {render(value, False)}\n" for key, value in pairs)
    return [Edit(start, end, f"{shorthand}: {own}", order), Edit(after, after, added, order)]


def set_list(text: str, mapping: yaml.MappingNode, key: str, values: list[str], offset: int,
             order: int = 0) -> list[Edit]:
    """Set ``key`` to a list of strings. A block list is edited item by item (unchanged items, and the
    comments after any item, stay as written; items are replaced, appended or removed line by line);
    any other form of value is replaced by a flow list ``[a, b]``."""
    current = find_key(mapping, key)
    lines = _item_lines(text, current, offset) if isinstance(current, yaml.SequenceNode) else None
    if lines is None or not values:
        flow = "[" + ", ".join(scalar(v, True) for v in values) + "]"
        return [set_raw(text, mapping, key, flow, offset, order)]
    items, prefixes, ends = lines
    edits = []
    for i, (node, value) in enumerate(zip(items, values)):
        if not (isinstance(node, yaml.ScalarNode) and node.value == value and node.tag.endswith(":str")):
            edits.append(Edit(offset + node.start_mark.index, offset + node.end_mark.index,
                              scalar(value, False), order))
    if len(values) > len(items):
        added = "".join(f"{prefixes[-1]}{scalar(v, False)}\n" for v in values[len(items):])
        edits.append(Edit(ends[-1], ends[-1], added, order))
    elif len(items) > len(values):
        start = text.rfind("\n", 0, offset + items[len(values)].start_mark.index) + 1
        edits.append(Edit(start, ends[-1], "", order))
    return edits


def _item_lines(text: str, seq: yaml.SequenceNode, offset: int):
    """(items, the '  - ' before each, the end of each item's last line) of a block list whose items
    each begin a line; None for a flow list or any other layout."""
    if seq.flow_style or not seq.value:
        return None
    prefixes, ends = [], []
    for node in seq.value:
        start, end = offset + node.start_mark.index, offset + node.end_mark.index
        prefix = text[text.rfind("\n", 0, start) + 1:start]
        if prefix.strip() != "-" or not isinstance(node, yaml.ScalarNode) or node.style in ("|", ">"):
            return None
        newline = text.find("\n", end)
        ends.append(len(text) if newline < 0 else newline + 1)
        prefixes.append(prefix)
    return seq.value, prefixes, ends


def apply_edits(text: str, edits: list[Edit], newline: str = "\n") -> str:
    """Apply non-overlapping edits (insertions at one position in ``order``). Line breaks in the
    inserted text are written as ``newline`` (the file's own)."""
    merged = sorted(edits, key=lambda e: (e.start, e.order))
    for e in reversed(merged):
        new = e.text.replace("\n", newline) if newline != "\n" else e.text
        text = text[:e.start] + new + text[e.end:]
    return text
