"""``site/quick_markdown.quick_block`` writes the HTML Python-Markdown writes, or declines.

The reference is the renderer's stock configuration (``MarkdownRenderer(quick_inline=False)``:
tables, fenced code, sane lists, ``[[id]]`` links, unsafe URLs dropped), on documents generated
from the shapes the fast path takes and the characters that make text more than text; and on
every body of the demo, hostile and synthetic bases. The fast path must also engage where it is
meant to (plain prose), or the build gains nothing.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

from evidence_explorer.content.diagnostics import Report
from evidence_explorer.pipeline import load_corpus
from evidence_explorer.site.markup import MarkdownRenderer
from evidence_explorer.site.quick_markdown import quick_block
from evidence_explorer.site.render import Renderer
from evidence_explorer.site.views import nav_items

ROOT = Path(__file__).resolve().parents[1]

TITLES = {"t1": ("/theories/t1/", "R1: Trust & time"), "p-2": ("../papers/p-2/", "Smith (2020) A > B"),
          "odd": ("/x/", "Has *stars*"), "bad-url": ("javascript:alert(1)", "Bad"),
          "amp": ("/a?b=1&c=2", "Query"), "sp": ("/s/", "  spaced  ")}
resolve = TITLES.get


def stock(text: str) -> str:
    return str(MarkdownRenderer(resolve, quick_inline=False).block(text))


SAFE_WORDS = ["care", "Trust", "home", "2020", "3.5", "R1", "e.g.", "well-being", "“quoted”", "(aside)", "'single'",
              "\"double\"", "naïve", "Ærø", "x>y", "a&b", "AT&T", "5)", "1.", "[[t1]]", "[[p-2]]", "[[missing]]",
              "[[ t1 ]]", "[[t1|label]]", "[[missing|Shown]]", "[[sp]]", "·", "½", "٣", "-", "#", "!", "?"]
RISKY_WORDS = ["&amp;", "&#169;", "&copy", "AT&T;", "#tag", "- x", "*em*", "_u_", "a_b", "`c`", "\\", "<b>",
               "<http://x.org>", "a|b", "~~~", "--", "==", ">", "[", "]", "[x](y)", "[[t1| lab *x* ]]", "[[odd]]",
               "[[bad-url]]", "[[amp]]", "[[[t1]]]", "\u00a0", "\u2003", "\u2028", "\x02", "\x85", "٣."]
SAFE_PREFIXES = ["", "", "", "", "- ", "- ", "## ", "# ", "###### "]
RISKY_PREFIXES = ["####### ", " ", "    ", "1. ", "> ", "\t", "* ", "+ ", "[[t1]] ", "-", "#"]
SAFE_LINE = st.tuples(st.sampled_from(SAFE_PREFIXES), st.lists(st.sampled_from(SAFE_WORDS), min_size=1,
                                                               max_size=6).map(" ".join)).map("".join)
PROSE = st.lists(SAFE_LINE | st.just(""), max_size=14).map("\n".join)
"""Documents mostly of the shapes the fast path takes (it still declines some: a list after a list)."""

WORDS = st.sampled_from(SAFE_WORDS + RISKY_WORDS)
LINE = st.lists(WORDS, min_size=1, max_size=6).map(" ".join)
PREFIX = st.sampled_from(SAFE_PREFIXES + RISKY_PREFIXES)
SUFFIX = st.sampled_from(["", "", "", " ", "  ", " ##", "\u00a0", "#"])
DOC_LINE = st.tuples(PREFIX, LINE, SUFFIX).map("".join) | st.sampled_from(["", "", "---", "===", "- - -", "   ",
                                                                              "|a|b|", "```", "\r"])
DOCS = st.lists(DOC_LINE, max_size=12).map("\n".join)
"""Documents with the characters and line starts that make text more than text, mixed in."""


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(PROSE | DOCS)
@example("## Summary\n\nWords [[t1]] and more.\n\n- one\n- two\n\nAfter the list.")
@example("- a\n\n- b")
@example("- a\n\n## H\n\n- b")
@example("Para\n- x")
@example("A & B > C, [[missing|M & N]].")
@example("## \u00a0 care")  # (Python-Markdown strips a heading's Unicode white space)
def test_quick_block_writes_what_python_markdown_writes(text):
    quick = quick_block(text, resolve)
    if quick is not None:
        assert quick == stock(text)


@pytest.mark.parametrize("text", [
    "", "One paragraph.", "## Summary\n\nWords [[t1]] and [[missing]].\n\n- one [[p-2]]\n- two\n\nAfter.",
    "Lines\nof one paragraph.\n\n\n\nAnd another, A & B > C.", "[[t1|Label]] starts it.",
    "2020 was a year.\n\n“Quoted” start.", "# Title\n\n###### Small",
])
def test_quick_block_takes_plain_prose(text):
    assert quick_block(text, resolve) == stock(text)


@pytest.mark.parametrize("text", [
    "*em*", "a `code`", "1. one", "> quote", "Para\n- x", "- a\n\n- b", "    code", "a  \nb", "&amp;",
    "[[odd]]", "[[bad-url]]", "[[amp]]", "<b>x</b>", "a | b", "## H\npara", "Heading\n=====", "x\ty",
    "[link](http://x.org)", "#tag", "---",
])
def test_quick_block_declines_other_markdown(text):
    assert quick_block(text, resolve) is None


def _bodies(site: Path) -> tuple[list[tuple[str, str]], Renderer]:
    corpus = load_corpus(site, Report())
    assert corpus is not None
    return [(e.id, e.body) for e in corpus.all()], Renderer(corpus, "/", nav_items(corpus))


@pytest.fixture(scope="module")
def synthetic_base(tmp_path_factory) -> Path:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import synth
    finally:
        sys.path.pop(0)
    base = tmp_path_factory.mktemp("synth") / "base"
    synth.write(120, base)
    return base


@pytest.mark.parametrize("site", ["content", "tests/sites/hostile", "synthetic"])
def test_quick_block_equals_python_markdown_on_site_bodies(site, synthetic_base):
    bodies, renderer = _bodies(synthetic_base if site == "synthetic" else ROOT / site)
    for raw in (False, True):
        slow = MarkdownRenderer(renderer._resolve, raw, quick_inline=False)
        fast = MarkdownRenderer(renderer._resolve, raw, quick_inline=True)
        taken = 0
        for entity_id, body in bodies:
            assert fast.block(body) == slow.block(body), entity_id
            taken += quick_block(body, renderer._resolve) is not None
        if site != "tests/sites/hostile":  # prose bases: most bodies take the fast path
            assert taken >= len(bodies) // 2, (site, taken, len(bodies))
