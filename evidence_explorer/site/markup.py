"""Markdown → safe HTML: raw HTML escaped (unless opted in), unsafe URLs dropped, ``[[id]]`` links.

One :class:`MarkdownRenderer` per build (it holds a Python-Markdown instance,
which is stateful); nothing here is global.
"""
from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree
from typing import Callable
from urllib.parse import urlsplit

import markdown
from markdown import treeprocessors, util
from markdown.extensions import Extension
from markdown.extensions.fenced_code import FencedCodeExtension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.tables import TableExtension
from markdown.inlinepatterns import BacktickInlineProcessor, HtmlInlineProcessor, InlineProcessor
from markdown.treeprocessors import Treeprocessor
import nh3
from markupsafe import Markup, escape

from ..content.link import WIKILINK
from .quick_markdown import Resolver, quick_block

SAFE_SCHEMES = frozenset({"", "http", "https", "mailto"})


def is_safe_url(url: str) -> bool:
    """True for http(s), mailto and relative URLs, as a browser will read them.

    Character references are decoded first (Python-Markdown keeps ``&#x09;`` in
    attributes, and a browser turns ``java&#x09;script:`` into ``javascript:``),
    then the control characters and spaces browsers ignore are removed.
    """
    decoded = html.unescape((url or "").replace(markdown.util.AMP_SUBSTITUTE, "&"))
    cleaned = re.sub(r"[\x00-\x20\x7f]+", "", decoded)
    try:
        scheme = urlsplit(cleaned).scheme.lower()
    except ValueError:
        return False
    return scheme in SAFE_SCHEMES


class _WikiLinks(InlineProcessor):
    def __init__(self, resolve: Resolver):
        super().__init__(WIKILINK.pattern)
        self.resolve = resolve

    def handleMatch(self, m, data):  # noqa: N802 (Python-Markdown API)
        target, label = m.group(1).strip(), m.group(2)
        found = self.resolve(target)
        if found is None:
            el = etree.Element("span")
            el.set("class", "broken-link")
            el.text = label or target
            return el, m.start(0), m.end(0)
        el = etree.Element("a")
        el.set("href", found[0])
        el.set("class", "xref")
        el.text = (label or found[1]).strip()
        return el, m.start(0), m.end(0)


class _SafeUrls(Treeprocessor):
    def run(self, root):
        for el in root.iter():
            for attr in ("href", "src"):
                if attr in el.attrib and not is_safe_url(el.attrib[attr]):
                    del el.attrib[attr]
                    el.set("data-unsafe-url", "removed")
            if el.tag == "img" and "src" not in el.attrib:  # an <img> needs a src: keep its alt text
                alt = el.attrib.get("alt", "")
                el.tag, el.text = "span", alt
                el.attrib.clear()
                el.set("data-unsafe-url", "removed")
        return None


_TRIGGERS: dict[str, tuple[str, ...]] = {
    r"(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)`)": ("`",),  # code span
    r"\\(.)": ("\\",),  # backslash escape
    WIKILINK.pattern: ("[",),  # [[wikilink]]
    r"(?<!\!)\[": ("[",),  # link, reference, short reference
    r"\!\[": ("[",),  # images
    r"<([A-Za-z][A-Za-z0-9+.-]*://[^<>]*)>": ("<",),  # autolink
    r"<([^<> !]+@[^@<> ]+)>": ("<",),  # automail
    r"  \n": ("  \n",),  # hard line break
    r"(&(?:\#[0-9]+|\#x[0-9a-fA-F]+|[a-zA-Z0-9]+);)": ("&",),  # entity
    r"\*|_": ("*", "_"),  # emphasis and strong
}
"""Python-Markdown's inline expressions (by their exact text) → substrings one of which every match
contains. Raw HTML (``<``) is looked up by its class. An expression not listed turns the shortcut off."""


class _QuickInline(treeprocessors.InlineProcessor):
    """Python-Markdown's inline tree processor, minus the work for patterns that cannot match.

    The stock processor calls into its pattern machinery (registry look-up, ancestor checks, a
    ``finditer``) for each of the ~17 inline patterns on every run of text, although most
    patterns find nothing in plain prose. Here a pattern whose expression finds nothing from
    the current position is skipped at the cost of one ``search``: exactly what the stock
    processor would have returned for it (no match: text unchanged, scanning restarts at 0
    with the next pattern). Everything else, matches included, goes through the stock code,
    so the output is the same (tested against the stock processor). The code-span expression
    cannot use a fast literal scan (it starts with look-behinds): ~20 µs a paragraph; any match of
    it contains a backtick, so text without one skips it outright.
    """

    _quick: list | None = None
    _needs: tuple[str, ...] | None = None

    def run(self, tree, ancestors=None):
        if self._quick is None:  # once: MarkdownRenderer registers no pattern after building its instance
            self._quick = [(p, p.getCompiledRegExp() if isinstance(p, InlineProcessor) else None,
                            "`" if isinstance(p, BacktickInlineProcessor) else "")
                           for p in self.inlinePatterns]
            self._needs = _needs(self._quick)
        return super().run(tree, ancestors)

    def _InlineProcessor__handleInline(self, data: str, patternIndex: int = 0) -> str:  # noqa: N802, N803
        if isinstance(data, util.AtomicString):
            return data
        needs = self._needs
        if needs is not None and not any(n in data for n in needs):
            return data  # no pattern can match anywhere in it (most runs of prose)
        apply = self._InlineProcessor__applyPattern  # type: ignore[attr-defined]
        quick, start = self._quick, 0
        count = len(quick)
        while patternIndex < count:
            pattern, regex, needle = quick[patternIndex]
            if regex is not None and ((needle and needle not in data) or regex.search(data, start) is None):
                patternIndex, start = patternIndex + 1, 0
                continue
            data, matched, start = apply(pattern, data, patternIndex, start)
            if not matched:
                patternIndex += 1
        return data


def _needs(quick: list) -> tuple[str, ...] | None:
    """Substrings one of which any text an inline pattern of ``quick`` can match contains; None when
    a pattern is not one of the known expressions (then every text goes through every pattern)."""
    found: set[str] = set()
    for pattern, regex, _needle in quick:
        if regex is None:
            return None
        if isinstance(pattern, HtmlInlineProcessor) and regex.pattern.startswith("(<"):
            found.add("<")  # raw HTML (only with allow_raw_html): every match starts with '<'
            continue
        triggers = _TRIGGERS.get(regex.pattern)
        if triggers is None:
            return None
        found.update(triggers)
    return tuple(sorted(found))


class _Safety(Extension):
    def __init__(self, resolve: Resolver, allow_raw_html: bool, quick_inline: bool = True):
        super().__init__()
        self.resolve, self.allow_raw_html, self.quick_inline = resolve, allow_raw_html, quick_inline

    def extendMarkdown(self, md):  # noqa: N802
        if not self.allow_raw_html:
            md.preprocessors.deregister("html_block")
            md.inlinePatterns.deregister("html")
        md.inlinePatterns.register(_WikiLinks(self.resolve), "wikilink", 175)
        md.treeprocessors.register(_SafeUrls(md), "safe_urls", 0)
        if self.quick_inline:
            md.treeprocessors.register(_QuickInline(md), "inline", 20)  # replaces the stock one


# What raw HTML may keep when a site opts in (allow_raw_html): ammonia's allowlist of tags
# (no script, style, iframe, object, form, svg…), no event handlers, URLs limited to these schemes
# or relative, plus the attributes our own Markdown output uses (classes of links and code blocks,
# table-cell alignment as a text-align style and nothing else).
RAW_HTML_ATTRIBUTES = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
RAW_HTML_ATTRIBUTES["*"] = {"class", "title", "lang", "dir"}
for _cell in ("th", "td"):
    RAW_HTML_ATTRIBUTES[_cell] = RAW_HTML_ATTRIBUTES.get(_cell, set()) | {"style"}
RAW_HTML_SCHEMES = {"http", "https", "mailto"}


def sanitise(html: str) -> str:
    """Raw HTML a site let through, made safe by nh3 (ammonia): nothing in it can run script."""
    return nh3.clean(html, attributes=RAW_HTML_ATTRIBUTES, url_schemes=RAW_HTML_SCHEMES, link_rel=None,
                     strip_comments=True, filter_style_properties={"text-align"})


TABLE_START = re.compile(r"<table\b[^>]*>")
TABLE_BOX = '<div class="table-scroll" role="region" aria-label="Table" tabindex="0">'
TABLE = re.compile(r"<table\b.*?</table>", re.S)
TAG_OR_TEXT = re.compile(r"(<[^>]*>)")
WORD_SLASH = re.compile(r"(?<=\w)/(?=\w)")


def scrolling_tables(html: str) -> str:
    """``html`` with each table in a box that scrolls sideways (``.table-scroll``, a labelled region
    a keyboard can reach and scroll, as the site's own tables are), so a wide table in a body
    never widens a phone's page; and, in its text, a line-break opportunity (``<wbr>``) after each
    slash between words, as the site's own tables have (``slash_breaks``): a two-column table of
    "evidence/opinion/commentary" fits a phone instead of scrolling. Runs on the final (sanitised)
    HTML, whose tags are well formed (attributes, such as a link's ``href``, are left as they are)."""
    if "<table" not in html:
        return html
    html = TABLE.sub(lambda m: "".join(part if i % 2 else WORD_SLASH.sub("/<wbr>", part)
                                       for i, part in enumerate(TAG_OR_TEXT.split(m.group(0)))), html)
    return TABLE_START.sub(lambda m: TABLE_BOX + m.group(0), html).replace("</table>", "</table></div>")


INLINE_SYNTAX = re.compile(r"[`\\\[<*_]|  \n|&(?:#[0-9]+|#x[0-9a-fA-F]+|[a-zA-Z0-9]+);")
"""What any inline pattern of a short field's Markdown needs (code, escapes, links and images,
autolinks, emphasis, hard breaks, character references: ``_TRIGGERS``): a field without it reads
as its escaped text (:meth:`MarkdownRenderer.inline`)."""

BLOCK_PROCESSORS_NOT_INLINE = ("indent", "code", "hashheader", "setextheader", "hr", "olist", "ulist",
                               "quote", "reference")
"""Python-Markdown's block structures, which a short field never makes: "1. Staff…", "# 3" or "> 5"
at the start of a context or a quote is text, whether or not the field also has emphasis or a link."""


class MarkdownRenderer:
    def __init__(self, resolve: Resolver, allow_raw_html: bool = False, quick_inline: bool = True):
        """``quick_inline`` False: Python-Markdown's stock inline processor and every body through
        Python-Markdown (the reference the tests compare :class:`_QuickInline` and
        ``quick_markdown.quick_block`` with)."""
        self._md = markdown.Markdown(
            extensions=[TableExtension(), FencedCodeExtension(), SaneListExtension(),
                        _Safety(resolve, allow_raw_html, quick_inline)],
            output_format="html")
        self._allow_raw_html = allow_raw_html
        self._quick_block = (lambda text: quick_block(text, resolve)) if quick_inline else None
        self._inline = markdown.Markdown(extensions=[_Safety(resolve, False, quick_inline)], output_format="html")
        for name in BLOCK_PROCESSORS_NOT_INLINE:
            self._inline.parser.blockprocessors.deregister(name, strict=False)

    def block(self, text: str) -> Markup:
        """A Markdown body → HTML (escaped input, so safe to mark up). Plain prose is written
        directly (``quick_markdown``, a fast path: the same HTML), anything else by Python-Markdown.
        Each table scrolls in its own box (:func:`scrolling_tables`)."""
        html = self._quick_block(text or "") if self._quick_block is not None else None
        if html is None:
            self._md.reset()
            html = self._md.convert(text or "")
        return Markup(scrolling_tables(sanitise(html) if self._allow_raw_html else html))

    def inline(self, text: str) -> Markup:
        """A short field (quote, context…) → inline HTML: emphasis and [[links]], no paragraphs
        or other blocks. Text in which no inline pattern can match is escaped here instead
        (:data:`INLINE_SYNTAX`): the same text as :meth:`inline_markdown` makes of it."""
        if not text:
            return Markup("")
        if INLINE_SYNTAX.search(text) is None:
            return escape(text)
        return self.inline_markdown(text)

    def inline_markdown(self, text: str) -> Markup:
        """:meth:`inline` through Python-Markdown, always: one paragraph (blank lines are line
        breaks of the paragraph), its tags removed."""
        self._inline.reset()
        html = self._inline.convert(re.sub(r"\n\s*\n", "\n", text))
        return Markup(re.sub(r"^<p>(.*)</p>$", r"\1", html, flags=re.S))
