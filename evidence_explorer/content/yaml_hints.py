"""Hints for YAML mistakes authors make in front matter, where YAML itself says nothing useful.

- A ``#`` directly followed by text inside an unquoted value (``title: Integrated care #1 priority``)
  starts a YAML comment: the rest of the line silently leaves the value. Such lines are found
  here and reported as warnings. A ``#`` after a space and followed by a space (``status: agreed
  # March meeting``) is taken as a deliberate comment and left alone.
- Two YAML syntax errors get the fix beside the parser's words: a ``: `` inside an unquoted value,
  and a quote inside a value quoted with the same quote.
- A quote that is never closed is reported on the line where it opened: the parser reads on to the
  end of the front matter and names that line, which sends the author to the wrong place. So is a
  list (``[…]``) or mapping (``{…}``) that is not closed on its line: the parser names the next
  line, where it found the next key instead of the ``,`` or closing bracket it expected.
"""
from __future__ import annotations

import re
from typing import Any

_COMMENTED_VALUE = re.compile(
    r"""^[ \t]*(?:-[ \t]+)?            # indentation, a list item
        [^\s#'"\[{][^:#]*:[ \t]+       # a plain key and its colon
        (?![\s'"\[{|>&*!%@`#])         # a plain (unquoted) scalar value starts here
        [^#\n]*?\S[ \t]+\#\S           # ... and contains ' #' followed by a character
    """, re.X)

HINTS = {
    "mapping values are not allowed here":
        "a ': ' inside a value; put the whole value in double quotes, e.g. title: \"Care: what works\"",
    "expected <block end>, but found '<scalar>'":
        "often a quote inside a quoted value: inside '…' write an apostrophe twice (''), or quote "
        "the value with \"…\" instead",
}


UNCLOSED_QUOTE = ("a quoted value that starts on this line is never closed (YAML read on to the end of the "
                  "front matter): add the closing quote")


FLOW = {"while parsing a flow sequence": ("list", "[", "]"), "while parsing a flow mapping": ("mapping", "{", "}")}


def syntax_error(exc: Any, line_offset: int = 0) -> tuple[str, int | None]:
    """The message and file line of PyYAML's ``MarkedYAMLError`` ``exc`` (``line_offset``: lines of
    the file before the front matter), with the fix where one is known."""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 + line_offset if mark else None
    problem = exc.problem or exc.context or "invalid YAML"
    if "'\\t'" in problem:
        problem = "tab character used for indentation (YAML needs spaces)"
    opened = unclosed_quote(exc)
    if opened is not None:  # where the quote opened, not the end of the front matter
        line, problem = opened + 1 + line_offset, UNCLOSED_QUOTE
    flow = FLOW.get(getattr(exc, "context", None) or "")
    start, end = exc.context_mark, exc.problem_mark
    if flow is not None and start is not None and end is not None and start.line < end.line:
        what, opening, closing = flow
        line = start.line + 1 + line_offset  # where the bracket opened, not the next key's line
        problem = (f"a {what} that opens with '{opening}' on this line is not closed: on line "
                   f"{end.line + 1 + line_offset} YAML still expected ',' or '{closing}'; close the {what} with "
                   f"'{closing}'")
    return f"YAML syntax error: {hint(problem)}", line


def unclosed_quote(exc: Any) -> int | None:
    """The 0-based line where a quoted value that never ends opened, or None for any other error."""
    context, mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or ""
    if context == "while scanning a quoted scalar" and mark is not None and "end of stream" in problem:
        return mark.line
    return None


def commented_value_lines(yaml_text: str, line_offset: int = 0) -> tuple[int, ...]:
    """Lines (of the file) whose unquoted value is cut short by a ``#`` that starts a comment."""
    return tuple(i + 1 + line_offset for i, line in enumerate(yaml_text.split("\n"))
                 if "#" in line and _COMMENTED_VALUE.match(line))


def hint(problem: str) -> str:
    """The parser's words, with the likely fix where one is known."""
    for words, fix in HINTS.items():
        if words in problem:
            return f"{problem} ({fix})"
    return problem
