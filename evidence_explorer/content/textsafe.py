"""Text and values that are safe to print, publish and write as JSON.

Content comes from contributors (not fully trusted): a value that enters through YAML is checked
here once, and every diagnostic line is escaped here once, so no file name, key or value can forge
a diagnostic line or send escape sequences to a terminal.
"""
from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

UNSAFE_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
"""What a text value of the content may not hold: control characters other than tab and newline
(NUL, escape, DEL, the C1 controls), lone UTF-16 surrogates (they cannot be written as UTF-8) and
the noncharacters U+FFFE, U+FFFF. YAML forbids them written raw; only escapes (``"\\e"``,
``"\\0"``, ``"\\ud800"``) can make them."""
UNSAFE_BODY = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
"""What a Markdown body may not hold: C0 controls other than tab, newline, form feed and carriage
return (HTML calls them parse errors; NUL would be written raw into the page)."""
_SURROGATE = re.compile("[\ud800-\udfff]")
_PAIR = re.compile("[\ud800-\udbff][\udc00-\udfff]")
_ESCAPED = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069"
                      "\ud800-\udfff]")
"""Escaped in diagnostics: every control character (newline and tab too), the Unicode line and
paragraph separators, bidirectional controls (they reorder what a terminal shows) and surrogates."""
_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}

MAX_JSON_INT = 2 ** 53 - 1
"""Largest whole number a JSON reader (JavaScript) keeps exactly."""


def char_name(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def escape_controls(text: str) -> str:
    """``text`` on one line with nothing a terminal would act on: ``\\n``, ``\\x1b``, ``\\u202e``."""
    if _ESCAPED.search(text) is None:
        return text
    return _ESCAPED.sub(lambda m: _NAMED.get(m[0]) or (f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100
                                                       else f"\\u{ord(m[0]):04x}"), text)


def checked_text(text: str) -> str:
    """``text`` when it is safe (a surrogate pair written as two escapes is joined into its
    character); :class:`ValueError` with the reason otherwise."""
    if UNSAFE_TEXT.search(text) is None:
        return text
    if _SURROGATE.search(text):
        try:
            text = text.encode("utf-16", "surrogatepass").decode("utf-16")
        except UnicodeDecodeError:
            bad = _SURROGATE.search(_PAIR.sub("", text))[0]  # type: ignore[index]
            raise ValueError(f"lone surrogate \\u{ord(bad):04x} in text (half of a UTF-16 pair, not a "
                             "character): write the character itself") from None
        if UNSAFE_TEXT.search(text) is None:
            return text
    ch = UNSAFE_TEXT.search(text)[0]  # type: ignore[index]
    raise ValueError(f"control character {char_name(ch)} in text: remove it (only tab and newline "
                     "are allowed)")


def body_problem(body: str) -> tuple[int, str] | None:
    """(0-based line within ``body``, message) of the first character a body may not hold."""
    found = UNSAFE_BODY.search(body)
    if found is None:
        return None
    name = "NUL" if found[0] == "\x00" else "control"
    return body.count("\n", 0, found.start()), f"{name} character {char_name(found[0])} in the text: remove it"


def json_value(value: Any) -> Any:
    """A scalar as written to ``evidence.json``: dates as ISO 8601 text, the rest unchanged;
    :class:`ValueError` (the reason) for what JSON cannot hold exactly."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, int):
        if abs(value) > MAX_JSON_INT:
            raise ValueError(f"whole number too large for JSON (more than {MAX_JSON_INT:,}); quote it "
                             "to keep it as text")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} is not a number JSON can hold (NaN and infinity are not); "
                             "quote it to keep it as text")
        return value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise ValueError(f"{describe(value)} cannot be written as JSON: use text, a number, true/false "
                     "or a list of them")


def describe(value: Any, limit: int = 60) -> str:
    """A value as a diagnostic shows it: its kind for containers and binary data, else a short repr."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (set, frozenset)):
        return "a set"
    if isinstance(value, (bytes, bytearray)):
        return "binary data (!!binary)"
    if isinstance(value, (date, datetime)):
        return f"a date ({value.isoformat()})"
    if value is None:
        return "nothing"
    text = value if isinstance(value, str) else repr(value)
    if len(text) > limit:
        text = text[:limit] + f"… ({len(text)} characters)"
    return f"'{text}'" if isinstance(value, str) else text
