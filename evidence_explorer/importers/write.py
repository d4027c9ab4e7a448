"""Turn records into Markdown files: readable ids, never overwriting, validated before writing.

New files are created with ``open(path, "x")`` (an existing file is never replaced). ``--update``
rewrites only the values of the bibliographic keys that changed, so every other byte (the author's
other fields, comments, line ends, a byte-order mark, the body) stays exactly as written. Every file is validated with the model before it is
written; a record that would not pass ``check`` is reported, not written.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml

from ..content.config import SiteConfig
from ..content.files import write_atomic
from ..content.diagnostics import Report
from ..content.load import ContentError, SourceFile, parse_yaml, split_front_matter
from ..content.model import KINDS
from ..content.validate import build_entity
from ..content.fields import FieldError, check_id, content_fields
from ..authoring.yaml_edit import (apply_edits, compose_front_matter, decode_for_edit, encode_after_edit,
                                   newline_of, set_key, set_list, set_raw)
from .existing import Known
from .records import BIBLIOGRAPHIC, PAPER_ORDER, plain_value


def front_matter(fields: Mapping[str, Any], extra: Mapping[str, Any], order: tuple[str, ...]) -> str:
    data = {k: fields[k] for k in order if k in fields}
    data.update({k: v for k, v in fields.items() if k not in data})
    if extra:
        data["extra"] = dict(extra)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10_000, default_flow_style=False)


def markdown(fields: Mapping[str, Any], extra: Mapping[str, Any], body: str, order: tuple[str, ...]) -> str:
    text = "---\n" + front_matter(fields, extra, order) + "---\n"
    return text + (body.strip() + "\n" if body.strip() else "")


def validate(text: str, kind: str, rel: str, shown: str, config: SiteConfig) -> list[str]:
    """Messages of every problem ``check`` would report for this one file (ids are checked elsewhere)."""
    report = Report()
    try:
        yaml_text, body, body_line = split_front_matter(text)
        data = parse_yaml(yaml_text, line_offset=1)
    except ContentError as exc:
        return [exc.message]
    src = SourceFile(kind, shown, rel, Path(rel).stem, data, body, body_line)
    build_entity(src, config, report)
    return [d.message for d in report.errors]


def free_id(stem: str, taken: set[str]) -> str:
    """``stem``, else ``stem-b``, ``stem-c``… (case-insensitively free); adds it to ``taken``."""
    candidate, n = stem, 1
    while candidate.lower() in taken:
        n += 1
        suffix = "" if n < 2 else (chr(ord("a") + n - 1) if n <= 26 else str(n))
        candidate = f"{stem}-{suffix}"
    taken.add(candidate.lower())
    return candidate


def explicit_id(key: str | None, taken: set[str]) -> str | None:
    if not key:
        return None
    try:
        check_id(key)
    except FieldError:
        return None
    if key.lower() in taken:
        return None
    taken.add(key.lower())
    return key


def create(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


# --- --update ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Refresh:
    text: str
    """The new text (line ends as in the file, no byte-order mark), for validation."""
    data: bytes
    """What to write: the file's bytes with only the changed values edited."""
    changed: tuple[str, ...]


def _normalised(kind: str, name: str, value: Any) -> Any:
    spec = content_fields(KINDS[kind])[name].metadata["spec"]
    try:
        return plain_value(spec.parse(value, name, None))
    except FieldError:
        return value


def refresh(known: Known, raw: bytes, fields: Mapping[str, Any]) -> Refresh:
    """The file with its bibliographic keys set to ``fields``' values. Only the changed values are
    rewritten (see :mod:`..yaml_edit`): every other byte, the byte-order mark, CRLF line ends and the
    comments after a rewritten value included, stays as it was."""
    text, bom = decode_for_edit(raw)
    yaml_text, _, _ = split_front_matter(text.replace("\r\n", "\n"))
    data = parse_yaml(yaml_text, line_offset=1)
    changes = {name: fields[name] for name in BIBLIOGRAPHIC
               if name in fields and _normalised("paper", name, data.get(name)) != fields[name]}
    if not changes:
        return Refresh(text, raw, ())
    mapping, offset = compose_front_matter(text)
    edits = []
    for order, name in enumerate(BIBLIOGRAPHIC):
        if name not in changes:
            continue
        value = changes[name]
        if isinstance(value, list):
            edits.extend(set_list(text, mapping, name, [str(v) for v in value], offset, order))
        elif isinstance(value, int) and not isinstance(value, bool):
            edits.append(set_raw(text, mapping, name, str(value), offset, order))
        else:
            edits.append(set_key(text, mapping, name, str(value), offset, order))
    new_text = apply_edits(text, edits, newline_of(text))
    return Refresh(new_text, encode_after_edit(new_text, bom), tuple(sorted(changes)))


def replace_file(path: Path, data: bytes) -> None:
    """Write an updated file atomically (a temporary file beside it, then a rename)."""
    write_atomic(path, data)
