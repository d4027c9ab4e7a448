"""Rendering shortcuts give the same output as the slow paths they replace.

- ``markup._QuickInline`` (skips inline patterns that cannot match) against Python-Markdown's
  stock inline processor, on tricky snippets and on every body and short field of the demo and
  hostile sites;
- ``Renderer.fragment`` renders a fragment once per build for the same values, gives the same
  HTML as rendering the template directly, and replays the ids a fragment looked up on every page
  that reuses it (serve's dependency recording);
- ``link``/``cite_link`` made once per entity equal freshly made links;
- serve's template closure sees the templates pages render through ``fragment``.
"""
from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from evidence_explorer.dev.dependencies import RecordingCorpus, template_closure
from evidence_explorer.content.diagnostics import Report
from evidence_explorer.site.markup import MarkdownRenderer
from evidence_explorer.pipeline import load_corpus
from evidence_explorer.site.render import Renderer, title_of
from evidence_explorer.site.pages import collect_pages
from evidence_explorer.site.views import nav_items

ROOT = Path(__file__).resolve().parents[1]

SNIPPETS = [
    "plain words only", "a `code span` and ``double `tick` span``", "escaped \\`not code\\` and \\\\`code`",
    "*em* **strong** ***both*** _u_ __uu__ ___uuu___ snake_case_word 2 * 3 * 4", "un*closed and `unclosed",
    "[link](http://x.org 'title') ![img](a.png) [ref][r] [r]\n\n[r]: http://r.org", "<http://auto.link> <a@b.org>",
    "line  \nbreak", "&amp; &#169; &copy; & < > \"", "<b>raw</b> <script>alert(1)</script>",
    "[[demo-id]] [[missing-id|label]] [[ spaced ]] [not [[nested]] link](x)", "[x](javascript:alert(1)) [y](java&#x09;script:z)",
    "| a | b |\n|---|---|\n| `c` | *d* |", "```\nfenced `code` *not em*\n```", "1. one\n2. `two`\n\n- a\n- b *c*",
    "> quote with `code` and [[demo-id]]", "`` ` `` and ``` `` ```", "\\\\\\`", "`a`b`c`", "**`x`** _`y`_ [`z`](q)",
    "a  \nb", "x &amp y &#1; z", "<span>raw</span> <x@y.org>", "no special characters, just prose",
    "under_score and star*", "tab\tand\\backslash", "![alt][img] ![[x]]", "<!-- comment --> <?pi?>",
]


def _renderers(raw: bool = False):
    resolve = {"demo-id": ("/t/demo-id/", "Demo"), "spaced": ("/s/", "Spaced")}.get
    return MarkdownRenderer(resolve, raw, quick_inline=True), MarkdownRenderer(resolve, raw, quick_inline=False)


@pytest.mark.parametrize("raw", [False, True])
@pytest.mark.parametrize("text", SNIPPETS)
def test_quick_inline_equals_stock_on_snippets(text, raw):
    quick, stock = _renderers(raw)
    assert quick.block(text) == stock.block(text)
    assert quick.inline(text) == stock.inline(text)


@pytest.mark.parametrize("site", [ROOT / "content", ROOT / "tests" / "sites" / "hostile"])
def test_quick_inline_equals_stock_on_site_content(site):
    corpus = load_corpus(site, Report())
    assert corpus is not None
    resolve = Renderer(corpus, "/", nav_items(corpus))._resolve
    for raw in (False, True):
        quick, stock = MarkdownRenderer(resolve, raw, True), MarkdownRenderer(resolve, raw, False)
        n = 0
        for e in corpus.all():
            assert quick.block(e.body) == stock.block(e.body), e.id
            for field in ("context", "mechanism", "resource", "reasoning", "outcome"):
                value = getattr(e, field, None)
                if value:
                    assert quick.inline(value) == stock.inline(value), (e.id, field)
            n += 1
        assert n > 5


@pytest.fixture(scope="module")
def demo_corpus():
    corpus = load_corpus(ROOT / "content", Report())
    assert corpus is not None
    return corpus


def _with_templates(renderer: Renderer, templates: dict[str, str]) -> None:
    renderer.env.loader = jinja2.ChoiceLoader([jinja2.DictLoader(templates), renderer.env.loader])


def test_fragment_renders_once_per_value_and_equals_the_template(demo_corpus):
    renderer = Renderer(demo_corpus, "/sub/", nav_items(demo_corpus))
    calls = []
    renderer.env.globals["count"] = lambda: calls.append(1) or ""
    _with_templates(renderer, {"t.html": "{{ count() }}<b>{{ c.id }}</b> {{ n }}"})
    c1, c2 = demo_corpus.cmocs[:2]
    a = renderer.fragment("t.html", c=c1, n=1)
    assert renderer.fragment("t.html", c=c1, n=1) is a and len(calls) == 1
    assert renderer.fragment("t.html", c=c1, n="1") == a and len(calls) == 2  # 1 and "1": different keys
    assert renderer.fragment("t.html", c=c2, n=1) != a and len(calls) == 3
    assert a == renderer.env.get_template("t.html").render(c=c1, n=1)
    for cmoc in demo_corpus.cmocs:
        direct = renderer.env.get_template("partials/cmoc_short.html").render(c=cmoc)
        assert renderer.fragment("partials/cmoc_short.html", c=cmoc) == direct


def test_fragment_replays_recorded_lookups_on_reuse(demo_corpus):
    recorder = RecordingCorpus(demo_corpus)
    renderer = Renderer(recorder, "/", nav_items(demo_corpus), recorder=recorder)  # type: ignore[arg-type]
    paper = demo_corpus.papers[0]
    _with_templates(renderer, {"looks.html": "{{ link(pid) }}"})
    first = recorder.begin()
    first.add("page-one")
    renderer.fragment("looks.html", pid=paper.id)
    assert first == {"page-one", paper.id.lower()}  # recorded into the page's own set
    second = recorder.begin()
    renderer.fragment("looks.html", pid=paper.id)  # reused: the lookup is noted again
    assert second == {paper.id.lower()}
    assert recorder.seen is second


def test_appraisal_once_per_build_equals_a_fresh_one_and_replays_its_lookups(tmp_path):
    from evidence_explorer.content.appraisal import appraisal_of
    import sys
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import synth  # (its papers record relevance and rigour; the demo's do not)
    finally:
        sys.path.pop(0)
    corpus = load_corpus(synth.write(40, tmp_path / "base"), Report())
    assert corpus is not None
    recorder = RecordingCorpus(corpus)
    renderer = Renderer(recorder, "/", nav_items(corpus), recorder=recorder)  # type: ignore[arg-type]
    appraised = [c for c in corpus.cmocs if appraisal_of(corpus, c) is not None]
    assert appraised
    for cmoc in corpus.cmocs:
        assert renderer.appraisal(cmoc) == appraisal_of(corpus, cmoc), cmoc.id
    cmoc = appraised[0]
    sources = {s.paper.lower() for s in cmoc.sources}
    first = recorder.begin()
    assert renderer.appraisal(cmoc) is renderer.appraisal(cmoc)  # kept, not computed again
    second = recorder.begin()
    renderer.appraisal(cmoc)  # reused on another page: its source papers are noted again
    assert sources <= first and sources <= second


def test_cached_links_equal_fresh_ones(demo_corpus):
    renderer = Renderer(demo_corpus, "/sub/", nav_items(demo_corpus))
    for e in demo_corpus.all():
        expected = f'<a href="{jinja2.utils.markupsafe.escape("/sub/" + e.page_url)}">' \
                   f'{jinja2.utils.markupsafe.escape(title_of(e))}</a>'
        assert renderer.link(e) == expected and renderer.link(e) == expected
        assert renderer.link(e.id) == expected
        assert renderer.link(e, "Other <label>") == \
            f'<a href="{jinja2.utils.markupsafe.escape("/sub/" + e.page_url)}">Other &lt;label&gt;</a>'
    for p in demo_corpus.papers:
        expected = f'<a href="{jinja2.utils.markupsafe.escape("/sub/" + p.page_url)}">' \
                   f'{jinja2.utils.markupsafe.escape(renderer.cite(p))}</a>'
        assert renderer.cite_link(p) == expected and renderer.cite_link(p) == expected


def test_template_closure_follows_fragments(demo_corpus):
    templates = {p.template for p in collect_pages(demo_corpus)}
    closure = template_closure(templates)
    for name in templates:
        assert "partials/header.html" in closure[name], name


# The templates search_meta and paper_meta replaced: the reference for their output.
OLD_SEARCH_META = """{% set record = search_record(corpus, e) %}
<div class="search-record" data-pagefind-ignore hidden>
{% for key, value in record.filters %}<span data-pagefind-filter="{{ key }}">{{ value }}</span>
{% endfor %}
{% for key, value in record.meta %}<span data-pagefind-meta="{{ key }}">{{ value }}</span>
{% endfor %}
{% for key, value in record.sorts %}<span data-pagefind-sort="{{ key }}">{{ value }}</span>
{% endfor %}
</div>
"""
OLD_PAPER_META = """{% for name, content in ref_meta.highwire %}
<meta name="{{ name }}" content="{{ content }}">
{% endfor %}
<script type="application/ld+json">{{ dict(ref_meta.jsonld, url=href(e.page_url)) | tojson }}</script>
<script src="{{ href('static/cite.js') }}" defer></script>
"""


@pytest.mark.parametrize("site", [ROOT / "content", ROOT / "tests" / "sites" / "hostile"])
def test_page_metadata_equals_the_templates_it_replaced(site):
    from evidence_explorer.exports.references import reference_meta
    corpus = load_corpus(site, Report())
    assert corpus is not None
    renderer = Renderer(corpus, "/sub dir/", nav_items(corpus))
    _with_templates(renderer, {"old_search.html": OLD_SEARCH_META, "old_paper.html": OLD_PAPER_META})
    search_t, paper_t = renderer.env.get_template("old_search.html"), renderer.env.get_template("old_paper.html")
    for e in corpus.all():
        assert renderer.search_meta(e) == search_t.render(e=e), e.id
    for p in corpus.papers:
        meta = reference_meta(p)
        html = renderer.paper_meta(p, meta)
        assert html == paper_t.render(e=p, ref_meta=meta), p.id
        assert html.count("</script>") == 2


@pytest.mark.parametrize("raw", [False, True])
def test_quick_inline_knows_every_registered_pattern(raw):
    """The text-level shortcut is on for the patterns we register (a Python-Markdown upgrade that
    changes an expression turns it off: slower, never wrong; this test says so)."""
    renderer = MarkdownRenderer(lambda _id: None, raw)
    for md in (renderer._md, renderer._inline):
        md.convert("x")
        needs = md.treeprocessors["inline"]._needs
        assert needs is not None and set(needs) <= {"`", "\\", "[", "<", "  \n", "&", "*", "_"}


def test_quick_escape_equals_markupsafes_escape():
    """The templates' quick escape (a fast path) gives MarkupSafe's result, type included, for every
    kind of value a template outputs."""
    from markupsafe import Markup, escape
    from evidence_explorer.site.environment import escape_text, quick_escape

    class Html:
        def __html__(self):
            return "<b>safe</b>"

    class Sub(str):
        pass

    values = ["", "plain", "<a href=\"x\">'&'</a>", "ünïcode — ‘quotes’ \u2028", Markup("<i>kept</i>"), 3, 2.5,
              None, True, Html(), Sub("<sub>"), ("<t>",)]
    for value in values:
        quick, stock = quick_escape(value), escape(value)
        assert (type(quick), quick) == (type(stock), stock), value
        assert escape_text(value) == str(stock) and type(escape_text(value)) is str, value


def test_quick_context_reads_the_same_global_names_as_jinjas(demo_corpus):
    from evidence_explorer.site.environment import QuickContext
    quick = Renderer(demo_corpus, "/", nav_items(demo_corpus))
    stock = Renderer(demo_corpus, "/", nav_items(demo_corpus), quick_inline=False)
    assert quick.env.context_class is QuickContext and stock.env.context_class is jinja2.runtime.Context
    for name in ("base.html", "partials/header.html"):
        made = [r.env.get_template(name).new_context({"page": None}) for r in (quick, stock)]
        assert made[0].globals_keys == made[1].globals_keys and "link" in made[0].globals_keys
    # an {% import %} reads them: a module's exported names come out the same
    source = "{% import 'lib.html' as lib %}{{ lib.shout('x') }}|{{ lib.n }}"
    lib = "{% macro shout(s) %}{{ s|upper }}!{% endmacro %}{% set n = 3 %}"
    outputs = []
    for r in (quick, stock):
        r.env.loader = jinja2.ChoiceLoader([jinja2.DictLoader({"lib.html": lib}), r.env.loader])
        outputs.append(r.env.from_string(source).render())
    assert outputs[0] == outputs[1] == "X!|3"


def test_quick_context_calls_as_jinja_does():
    from evidence_explorer.site.environment import make_environment

    def stop():
        raise StopIteration

    class Shout:
        @jinja2.pass_context
        def __call__(self, context, s):
            return f"{s}:{context['who']}"

    names = {
        "plain": lambda a, b=2: a + b, "method": {"k": "v"}.get, "builtin": len, "stop": stop, "shout": Shout(),
        "ctx": jinja2.pass_context(lambda c, x: f"{c['who']}{x}"),
        "evalctx": jinja2.pass_eval_context(lambda e, x: f"{e.autoescape}{x}"),
        "env": jinja2.pass_environment(lambda e, x: f"{e.trim_blocks}{x}"),
    }
    source = ("{{ plain(1) }} {{ plain(1, b=5) }} {{ method('k') }} {{ builtin('abc') }} {{ shout('hey') }} "
              "{{ ctx(1) }} {{ evalctx(2) }} {{ env(3) }} {{ stop() is defined }} "
              "{% for i in [1] %}{{ ctx(i) }}{% set who = 'inner' %}{{ ctx(i) }}{% endfor %} {{ {'a': 1}.items()|list }}")
    out = [make_environment(quick=q).from_string(source).render(who="me", **names) for q in (True, False)]
    assert out[0] == out[1]
    assert out[0].startswith("3 6 v 3 hey:me me1 True2 True3 False")


JINJA_SHAPES = {
    "base.html": "<title>{% block title %}T{% endblock %}</title>{% block main %}base main{% endblock %}"
                 "{% for i in items %}<i>{{ i }}</i>{% else %}none{% endfor %}{{ self.title() }}",
    "child.html": "{% extends 'base.html' %}{% block title %}{{ super() }}:{{ name }}{% endblock %}"
                  "{% block main %}{% set ns = namespace(n=0) %}{% for i in items %}{% set ns.n = ns.n + i %}"
                  "{% include 'part.html' %}{% include 'imports.html' %}{% endfor %}{{ name }}<b>{{ ns.n }}</b>{% set held %}<em>{{ name }}</em>{% endset %}"
                  "{{ held }}{% filter upper %}up {{ name }}{% endfilter %}{% from 'macros.html' import box %}"
                  "{{ box('x') }}{% call box('y') %}called {{ name }}{% endcall %}"
                  "{% with z = name ~ '!' %}{{ z }}{% endwith %}{% if items %}{{ items|length }}{% endif %}"
                  "{% for row in items|batch(2) %}{{ loop.index }}:{{ loop.cycle('a', 'b') }}{% endfor %}{% endblock %}",
    "part.html": "{#- a comment -#}\n<p>{{ i }} of {{ name }}{% if loop is defined %}{{ loop.index }}{% endif %}</p>\n"
                 "{% set name = 'shadowed' %}{{ name }}{% for k in [i, i] %}{{ k }}{{ loop.index }}{% endfor %}"
                 "{% include 'leaf.html' %}{{ name }}\n",
    "leaf.html": "  {% if i %}<leaf {{ i }} {{ name }}>{% endif %}\n",
    "imports.html": "{% from 'macros.html' import box %}{{ box(i) }}",
    "macros.html": "{% macro box(v) %}[{{ v }}{% if caller is defined %}|{{ caller() }}{% endif %}]{% endmacro %}",
    "dynamic.html": "before {{ name }}{% if parent %}{% extends parent %}{% endif %}after",
    "scoped.html": "{% for i in items %}{% block inner scoped %}<{{ i }}>{% endblock %}{% endfor %}",
}


@pytest.mark.parametrize("name", ["base.html", "child.html", "part.html", "dynamic.html", "scoped.html"])
@pytest.mark.parametrize("parent", [None, "base.html"])
@pytest.mark.parametrize("reload", [False, True])
def test_joined_code_generators_write_what_jinjas_writes(name, parent, reload):
    """``environment.JoinedCodeGenerator`` (root and block functions gather their output and yield it
    once; ``serve``'s reloading environment) and ``InliningCodeGenerator`` (the same, and partials
    compiled into their includers; a build's) give Jinja's text for every construct that writes
    output: inheritance, ``super()`` and ``self``, includes in loops (of partials with a comment,
    ``{% set %}``, a loop, a nested include, a macro import), set, filter and call blocks, macros,
    ``with``, dynamic and conditional ``extends`` with output before it, scoped blocks."""
    from evidence_explorer.site.environment import InliningCodeGenerator, JoinedCodeGenerator, make_environment

    def env(quick: bool) -> jinja2.Environment:
        e = make_environment(reload=reload, quick=quick)
        e.loader = jinja2.DictLoader(JINJA_SHAPES)
        return e

    quick, stock = env(True), env(False)
    assert quick.code_generator_class is (JoinedCodeGenerator if reload else InliningCodeGenerator)
    assert not issubclass(stock.code_generator_class, JoinedCodeGenerator)
    values = {"items": [1, 2, 3], "name": "<n&m>", "parent": parent, "i": 0}
    text = stock.get_template(name).render(values)
    assert quick.get_template(name).render(values) == text
    template = quick.get_template(name)  # and through the renderer's own loop over the root function
    assert "".join(template.root_render_func(template.new_context({**quick.globals, **values}, shared=True))) == text
