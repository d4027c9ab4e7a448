"""Read the content directory: split front matter, parse YAML with a line per key.

Nothing here knows the schema. The output is one :class:`SourceFile` per
Markdown file, holding plain data (``LineDict``/``LineList`` remember the line
of each key and item) for :mod:`evidence_explorer.model` to validate.
"""
from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .diagnostics import Location, Report
from .markdown_limits import MarkdownTooComplex, check_markdown
from .walk import COLLECTIONS, MAX_FILE_BYTES, FileProblem, ContentWalk, read_bounded, source_stats, walk_content
from .textsafe import body_problem, checked_text
from .yaml_hints import commented_value_lines, syntax_error

__all__ = ["COLLECTIONS", "MAX_FILE_BYTES", "source_stats"]  # re-exported: they live in walk.py with the walk
# (which the up-to-date probe imports without the YAML parser and the model)

MAX_YAML_DEPTH = 50
MAX_NUMBER_CHARS = 40
"""A YAML whole number written with more characters is refused before it is converted (a
5,000-digit number cannot even be printed); fields bound their numbers further (schema.py)."""


class LineDict(dict):
    """A mapping that remembers the (1-based) line of each key."""

    line: int = 0
    lines: dict

    def line_of(self, key: str) -> int:
        return self.lines.get(key, self.line)


class LineList(list):
    """A list that remembers the line of each item."""

    line: int = 0
    lines: list

    def line_of(self, index: int) -> int:
        return self.lines[index] if index < len(self.lines) else self.line


class ContentError(Exception):
    """A located problem found while reading a file."""

    def __init__(self, message: str, line: int | None = None, code: str = "yaml.syntax"):
        super().__init__(message)
        self.message, self.line, self.code = message, line, code


class _Loader(yaml.SafeLoader):
    """SafeLoader that records lines, rejects duplicate keys and aliases,
    and never turns strings into dates."""

    line_offset = 0

    def construct_value(self, node):
        try:
            return self.construct_object(node, deep=True)
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
            raise _bad_tag(node, self.line_offset) from None

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise ContentError(
                "YAML aliases (*name) are not allowed in content files",
                event.start_mark.line + 1 + self.line_offset, "yaml.alias")
        self._depth = getattr(self, "_depth", 0) + 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise ContentError(f"YAML nested deeper than {MAX_YAML_DEPTH} levels",
                                   self.peek_event().start_mark.line + 1 + self.line_offset,
                                   "yaml.too-deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):  # type: ignore[override]
        result = LineDict()
        result.line = node.start_mark.line + 1 + self.line_offset
        result.lines = {}
        value_of = self.construct_value
        for key_node, value_node in node.value:
            key = value_of(key_node)
            if not isinstance(key, (str, int, float, bool)) or key is None:
                raise ContentError("mapping keys must be plain text",
                                   key_node.start_mark.line + 1 + self.line_offset, "yaml.key")
            key = sys.intern(str(key))  # one string per field name: the entities' line maps keep them
            line = key_node.start_mark.line + 1 + self.line_offset
            if key in result:
                raise ContentError(f"duplicate key '{key}' (first on line {result.lines[key]})",
                                   line, "yaml.duplicate-key")
            result[key] = value_of(value_node)
            result.lines[key] = line
        return result

    def construct_sequence(self, node, deep=False):  # type: ignore[override]
        result = LineList(map(self.construct_value, node.value))
        result.line = node.start_mark.line + 1 + self.line_offset
        result.lines = [child.start_mark.line + 1 + self.line_offset for child in node.value]
        return result


def _line(node, line_offset: int) -> int:
    return node.start_mark.line + 1 + line_offset


def _bad_tag(node, line_offset: int) -> ContentError:
    """A value its tag cannot make (``!!int abc``, ``!!timestamp x``, ``!!set [a]``): located."""
    tag = node.tag.replace("tag:yaml.org,2002:", "!!")
    shown = f"'{node.value[:40]}'" if isinstance(node.value, str) else "this value"
    return ContentError(f"{shown} cannot be read as {tag}", _line(node, line_offset), "yaml.tag")


SHARED_CHARS = 40
"""Strings up to this long are interned as they are read (:func:`_checked_str`)."""


def _checked_str(node, line_offset: int) -> str:
    """The scalar's text, checked; interned when short: statuses, directions, relations, facet
    values, settings and countries repeat across thousands of files (142,000 of the 316,000 strings
    of 5,000 papers' entities), and one shared string each is smaller in every process, and quicker
    for the load's workers and the snapshot to pickle and unpickle."""
    try:
        text = checked_text(node.value)
    except ValueError as exc:
        raise ContentError(str(exc), _line(node, line_offset), "yaml.character") from None
    return sys.intern(text) if len(text) <= SHARED_CHARS else text


def _construct_str(loader, node) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise _bad_tag(node, loader.line_offset)
    return _checked_str(node, loader.line_offset)


def _construct_int(loader, node) -> int:
    if isinstance(node, yaml.ScalarNode) and len(node.value) > MAX_NUMBER_CHARS:
        raise ContentError(f"number too long ({len(node.value)} characters, at most {MAX_NUMBER_CHARS}); "
                           "quote it if it is text", _line(node, loader.line_offset), "yaml.number")
    return yaml.SafeLoader.construct_yaml_int(loader, node)


# Dates stay strings: remove the timestamp resolver (YAML 1.1 would make datetimes).
_Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in _Loader.yaml_implicit_resolvers.items()
}


_STR_TAG = "tag:yaml.org,2002:str"


class _FastLoader(getattr(yaml, "CSafeLoader", _Loader)):  # type: ignore[misc]
    """The same constructors over libyaml's C parser (about 20× faster). It cannot see
    aliases or limit depth while composing, so :func:`parse_yaml` uses it only for text
    that has no alias/anchor characters and cannot nest deeply; any error is re-parsed
    by :class:`_Loader` so messages stay the same."""

    line_offset = 0
    construct_mapping = _Loader.construct_mapping
    construct_sequence = _Loader.construct_sequence

    def construct_value(self, node):
        """A plain string scalar is its text (what ``construct_object`` returns for it after four
        calls); anything else goes the usual way. Safe here: this loader never sees aliases."""
        if node.tag == _STR_TAG and node.__class__ is yaml.ScalarNode:
            return _checked_str(node, self.line_offset)
        return _Loader.construct_value(self, node)
    yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers


for _cls in (_Loader, _FastLoader):
    _cls.add_constructor("tag:yaml.org,2002:map", _Loader.construct_mapping)
    _cls.add_constructor("tag:yaml.org,2002:seq", _Loader.construct_sequence)
    _cls.add_constructor(_STR_TAG, _construct_str)
    _cls.add_constructor("tag:yaml.org,2002:int", _construct_int)


_ANCHOR_OR_ALIAS = re.compile(r"(?:^|[\s\[{,])[&*][^\s,\[\]{}]")
"""Could be a YAML ``&anchor`` or ``*alias`` (also matches some quoted text; that is only slower)."""


def could_alias(text: str) -> bool:
    """Whether the YAML text may hold an ``&anchor`` or ``*alias`` (some quoted text too)."""
    return ("&" in text or "*" in text) and _ANCHOR_OR_ALIAS.search(text) is not None


def _fast_path_safe(text: str) -> bool:
    """No tab, no possible anchor/alias, and 2 × (deepest indent) + brackets < MAX_YAML_DEPTH."""
    if "\t" in text or could_alias(text):
        return False
    brackets = text.count("[") + text.count("{")
    too_deep = (MAX_YAML_DEPTH - 1 - brackets) // 2 + 1  # the smallest indent that fails
    return too_deep > 0 and re.search(f"^ {{{too_deep}}}", text, re.MULTILINE) is None


def parse_yaml(text: str, line_offset: int = 0, fast: bool = True) -> Any:
    """Parse YAML text; raise :class:`ContentError` with an absolute line on any problem. ``fast``:
    libyaml's parser where the text allows (an accelerator: False, the pure-Python loader only)."""
    if fast and _fast_path_safe(text):
        fast = _FastLoader(text)
        fast.line_offset = line_offset
        try:
            return fast.get_single_data()
        except (yaml.YAMLError, ContentError, RecursionError):
            pass  # the pure-Python loader below reports it with the usual message
        finally:
            fast.dispose()
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:  # a raw control character: YAML forbids them
        line = text.count("\n", 0, exc.position) + 1 + line_offset
        raise ContentError(f"character U+{exc.character:04X} is not allowed in YAML: remove it", line,
                           "yaml.character") from None
    loader.line_offset = line_offset
    try:
        return loader.get_single_data()
    except ContentError:
        raise
    except yaml.MarkedYAMLError as exc:
        raise ContentError(*syntax_error(exc, line_offset)) from None
    except yaml.YAMLError as exc:
        raise ContentError(f"YAML error: {exc}", line_offset + 1) from None
    except RecursionError:
        raise ContentError("YAML nested too deeply", line_offset + 1, "yaml.too-deep") from None
    finally:
        loader.dispose()


@dataclass(frozen=True)
class SourceFile:
    """One content file, split and parsed, not yet validated."""

    kind: str
    path: str
    """Path shown in diagnostics (the content dir as given, joined with the relative path)."""
    rel: str
    """Path relative to the content directory, with forward slashes."""
    stem: str
    data: LineDict
    body: str
    body_line: int
    """Line of the file where the body starts."""
    cut_values: tuple[int, ...] = ()
    """Lines whose unquoted value a ``#`` cut short (a YAML comment): warned about, see yaml_hints."""


def decode(raw: bytes) -> str:
    """UTF-8 (a BOM is accepted), LF or CRLF → text with LF."""
    if b"\x00" in raw[:8192]:
        raise ContentError("binary file (contains NUL bytes), expected UTF-8 text", None, "file.encoding")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ContentError(f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})", line, "file.encoding") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def split_front_matter(text: str) -> tuple[str, str, int]:
    """Return (yaml_text, body, body_line). The front matter starts on line 2."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        raise ContentError("missing front matter: the file must start with a line '---'", 1,
                           "file.front-matter")
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1:]), i + 2
    raise ContentError("unclosed front matter: no closing '---' line", 1, "file.front-matter")


def read_file(path: Path | str) -> bytes:
    """A content file's bytes (a regular file within :data:`MAX_FILE_BYTES`), or :class:`ContentError`."""
    try:
        return read_bounded(path, MAX_FILE_BYTES)
    except FileProblem as exc:
        raise ContentError(exc.message, None, exc.code) from None


def read_source(path: Path, shown: str, rel: str, kind: str, fast: bool = True) -> SourceFile:
    text = decode(read_file(path))
    if not text.strip():
        raise ContentError("empty file: expected '---' front matter '---' and a body", None, "file.empty")
    yaml_text, body, body_line = split_front_matter(text)
    bad = body_problem(body)
    if bad is not None:
        raise ContentError(bad[1], body_line + bad[0], "file.control-character")
    data = parse_yaml(yaml_text, line_offset=1, fast=fast) if yaml_text.strip() else None
    if data is None:
        data = LineDict()
        data.line, data.lines = 1, {}
    if not isinstance(data, LineDict):
        raise ContentError("front matter must be a YAML mapping of field: value", 2, "schema.type")
    check_markup(yaml_text, data, body, body_line)
    return SourceFile(kind, shown, rel, path.stem, data, body, body_line,
                      commented_value_lines(yaml_text, line_offset=1))


def check_markup(yaml_text: str, data: Any, body: str, body_line: int) -> None:
    """Refuse a body (or a front-matter text, which may be rendered inline) that Markdown would take
    super-linear time on (see :mod:`.markdown_limits`); the front matter is walked only when its
    whole text exceeds a limit, since each string's counts are at most the whole text's."""
    try:
        check_markdown(body)
    except MarkdownTooComplex as exc:
        raise ContentError(exc.message, body_line + exc.line, exc.code) from None
    try:
        check_markdown(yaml_text)
    except MarkdownTooComplex:
        _check_strings(data, data.line if isinstance(data, (LineDict, LineList)) else 2)


def _check_strings(value: Any, line: int) -> None:
    if isinstance(value, str):
        try:
            check_markdown(value)
        except MarkdownTooComplex as exc:
            raise ContentError(exc.message, line, exc.code) from None
    elif isinstance(value, LineDict):
        for key, item in value.items():
            _check_strings(item, value.line_of(key))
    elif isinstance(value, LineList):
        for index, item in enumerate(value):
            _check_strings(item, value.line_of(index))


def display_path(content_dir: Path, shown_root: str, rel: str) -> str:
    return rel if shown_root in ("", ".") else f"{shown_root.rstrip('/')}/{rel}"


@dataclass(frozen=True)
class SourceRef:
    """A content file to read: where it is and what it holds."""

    rel: str
    shown: str
    kind: str


def source_refs(content_dir: Path, shown_root: str, report: Report,
                only: set[str] | None = None, follow_outside: bool = False) -> list[SourceRef]:
    """Every content file (see :func:`.walk.walk_content`), in load order; walk problems are reported."""
    walk = walk_content(content_dir, follow_outside)
    report_walk(walk, content_dir, shown_root, report)
    return [SourceRef(rel, display_path(content_dir, shown_root, rel), kind)
            for rel, kind in walk.files if only is None or rel in only]


def report_walk(walk: ContentWalk, content_dir: Path, shown_root: str, report: Report) -> None:
    for problem in walk.problems:
        where = Location(display_path(content_dir, shown_root, problem.rel))
        (report.error if problem.error else report.warning)(problem.code, problem.message, where)


def load_sources(content_dir: Path, shown_root: str, report: Report,
                 only: set[str] | None = None, follow_outside: bool = False) -> list[SourceFile]:
    """Read every content file, in a stable order.

    Problems become diagnostics; a file that cannot be read is skipped.
    """
    sources: list[SourceFile] = []
    for ref in source_refs(content_dir, shown_root, report, only, follow_outside):
        try:
            sources.append(read_source(content_dir / ref.rel, ref.shown, ref.rel, ref.kind))
        except ContentError as exc:
            report.error(exc.code, exc.message, Location(ref.shown, exc.line))
    return sources


def source_paths(content_dir: Path, follow_outside: bool = False) -> list[str] | None:
    """Content-relative paths of every file :func:`load_sources` reads, in load order;
    None when the walk finds an error (a symbolic link loop, a FIFO: the build will fail)."""
    found = source_stats(content_dir, follow_outside)
    return None if found is None else [rel for rel, _stat in found]


def load_site_yaml(content_dir: Path, shown_root: str) -> tuple[str, Any]:
    """Return (shown path, parsed data) of ``site.yaml``; raise ContentError when broken."""
    path = content_dir / "site.yaml"
    shown = display_path(content_dir, shown_root, "site.yaml")
    if not os.path.lexists(path):
        inner = display_path(content_dir, shown_root, "content")
        hint = (f" ('{inner}' has one: `init` puts the content there; build with --content {inner})"
                if os.path.isfile(content_dir / "content" / "site.yaml") else "")
        raise ContentError(f"site.yaml not found: every content directory needs one{hint}", None, "config.missing")
    text = decode(read_file(path))
    return shown, parse_yaml(text)
