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

import re

MAX_MARKUP = 20_000
"""Inline markup characters (``[ * _ ` \\``) and hard line breaks in one text."""
MAX_BRACKET_WORK = 1_000_000
"""Characters read from each ``[`` to its ``]`` (or its paragraph's end), summed."""
MAX_NESTING = 32
"""Nested lists and block quotes on one line."""

_MARKUP_CHARS = ("[", "*", "_", "`", "\\")
_HARD_BREAK = re.compile(r" {2,}\n")
_BLOCK = re.compile(r"(?:[^\n]*\S[^\n]*(?:\n|$))+")
"""A paragraph: a run of lines that are not blank."""
_CONTAINERS = re.compile(r"[ \t]*(?:>[ \t]*|(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$))+")
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
    markup = sum(text.count(c) for c in _MARKUP_CHARS) + 2 * len(_HARD_BREAK.findall(text)) + nesting
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
    """Raise when one line nests too deep; return the sum of the depths (each level costs a recursion)."""
    in_fence, total = "", 0
    for number, line in enumerate(text.split("\n")):
        stripped = line.lstrip()
        fence = stripped[:3]
        if fence in ("```", "~~~"):
            in_fence = "" if in_fence == fence else (in_fence or fence)
            continue
        if in_fence:
            continue
        m = _CONTAINERS.match(line)
        if m is None:
            continue
        indent = len(line) - len(stripped)
        depth = len(_CONTAINER.findall(m.group(0))) + indent // 4
        if depth > MAX_NESTING:
            raise MarkdownTooComplex(
                f"lists and block quotes nested {depth} deep (at most {MAX_NESTING})",
                number, "body.too-deep")
        total += depth
    return total


def _line_of(text: str, offset: int) -> int:
    """The line of the first character that is not white space at or after ``offset``."""
    return text.count("\n", 0, _SPACE.match(text, offset).end())


_SPACE = re.compile(r"\s*")
