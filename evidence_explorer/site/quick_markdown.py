"""Plain prose in Markdown → the HTML Python-Markdown makes of it, without Python-Markdown (a fast path).

Most bodies of an evidence base are prose: paragraphs, ``## headings`` on a line of their own,
tight ``- item`` lists, ``[[id]]`` links. Python-Markdown spends about 0.2 ms on such a body (its
preprocessors, a dozen block processors tried on every block, the tree processors, the
serialiser), a quarter of a cold build's render. :func:`quick_block` writes the same HTML
directly for a body made only of those shapes, and returns None for anything else, which then
goes through Python-Markdown as before. So the rule here is to refuse whatever could read as
other Markdown:

- lines: no tab, carriage return or other control character, no leading or trailing space, no line
  of spaces only;
- a block (lines between blank lines) is a heading (one line ``#`` to ``######``, a space, its text,
  no other ``#``), a list (every line ``- `` and its text; not right after another list, which
  Python-Markdown would merge into one loose list), or a paragraph;
- every line of a paragraph, and every list item's text, starts as a sentence does: a letter, a
  digit not followed by ``.`` or ``)`` (an ordered list), an opening quote or bracket, or ``[[``;
- text: none of :data:`INLINE_SIGNS` (code, escapes, emphasis, links, raw HTML, tables) except in
  ``[[id]]`` and ``[[id|label]]`` links; ``&`` only where it cannot start a character reference;
  a link's shown text obeys the same rule.

``tests/test_quick_markdown.py`` compares it with Python-Markdown (the renderer's stock
configuration) on generated documents and on every body of the demo, hostile and synthetic bases.
"""
from __future__ import annotations

import re
from typing import Callable

from ..content.link import WIKILINK  # (the expression ``markup._WikiLinks`` registers too)

Resolver = Callable[[str], "tuple[str, str] | None"]
"""id → (href, title), or None when the id is unknown (``markup`` takes its name from here)."""

INLINE_SIGNS = re.compile(r"[`\\\[\]<*_|~\x00-\x09\x0b-\x1f\x7f]|&(?:#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z0-9]+);")
"""What may make text more than text to Python-Markdown (or to this module's simple reading of it):
code spans, backslash escapes, link brackets, raw HTML and autolinks, emphasis, table cells, fences,
control characters (its placeholders are two of them), character references."""

ORDERED_ITEM = re.compile(r"\d+[.)]")
HEADING = re.compile(r"(#{1,6}) +([^#\s](?:[^#\n]*[^#\s])?)\Z")
"""A heading's text starts and ends with neither ``#`` nor white space (Python-Markdown strips
Unicode white space too, a no-break space included)."""
SENTENCE_START = frozenset("(\"'‘“")
"""Characters besides letters and digits a line of prose may start with."""


def quick_block(text: str, resolve: Resolver) -> str | None:
    """The HTML of ``text`` as Python-Markdown (tables, fenced code, sane lists, ``[[id]]`` links)
    writes it, when ``text`` is plain prose (module docstring); None otherwise."""
    if "\r" in text or "\t" in text:
        return None
    out: list[str] = []
    block: list[str] = []
    after_list = False
    for line in (*text.split("\n"), ""):
        if line:
            if line[0] == " " or line[-1] == " ":
                return None
            block.append(line)
            continue
        if not block:
            continue
        first = block[0]
        if first[0] == "#":
            heading = HEADING.match(first) if len(block) == 1 else None
            shown = _inline(heading.group(2), resolve) if heading else None
            if shown is None:
                return None
            level = len(heading.group(1))  # type: ignore[union-attr]
            out.append(f"<h{level}>{shown}</h{level}>")
            after_list = False
        elif first.startswith("- "):
            if after_list:
                return None
            items = []
            for item in block:
                shown = _inline(item[2:], resolve) if item.startswith("- ") and _starts_prose(item[2:]) else None
                if shown is None:
                    return None
                items.append(f"<li>{shown}</li>\n")
            out.append("<ul>\n" + "".join(items) + "</ul>")
            after_list = True
        else:
            if not all(_starts_prose(line) for line in block):
                return None
            shown = _inline("\n".join(block), resolve)
            if shown is None:
                return None
            out.append(f"<p>{shown}</p>")
            after_list = False
        block = []
    return "\n".join(out)


def _starts_prose(line: str) -> bool:
    first = line[0] if line else ""
    if first.isalpha() or first in SENTENCE_START:
        return True
    if first == "[":
        return line.startswith("[[")
    return first.isdigit() and ORDERED_ITEM.match(line) is None


def _inline(text: str, resolve: Resolver) -> str | None:
    """``text`` with its ``[[links]]`` made, escaped as Python-Markdown's serialiser escapes text;
    None when anything else in it is Markdown."""
    out, at = [], 0
    for m in WIKILINK.finditer(text):
        run = _text(text[at:m.start()])
        if run is None:
            return None
        out.append(run)
        target, label = m.group(1).strip(), m.group(2)
        found = resolve(target)
        if found is None:
            shown = _text(label or target)
            if shown is None:
                return None
            out.append(f'<span class="broken-link">{shown}</span>')
        else:
            href, title = found
            shown = _text((label or title).strip())
            if shown is None or not _plain_href(href):
                return None
            out.append(f'<a class="xref" href="{href}">{shown}</a>')
        at = m.end()
    run = _text(text[at:])
    if run is None:
        return None
    out.append(run)
    return "".join(out)


def _text(run: str) -> str | None:
    if INLINE_SIGNS.search(run) is not None:
        return None
    if "&" in run:
        run = run.replace("&", "&amp;")
    if ">" in run:
        run = run.replace(">", "&gt;")
    return run


PLAIN_HREF = re.compile(r"(?:https?://|(?![^/]*:))[^\s\"'<>&\\`\x00-\x1f\x7f]*\Z")


def _plain_href(href: str) -> bool:
    """A link target the serialiser writes unchanged and ``markup._SafeUrls`` keeps: an http(s)
    address, or a path with no colon before its first slash (no scheme), without characters that
    are escaped or that a browser ignores."""
    return PLAIN_HREF.match(href) is not None
