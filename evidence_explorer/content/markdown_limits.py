"""A linear pre-scan that refuses Markdown Python-Markdown would take super-linear time on.

Python-Markdown is fast on prose (about 0.2 ms per KB here) but some inputs cost far more:

- every ``[`` that is not closed makes each of the six bracket patterns (link, image, reference…)
  scan to the end of its paragraph, so a paragraph of ``[``, ``[[``, ``![`` or ``[a](`` costs
  (brackets × paragraph length) or worse: 16 KB of ``[[`` took 38 s;
- each inline markup character (emphasis ``*``/``_``, code ``\\```, escapes, hard breaks) costs
  25–50 µs, so a page that is nothing but markup takes seconds although the growth is linear;
- each level of list or block-quote nesting is a recursion of the block parser (``"- " * 600``
  exhausted Python's stack).

:func:`check_markdown` bounds all three in one pass over the text (``benchmarks/markdown_floods.py``
measures the floods; none that passes takes more than about a second). It runs where files are
read (``load.read_source``), so ``check`` refuses what ``build`` would, and serve shows it too.
The limits are far above real pages: no file of the demo uses 1 % of either count.
"""
from __future__ import annotations

import bisect
import itertools
import re

MAX_MARKUP = 20_000
"""Inline markup characters (``[ * _ ` \\``) and hard line breaks in one text."""
MAX_BRACKET_WORK = 1_000_000
"""Characters read from each ``[`` to its ``]`` (or its paragraph's end), summed."""
MAX_NESTING = 32
"""Nested lists and block quotes on one line."""

_MARKUP_CHARS = ("[", "*", "_", "`", "\\")
_BLOCK = re.compile(r"(?:[^\n]*\S[^\n]*(?:\n|$))+")
"""A paragraph: a run of lines that are not blank."""
_CONTAINERS = re.compile(r"[ \t]*(?:>[ \t]*|(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$))+", re.MULTILINE)
_CONTAINER = re.compile(r">|(?:[-*+]|\d{1,9}[.)])(?=[ \t]|$)")


class MarkdownTooComplex(Exception):
    """``line`` is 0-based within the text given to :func:`check_markdown`."""

    def __init__(self, message: str, line: int, code: str):
        super().__init__(message)
        self.message, self.line, self.code = message, line, code


def check_markdown(text: str) -> None:
    """Raise :class:`MarkdownTooComplex` at the paragraph (or line) where a flood starts."""
    if not text:
        return
    nesting = _check_nesting(text)
    markup = sum(text.count(c) for c in _MARKUP_CHARS) + 2 * text.count("  \n") + nesting
    if markup > MAX_MARKUP:
        start = max(_runs(text), key=lambda run: sum(run[1].count(c) for c in _MARKUP_CHARS))[0]
        raise MarkdownTooComplex(
            f"too much Markdown markup: {markup:,} units of link brackets, emphasis, code marks, escapes, "
            f"hard line breaks and nesting (at most {MAX_MARKUP:,} in one text; it would take seconds to "
            "render); the densest paragraph starts here", _line_of(text, start), "body.too-complex")
    if (text.count("[") + text.count("](")) * len(text) <= MAX_BRACKET_WORK:
        return  # the common case: even if no '[' were closed
    work, start = 0, (-1, 0)
    for offset, run in _runs(text):
        scanned = _bracket_scan(run)
        work += scanned
        start = max(start, (scanned, offset))
    if work > MAX_BRACKET_WORK:
        raise MarkdownTooComplex(
            f"too many unclosed '[' or '](' in long paragraphs (each makes the link patterns read on to its "
            f"paragraph's end: {work:,} characters, at most {MAX_BRACKET_WORK:,}): close them, write "
            "them as '\\[' or split the paragraph; the worst paragraph starts here",
            _line_of(text, start[1]), "body.too-complex")


_BRACKETS = re.compile(r"[\[\]()]")
_RUN_START = re.compile(r"[ \t]*(?:$|#|(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$))")
"""A line that starts a new run of inline text: blank, a heading, a list item."""


def _runs(text: str) -> list[tuple[int, str]]:
    """(offset, text) of each run of inline text: paragraphs, split at list items and headings."""
    runs, start, offset = [], 0, 0
    for line in text.split("\n"):
        if _RUN_START.match(line) and offset > start:
            runs.append((start, text[start:offset]))
            start = offset
        offset += len(line) + 1
    runs.append((start, text[start:]))
    return runs


def _bracket_scan(run: str) -> int:
    """Characters Python-Markdown's link patterns read for one run: from each ``[`` to its matching
    ``]`` (``getText``) and from each ``](`` to its matching ``)`` (``getLink``), or to the run's end
    when there is none."""
    brackets: list[int] = []
    parens: list[tuple[int, bool]] = []
    scanned = 0
    for m in _BRACKETS.finditer(run):
        c, at = m.group(), m.start()
        if c == "[":
            brackets.append(at)
        elif c == "]":
            if brackets:
                scanned += at - brackets.pop()
        elif c == "(":
            parens.append((at, at > 0 and run[at - 1] == "]"))
        elif parens:
            start, after_link = parens.pop()
            if after_link:
                scanned += at - start
    end = len(run)
    return scanned + sum(end - p for p in brackets) + sum(end - p for p, link in parens if link)


def _check_nesting(text: str) -> int:
    """Raise when one line nests too deep; return the sum of the depths (each level costs a recursion).
    Lines with one marker and little indent count one each (counted by a regular expression); only
    lines that could be deeper are looked at one by one, outside fenced code."""
    lines = "\n" + text  # a literal first character lets the regular expressions skip ahead fast
    total = len(_CANDIDATE.findall(lines))
    deep = _DEEP.finditer(lines)
    first = next(deep, None)
    if first is None:
        return total
    fences = _fenced_spans(lines) if "```" in text or "~~~" in text else []
    for m in itertools.chain((first,), deep):
        at = m.start()
        if fences and _in_spans(fences, at):
            continue
        prefix = _CONTAINERS.match(lines, at + 1).group(0)
        stripped = prefix.lstrip(" \t")
        depth = len(_CONTAINER.findall(stripped)) + (len(prefix) - len(stripped)) // 4
        if depth > MAX_NESTING:
            raise MarkdownTooComplex(
                f"lists and block quotes nested {depth} deep (at most {MAX_NESTING})",
                lines.count("\n", 1, at + 1), "body.too-deep")
        total += max(depth - 1, 0)
    return total


_MARKER = r"(?:>|(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$))"
_CANDIDATE = re.compile(rf"\n[ \t]*{_MARKER}", re.MULTILINE)
"""A line (after the newline that precedes it) that starts with a list or quote marker."""
_DEEP = re.compile(rf"\n(?:[ \t]{{4,}}|[ \t]*{_MARKER}[ \t]*){_MARKER}", re.MULTILINE)
"""One that may be nested: indented at least four, or with two markers."""
_FENCE = re.compile(r"\n[ \t]*(```|~~~)")


def _fenced_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of fenced code blocks in ``text`` (which starts with a newline); an
    unclosed fence runs to the end."""
    spans, opened, kind = [], -1, ""
    for m in _FENCE.finditer(text):
        if opened < 0:
            opened, kind = m.start(), m.group(1)
        elif m.group(1) == kind:
            spans.append((opened, m.end()))
            opened = -1
    if opened >= 0:
        spans.append((opened, len(text)))
    return spans


def _in_spans(spans: list[tuple[int, int]], at: int) -> bool:
    i = bisect.bisect_right(spans, (at, 1 << 62)) - 1
    return i >= 0 and spans[i][0] <= at < spans[i][1]


def _line_of(text: str, offset: int) -> int:
    """The line of the first character that is not white space at or after ``offset``."""
    return text.count("\n", 0, _SPACE.match(text, offset).end())


_SPACE = re.compile(r"\s*")
