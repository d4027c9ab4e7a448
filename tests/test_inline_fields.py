"""Short fields (context, quote, rationale…) through ``MarkdownRenderer.inline``: text in which no
inline pattern can match is escaped without Python-Markdown (a shortcut); any other text goes
through it. Both must read the same, whatever the text: before, a field with a ``*`` or a link
turned "1. Staff…" into a list and ``&amp;`` into "&", and the same field without one did not."""
from __future__ import annotations

import re

from hypothesis import given, settings, strategies as st

from evidence_explorer.site.markup import MarkdownRenderer

RENDERER = MarkdownRenderer(lambda target: ("/papers/a/", "A (2020) A title") if target == "a" else None)
BLOCK_TAGS = re.compile(r"</?(?:p|h[1-6]|ol|ul|li|blockquote|pre|hr|table|div)\b")


def reads(html: str) -> str:
    """What a reader gets: the same characters whatever the escape's style, runs of white space as one."""
    return " ".join(str(html).replace("&#39;", "'").replace("&#34;", '"').split())


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet=list("ab #1.-*>&<\\\n;x:/[]`_=|"), max_size=16))
def test_the_shortcut_reads_as_python_markdown(text):
    fast, slow = RENDERER.inline(text), RENDERER.inline_markdown(text)
    assert reads(fast) == reads(slow)
    assert not BLOCK_TAGS.search(str(fast)) and not BLOCK_TAGS.search(str(slow))


def test_fields_with_and_without_emphasis_agree():
    for plain in ("1. Staff shortages", "# 3 wards", "> 5 beds", "- first", "Health &amp; care", "a\\*b",
                  "see <https://example.org/x>", "line one  \nline two", "Title\n===", "    indented"):
        with_emphasis = str(RENDERER.inline(plain + " *now*"))
        assert with_emphasis.endswith(" <em>now</em>")
        assert reads(RENDERER.inline(plain)) == reads(with_emphasis.removesuffix(" <em>now</em>"))


def test_links_and_emphasis_still_render():
    assert str(RENDERER.inline("From [[a]], *strongly*")) == (
        'From <a class="xref" href="/papers/a/">A (2020) A title</a>, <em>strongly</em>')
    assert str(RENDERER.inline("[[missing]]")) == '<span class="broken-link">missing</span>'
    assert str(RENDERER.inline("A & B <c>")) == "A &amp; B &lt;c&gt;"
