"""Field types of the content format: parse, validate, document, describe as JSON Schema.

Each spec turns a raw YAML value into a typed, immutable value or raises :class:`FieldError` with
a message the author can act on. The same objects produce the format reference
(``docs/content-format.md``) and the JSON Schema.
"""
from __future__ import annotations

import re
from dataclasses import MISSING, dataclass, field, fields
from functools import cache
from types import MappingProxyType
from typing import Any, Mapping

from .textsafe import describe, json_value

MAX_ID_LENGTH = 100
"""Longest id: it names a folder of the site (a file name has at most 255 bytes) and shows in URLs."""
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,%d}$" % (MAX_ID_LENGTH - 1))
"""An id, whole: always used with ``fullmatch`` (``$`` alone would accept a final newline)."""
DOI_PATTERN = re.compile(r"^10\.\d{4,9}/\S+$")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)


class FieldError(Exception):
    """A value that does not fit its field; ``line`` points inside the value when known."""

    def __init__(self, message: str, line: int | None = None, code: str = "schema.type"):
        super().__init__(message)
        self.message, self.line, self.code = message, line, code
        self.others: tuple[FieldError, ...] = ()

    def each(self) -> tuple["FieldError", ...]:
        """This error and the others found in the same value (every bad item of a list)."""
        return (self, *self.others)


def raise_all(errors: list[FieldError]) -> None:
    """Raise the first error carrying the rest, so every bad item is reported at once."""
    if errors:
        first = errors[0]
        first.others = tuple(e for err in errors[1:] for e in err.each()) + first.others
        raise first


class Ref(str):
    """An id written in content, remembering the line it was written on (:meth:`at`). No ``__new__``
    of its own: a snapshot or a load worker's pickle makes each of its 66,000 refs (5,000 papers)
    with ``str``'s, in C, rather than calling Python code for each."""

    line: int | None = None

    @classmethod
    def at(cls, value: str, line: int | None) -> "Ref":
        obj = cls(value)
        if line is not None:  # a str subclass cannot have slots: each line costs an instance dict
            obj.line = line
        return obj


def drop_known_line(value: Any, line: int | None) -> Any:
    """``value`` with each :class:`Ref` (or tuple item) whose line is ``line`` replaced by one without
    a line (:func:`lineless`): whoever reports on it falls back to ``line`` (the field's or the
    record's), so nothing is lost, and a ref without a line has no instance dict."""
    if line is None:
        return value
    if isinstance(value, Ref):
        return lineless(value) if value.line == line else value
    if isinstance(value, tuple) and value and isinstance(value[0], Ref):
        return tuple(lineless(r) if r.line == line else r for r in value)
    return value


_LINELESS: dict[str, Ref] = {}


def lineless(value: str) -> Ref:
    """The one :class:`Ref` without a line for ``value`` (66,000 refs of 5,000 papers name 6,100
    ids; no code gives an existing ref a line: :meth:`Ref.at` makes a new one)."""
    return _LINELESS.get(value) or _LINELESS.setdefault(str(value), Ref(value))


_describe = describe


def _line_of(container: Any, key: Any) -> int | None:
    if hasattr(container, "line_of"):
        return container.line_of(key)
    return None


def is_id(value: Any) -> bool:
    return isinstance(value, str) and ID_PATTERN.fullmatch(value) is not None


def check_id(value: str, line: int | None = None) -> str:
    if is_id(value):
        return value
    if len(value) > MAX_ID_LENGTH and ID_PATTERN.fullmatch(value[:MAX_ID_LENGTH]):
        raise FieldError(f"id too long ({len(value)} characters, at most {MAX_ID_LENGTH}): "
                         f"{describe(value[:40], 40)}…", line, "schema.id")
    raise FieldError(f"invalid id {describe(value)}: use letters, digits, '.', '_' and '-', "
                     "starting with a letter or digit", line, "schema.id")


class Spec:
    """Base of all field types."""

    type_name = "value"

    def parse(self, value: Any, name: str, line: int | None) -> Any:
        raise NotImplementedError

    def json_schema(self) -> dict:
        raise NotImplementedError

    def example(self) -> str:
        return "''"


class Str(Spec):
    type_name = "text"

    def __init__(self, numbers_ok: bool = False, pattern: re.Pattern | None = None,
                 hint: str = ""):
        self.numbers_ok, self.pattern, self.hint = numbers_ok, pattern, hint

    def parse(self, value, name, line):
        if self.numbers_ok and _finite_number(value):
            value = str(value)
        if not isinstance(value, str):
            raise FieldError(f"'{name}' must be text, got {_describe(value)}", line)
        value = value.strip()
        if not value:
            raise FieldError(f"'{name}' is empty", line)
        if self.pattern and not self.pattern.match(value):
            raise FieldError(f"'{name}' {self.hint}, got {describe(value)}", line, "schema.format")
        return value

    def json_schema(self):
        schema: dict = {"type": ["string", "number"] if self.numbers_ok else "string", "minLength": 1}
        if self.pattern:
            schema = {"type": "string", "pattern": self.pattern.pattern}
        return schema


class Id(Spec):
    type_name = "id"

    def __init__(self, kind: str | None = None):
        self.kind = kind

    def parse(self, value, name, line):
        if _finite_number(value):
            value = str(value)
        if not isinstance(value, str):
            raise FieldError(f"'{name}' must be an id, got {_describe(value)}", line)
        return Ref.at(check_id(value.strip(), line), line)

    def json_schema(self):
        return {"type": "string", "pattern": ID_PATTERN.pattern}


class ListOf(Spec):
    """A list; a single value is accepted as a list of one."""

    def __init__(self, item: Spec, single_ok: bool = True, names: bool = False):
        self.item, self.single_ok, self.names = item, single_ok, names
        self.type_name = f"list of {item.type_name}"

    def parse(self, value, name, line):
        if not isinstance(value, list):
            if self.names and isinstance(value, str) and any(sep in value for sep in ",;"):
                raise FieldError(f"'{name}' is one text that looks like several ({_describe(value)}): write a "
                                 f"list, one item per line starting with '- ' (an item that itself holds a comma "
                                 f"goes in quotes)", line)
            if self.single_ok and value is not None and not isinstance(value, dict):
                return (self.item.parse(value, name, line),)
            raise FieldError(f"'{name}' must be a list, got {_describe(value)}", line)
        items, errors = [], []
        for i, v in enumerate(value):
            try:
                items.append(self.item.parse(v, name, _line_of(value, i) or line))
            except FieldError as exc:
                errors.append(exc)
        raise_all(errors)
        return tuple(items)

    def json_schema(self):
        item = self.item.json_schema()
        arr = {"type": "array", "items": item}
        single = {**item, "pattern": "^[^,;]*$"} if self.names else item
        return {"anyOf": [single, arr]} if self.single_ok else arr


def _finite_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value \
        and value not in (float("inf"), float("-inf"))


class Int(Spec):
    """A whole number from ``minimum`` to ``maximum``."""

    def __init__(self, minimum: int, maximum: int):
        self.minimum, self.maximum = minimum, maximum
        self.type_name = f"whole number, {minimum:,} to {maximum:,}"

    def parse(self, value, name, line):
        if isinstance(value, bool) or not isinstance(value, int):
            raise FieldError(f"'{name}' must be a whole number, got {_describe(value)}", line)
        if not self.minimum <= value <= self.maximum:
            raise FieldError(f"'{name}' must be from {self.minimum:,} to {self.maximum:,}, got {value}",
                             line, "schema.range")
        return value

    def json_schema(self):
        return {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}


class Year(Spec):
    type_name = "year (or 'n.d.')"

    def parse(self, value, name, line):
        if isinstance(value, str) and value.strip().lower() == "n.d.":
            return "n.d."
        if isinstance(value, bool) or not isinstance(value, int) or not 1000 <= value <= 2999:
            raise FieldError(f"'{name}' must be a four-digit year (or 'n.d.'), got {_describe(value)}", line)
        return value

    def json_schema(self):
        return {"anyOf": [{"type": "integer", "minimum": 1000, "maximum": 2999}, {"const": "n.d."}]}


class Choice(Spec):
    def __init__(self, *choices: str):
        self.choices = choices
        self.type_name = " | ".join(choices)

    def parse(self, value, name, line):
        if not isinstance(value, str) or value.strip() not in self.choices:
            raise FieldError(f"'{name}' must be one of {', '.join(self.choices)}; got {_describe(value)}",
                             line, "schema.choice")
        return value.strip()

    def json_schema(self):
        return {"enum": list(self.choices)}


class Doi(Spec):
    type_name = "DOI"

    def parse(self, value, name, line):
        if not isinstance(value, str):
            raise FieldError(f"'{name}' must be a DOI like 10.1234/abc, got {_describe(value)}", line)
        doi = _DOI_PREFIX.sub("", value.strip())
        if not DOI_PATTERN.match(doi):
            raise FieldError(f"'{name}' is not a valid DOI (expected 10.NNNN/suffix), got '{value}'",
                             line, "schema.format")
        return doi

    def json_schema(self):
        return {"type": "string", "pattern": r"^(https?://(dx\.)?doi\.org/|doi:\s*)?10\.\d{4,9}/\S+$"}


class Url(Spec):
    type_name = "http(s) URL"

    def parse(self, value, name, line):
        text = value.strip() if isinstance(value, str) else value
        if isinstance(text, str) and text.lower().startswith("www."):
            text = "https://" + text  # as browsers do; references often print bare www. addresses
        if not isinstance(text, str) or not re.match(r"^https?://[^\s<>\"']+$", text):
            raise FieldError(f"'{name}' must be an http:// or https:// URL, got {_describe(value)}",
                             line, "schema.format")
        return text

    def json_schema(self):
        return {"type": "string", "pattern": r"^(https?://|www\.)[^\s<>\"']+$"}


class TextOrList(Spec):
    type_name = "text or list of text"

    def parse(self, value, name, line):
        return ListOf(Str()).parse(value, name, line)

    def json_schema(self):
        return ListOf(Str()).json_schema()


class Extra(Spec):
    """Free data: a mapping of names to text, numbers, true/false, dates, or lists of them.

    Every value must go into ``evidence.json`` as it is: no NaN or infinity, no whole number
    beyond what JSON keeps exactly (2^53 - 1), no binary data or sets; a date or time tagged
    ``!!timestamp`` is kept as its ISO 8601 text."""

    type_name = "mapping"

    def parse(self, value, name, line):
        if not isinstance(value, dict):
            raise FieldError(f"'{name}' must be a mapping of name: value, got {_describe(value)}", line)
        out, errors = {}, []
        for key, item in value.items():
            where = _line_of(value, key) or line
            try:
                out[str(key)] = self._value(item, f"{name}.{key}", where)
            except FieldError as exc:
                errors.append(exc)
        raise_all(errors)
        return out

    @staticmethod
    def _value(item: Any, name: str, line: int | None) -> Any:
        if isinstance(item, dict):
            raise FieldError(f"'{name}' must be text, a number or a list, not a mapping", line)
        items = item if isinstance(item, list) else (item,)
        parsed, errors = [], []
        for i, one in enumerate(items):
            try:
                if isinstance(one, (dict, list)):
                    raise ValueError(f"{describe(one)} inside a list: use text, numbers, true/false")
                parsed.append(json_value(one))
            except ValueError as exc:
                errors.append(FieldError(f"'{name}': {exc}", _line_of(items, i) or line, "schema.type"))
        raise_all(errors)
        return tuple(parsed) if isinstance(item, list) else parsed[0]

    def json_schema(self):
        scalar = {"type": ["string", "number", "boolean", "null"]}
        return {"type": "object", "additionalProperties": {"anyOf": [scalar, {"type": "array", "items": scalar}]}}


def field_(spec: Spec, doc: str, required: bool = False, default: Any = None, factory: Any = None) -> Any:
    """A dataclass field that is also a documented content field."""
    meta = {"spec": spec, "doc": doc, "required": required}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


@cache
def content_fields(cls: type) -> Mapping[str, Any]:
    """name → dataclass Field of the fields an author may write (those with a spec), read-only;
    computed once per class (classes do not change; validation asks ~5 times per file)."""
    return MappingProxyType({f.name: f for f in fields(cls) if "spec" in f.metadata})


class Record(Spec):
    """A nested mapping parsed into a frozen dataclass ``cls``; ``shorthand`` names the field a bare
    scalar fills (``- smith2019`` for ``- paper: smith2019``)."""

    def __init__(self, cls: type, shorthand: str | None = None):
        self.cls, self.shorthand = cls, shorthand
        self.type_name = f"mapping ({', '.join(content_fields(cls))})"

    def parse(self, value, name, line):
        from .diagnostics import did_you_mean
        specs = content_fields(self.cls)
        if self.shorthand and isinstance(value, (str, int)) and not isinstance(value, bool):
            value = {self.shorthand: value}
        if not isinstance(value, dict):
            raise FieldError(f"'{name}' items must be mappings, got {_describe(value)}", line)
        errors = [FieldError(f"unknown field '{key}' in '{name}'{did_you_mean(key, specs)}",
                             _line_of(value, key) or line, "schema.unknown-field")
                  for key in value if key not in specs]
        kwargs = {}
        for fname, f in specs.items():
            if fname in value:
                try:
                    kwargs[fname] = f.metadata["spec"].parse(value[fname], fname, _line_of(value, fname) or line)
                except FieldError as exc:
                    errors.append(exc)
            elif f.metadata["required"]:
                errors.append(FieldError(f"'{name}' item lacks required field '{fname}'",
                                         getattr(value, "line", None) or line, "schema.required"))
        raise_all(errors)
        kwargs["line"] = getattr(value, "line", None) or line
        for fname, fvalue in kwargs.items():
            if isinstance(fvalue, Ref):  # located by the record's line instead (link.located_refs)
                kwargs[fname] = drop_known_line(fvalue, kwargs["line"])
        return self.cls(**kwargs)

    def json_schema(self):
        specs = content_fields(self.cls)
        obj = {"type": "object", "additionalProperties": False,
               "properties": {n: {**f.metadata["spec"].json_schema(), "description": f.metadata["doc"]}
                              for n, f in specs.items()},
               "required": [n for n, f in specs.items() if f.metadata["required"]]}
        if self.shorthand:
            return {"anyOf": [specs[self.shorthand].metadata["spec"].json_schema(), obj]}
        return obj


def default_of(f: Any) -> Any:
    return None if f.default is MISSING else f.default


FrozenMap = Mapping[str, Any]
