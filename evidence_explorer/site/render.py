"""Jinja2 environment (autoescape, StrictUndefined) and the helpers templates use.

A :class:`Renderer` is made per build from the corpus; it renders
:class:`~evidence_explorer.views.PageSpec` values to HTML strings.
"""
from __future__ import annotations

import copy
import json
import os
import types
from pathlib import Path
from typing import Any, Callable, Mapping, Protocol, Sequence

import jinja2
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup, escape

from .. import __version__
from ..content import urls
from ..content.appraisal import Appraisal, appraisal_of
from ..content.status_words import words_of
from ..content.citation import full_citation, short_cite
from ..content.files import write_file
from ..content.evidence import EXAMINED_LABELS, evidence_of, rating
from ..content.glossary import BY_KEY as GLOSSARY_TERMS, find_terms, term as glossary_term
from ..content.link import Corpus
from ..content.model import Cmoc, Entity, Paper
from .markup import MarkdownRenderer, Resolver, is_safe_url
from .search_index import search_record
from .views import PageSpec

PACKAGE_DIR = Path(__file__).parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"


class Environment(jinja2.Environment):
    """Compiled code that depends on the template source alone, never on this build's values.

    Jinja folds a filter or test with constant arguments at compile time (``{{ 'search/'|href }}``
    becomes the string the filter returned then). Our filters depend on the build (base URL, titles,
    the raw-HTML setting), and compiled templates are cached between builds (cache.py) and, under
    ``serve``, between rebuilds: so here no filter or test is ever folded (the code generator sees
    stand-ins that refuse to run, which Jinja takes as "not a constant"); the call happens at render
    time."""

    def _generate(self, source: Any, name: str | None, filename: str | None, defer_init: bool = False) -> str:
        proxy = copy.copy(self)
        proxy.filters = {k: _unfoldable(f) for k, f in self.filters.items()}
        proxy.tests = {k: _unfoldable(f) for k, f in self.tests.items()}
        return jinja2.compiler.generate(source, proxy, name, filename, defer_init=defer_init,
                                        optimized=self.optimized)


def _unfoldable(func: Any) -> Any:
    def stand_in(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("not evaluated at compile time")
    if hasattr(func, "jinja_pass_arg"):  # the same calling convention in the generated code
        stand_in.jinja_pass_arg = func.jinja_pass_arg  # type: ignore[attr-defined]
    return stand_in


try:  # MarkupSafe's C escape of a str (its ``escape`` wraps it in two Python calls)
    from markupsafe import _escape_inner
except ImportError:  # another MarkupSafe: its own escape, as it is
    _escape_inner = None

_new_str = str.__new__


def quick_escape(value: Any) -> Markup:
    """:func:`markupsafe.escape`, for the two types templates output most without its Python frames:
    a ``str`` escaped by the same C function, a ``Markup`` as it is (escape would copy it)."""
    cls = value.__class__
    if cls is str:
        return _new_str(Markup, _escape_inner(value))  # type: ignore[misc]
    if cls is Markup:
        return value
    return escape(value)


def escape_text(value: Any) -> str:
    """``str(markupsafe.escape(value))``; a ``str`` goes straight to the C function ``escape`` calls
    (no ``Markup`` made and unwrapped: the page metadata escapes some 550,000 values a build)."""
    if value.__class__ is str and _escape_inner is not None:
        return _escape_inner(value)
    return str(escape(value))


class QuickTemplate(jinja2.Template):
    """A template whose autoescaped output (``{{ value }}``: the ``escape`` the compiled code names)
    goes through :func:`quick_escape`: 693,000 calls for 2,500 pages at N = 2,000, about 7 % of the
    render's CPU. A fast path: the same characters as MarkupSafe's (``tests/test_plain.py``
    compares with plain builds, which use MarkupSafe's)."""

    @classmethod
    def _from_namespace(cls, environment: jinja2.Environment, namespace: dict, globals: Any) -> jinja2.Template:
        namespace["escape"] = quick_escape
        return super()._from_namespace(environment, namespace, globals)  # type: ignore[misc]


class QuickContext(jinja2.runtime.Context):
    """A template context that makes the set of its template's global names only when something
    reads it (``{% import %}`` does; a page, an include or a fragment does not). Jinja's own context
    makes it on creation, iterating the template's ChainMap of some forty globals: 150,000 times a
    build at N = 5,000 (every include makes a context), about 2 % of the render. And calls that
    skip Jinja's checks for callables that cannot ask for a context (:meth:`call`). A fast path:
    the same names when read, the same results (``tests/test_render_fast.py``)."""

    def __init__(self, environment: jinja2.Environment, parent: dict[str, Any], name: str | None,
                 blocks: dict[str, Any], globals: Any = None):
        super().__init__(environment, parent, name, blocks)  # (no globals: it sets an empty set)
        self._global_names: Any = globals
        self._global_keys: set[str] | None = None

    @property
    def globals_keys(self) -> set[str]:  # type: ignore[override]
        if self._global_keys is None:
            names = self._global_names
            self._global_keys = set() if names is None else set(names)
        return self._global_keys

    @globals_keys.setter
    def globals_keys(self, value: set[str]) -> None:
        self._global_keys = value if value else None  # (Jinja's __init__ sets an empty set first)

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (Jinja's names)
        """:meth:`jinja2.runtime.Context.call` (a template calling a global: ``fragment(…)``,
        ``x.items()``; 365,000 calls a build), without its look-ups of ``jinja_pass_arg`` on the
        callable and its ``__call__`` when the callable is a plain function, a method of one or a
        built-in, none of which carries it (``pass_context`` and its kin set it in the function's
        ``__dict__``); anything else goes through Jinja's own."""
        cls = __obj.__class__
        if cls is _MethodType:
            func = __obj.__func__
            plain = func.__class__ is _FunctionType and "jinja_pass_arg" not in func.__dict__
        elif cls is _FunctionType:
            plain = "jinja_pass_arg" not in __obj.__dict__
        else:
            plain = cls is _BuiltinType
        if not plain:
            return super().call(__obj, *args, **kwargs)
        if kwargs:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined("value was undefined because a callable raised a"
                                                " StopIteration exception")


_FunctionType, _MethodType, _BuiltinType = types.FunctionType, types.MethodType, types.BuiltinMethodType


def make_environment(reload: bool = False, quick: bool = True) -> jinja2.Environment:
    """The templates' environment. ``reload``: look at each template file's time again on every
    use (``serve``, which keeps one environment for the session while templates may be edited; a
    build's templates do not change while it runs, and those checks were 17 ``stat`` calls per page,
    about 6 % of the render). ``quick``: :class:`QuickTemplate` and :class:`QuickContext` (fast
    paths). The compiled templates are kept in a plain dict (``cache_size=-1``: some fifty
    templates), not Jinja's LRU cache, which takes a lock and reorders on each of the 170,000
    look-ups (includes) of a build."""
    env = Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True,
                      undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True, auto_reload=reload, cache_size=-1)
    if quick:
        env.context_class = QuickContext
    if quick and _escape_inner is not None:
        env.template_class = QuickTemplate
    env.filters["tojson_attr"] = lambda v: json.dumps(v, ensure_ascii=False)
    env.filters["slash_breaks"] = slash_breaks
    return env


def slash_breaks(text: str) -> Markup:
    """``text`` escaped, with a line-break opportunity (``<wbr>``) after each slash: a narrow table
    cell breaks "evidence/opinion/commentary" at its slashes, not inside its words. The text is the
    same (``<wbr>`` has none)."""
    return Markup(str(escape(text)).replace("/", "/<wbr>"))


class BodyCache(Protocol):
    """Rendered Markdown kept between builds, passed in by the caller (``speed.cache.MarkdownCache``)."""

    def block(self, text: str, convert: Callable[[str], Markup], resolve: Resolver) -> Markup: ...

    def keep(self, text: str, convert: Callable[[str], Markup], resolve: Resolver) -> int: ...


class LookupRecorder(Protocol):
    """Collects the ids looked up while a page renders (``serve``'s ``dev.dependencies.RecordingCorpus``)."""

    seen: set[str]


class Renderer:
    """Per-build rendering context; holds no state across builds."""

    def __init__(self, corpus: Corpus, base_url: str, nav: tuple[dict, ...],
                 updated: Mapping[str, str] | None = None, markdown_cache: BodyCache | None = None,
                 quick_inline: bool = True, recorder: LookupRecorder | None = None):
        """``updated``: content-relative path → date of its last commit (gitinfo.py);
        ``markdown_cache``: body HTML from earlier builds (an accelerator: speed/cache.py);
        ``quick_inline``: the render's fast paths: Markdown's inline shortcuts (site/markup.py) and
        :func:`quick_escape` (False: the stock processor and MarkupSafe's escape);
        ``recorder``: where the ids looked up while rendering are noted (serve passes the corpus wrapper
        it renders through)."""
        self.corpus, self.base_url, self.nav = corpus, base_url, nav
        self.markdown_cache = markdown_cache
        self.env = make_environment(quick=quick_inline)
        self._md = MarkdownRenderer(self._resolve, corpus.config.allow_raw_html, quick_inline)
        self._cite_cache: dict[str, str] = {}
        self._fragments: dict[tuple, tuple[Any, Markup, frozenset[str]]] = {}
        self._appraisals: dict[int, tuple[Cmoc, Appraisal | None, frozenset[str]]] = {}
        self._links: dict[int, tuple[Entity, Markup]] = {}
        self._recorder = recorder
        self._templates: dict[str, jinja2.Template] = {}
        self.env.globals.update(
            site=corpus.config, corpus=corpus, nav=nav, base_url=base_url, version=__version__,
            href=self.href, link=self.link, body=self.body, inline=self._md.inline, cite=self.cite,
            citation=full_citation, safe_url=is_safe_url, facet_label=self.facet_label,
            facet_values=facet_values, search_record=search_record, updated=updated or {},
            fragment=self.fragment, cite_link=self.cite_link, search_meta=self.search_meta,
            term=self.term, gloss=self.gloss, glossary_term=glossary_term,
            paper_meta=self.paper_meta, examined_labels=EXAMINED_LABELS,
            evidence=lambda e: evidence_of(self.corpus, e), rating=lambda c: rating(corpus.config, c),
            appraisal=self.appraisal, status_words=words_of,
            hidden_extra=frozenset(k for k, v in corpus.config.extra_labels.items() if v is None))
        # The same helpers as filters (``{{ p|cite_link }}``): Jinja calls a filter directly, but a
        # global through ``Context.call`` (~1 µs of checks per call, dozens of calls per page).
        self.env.filters.update(
            href=self.href, link=self.link, cite=self.cite, cite_link=self.cite_link, inline=self._md.inline,
            gloss=self.gloss,
            facet_label=lambda value, facet_key: self.facet_label(facet_key, value))

    # --- helpers exposed to templates -------------------------------------------------
    def href(self, url: str) -> str:
        return urls.href(self.base_url, url)

    def _resolve(self, entity_id: str) -> tuple[str, str] | None:
        e = self.corpus.find(entity_id)
        return (self.href(e.page_url), self._title(e)) if e else None

    def _title(self, e: Entity) -> str:
        """:func:`title_of`, with the paper's short citation made once per build."""
        return f"{self.cite(e)} {e.title}" if isinstance(e, Paper) else title_of(e)

    def link(self, entity: Entity | str, label: str | None = None) -> Markup:
        e = self.corpus.get(entity) if isinstance(entity, str) else entity
        if label is None:  # the common case, many times per entity in a build: made once
            hit = self._links.get(id(e))
            if hit is not None:
                return hit[1]
        text = label or self._title(e)
        # same output as Markup('<a href="{}">{}</a>').format(...), without string.Formatter (hot path)
        html = Markup(f'<a href="{escape(self.href(e.page_url))}">{escape(text)}</a>')
        if label is None:
            self._links[id(e)] = (e, html)  # the entry keeps ``e`` alive, so its id is not reused
        return html

    def term(self, key: str, text: str | None = None) -> Markup:
        """``text`` (default: the term's name) linked to the term's definition on the glossary page
        (content/glossary.py); an unknown key is a template error, raised at once."""
        t = GLOSSARY_TERMS[key]
        return Markup(f'<a class="term" href="{escape(self.href(t.url))}">{escape(text or t.name)}</a>')

    def gloss(self, text: str) -> Markup:
        """``text`` (a label) with the first naming of each glossary term in it linked to the term's
        definition: 'Programme theory component' links 'Programme theory'."""
        out, at, seen = [], 0, set()
        for start, end, t in find_terms(text):
            if t.key not in seen:
                seen.add(t.key)
                out += [escape(text[at:start]), self.term(t.key, text[start:end])]
                at = end
        out.append(escape(text[at:]))
        return Markup("".join(out))

    def cite_link(self, paper: Paper) -> Markup:
        """``<a href="…paper page">Short cite (year)</a>``, made once per paper and build."""
        hit = self._links.get(~id(paper))
        if hit is None:
            html = Markup(f'<a href="{escape(self.href(paper.page_url))}">{escape(self.cite(paper))}</a>')
            hit = self._links[~id(paper)] = (paper, html)
        return hit[1]

    def fragment(self, name: str, **values: Any) -> Markup:
        """The template ``name`` rendered with ``values`` (and the globals), once per build for
        the same values: strings and numbers by value, anything else (entities, sources) by
        identity (the cache entry keeps them alive). A page listing an entity many other pages
        list too reuses its fragment instead of re-running the template. Values must not change
        during the build (entities and their parts are frozen), and only fragments shown on many
        pages are worth it: every cached fragment stays in memory until the render ends.

        With a ``recorder`` (``serve``), the ids a fragment looked up are noted again on every page
        that reuses it, so each page's recorded dependencies stay complete."""
        key = (name, *[(k, _identity(v)) for k, v in values.items()])
        return self._remembered(self._fragments, key, values, lambda: self._render_fragment(name, values))

    def appraisal(self, cmoc: Cmoc) -> Appraisal | None:
        """:func:`appraisal_of` ``cmoc``, once per build (a CMOC's appraisal is shown on its page, in
        its theories' lists, the what-works tables and the review packets)."""
        return self._remembered(self._appraisals, id(cmoc), cmoc, lambda: appraisal_of(self.corpus, cmoc))

    def _remembered(self, memo: dict, key: Any, keep: Any, compute: Callable[[], Any]) -> Any:
        """``compute()``, kept in ``memo`` under ``key`` for the rest of the build (``keep``: what the
        key names by identity, kept alive with the entry). With a ``recorder`` (``serve``), the ids
        the computation looked up are noted again on every page that reuses it."""
        hit = memo.get(key)
        recorder = self._recorder
        recording = recorder.seen if recorder is not None else None
        if hit is None:
            if recorder is None:
                value, looked = compute(), frozenset()
            else:
                recorder.seen = set()
                try:
                    value = compute()
                finally:
                    looked = frozenset(recorder.seen)
                    recorder.seen = recording
            hit = memo[key] = (keep, value, looked)
        if recording is not None and hit[2]:
            recording.update(hit[2])
        return hit[1]

    def cite(self, paper: Paper) -> str:
        key = paper.id.lower()
        if key not in self._cite_cache:  # per build: a paper is cited on many pages
            self._cite_cache[key] = short_cite(paper.authors, paper.year)
        return self._cite_cache[key]

    def body(self, entity: Entity) -> Markup:
        """The entity's Markdown body as HTML. Not kept: each body is shown once, on its entity's
        page (keeping them all held ~10 MB per 5,000 papers until the end of the render)."""
        cache = self.markdown_cache
        return cache.block(entity.body, self._md.block, self._resolve) if cache else self._md.block(entity.body)

    def keep_body(self, entity: Entity) -> int:
        """Convert ``entity``'s body into the Markdown cache's memory, as :meth:`body` would convert
        it, for the renderers forked after this one (``speed/prefill.py``); the HTML's length, 0
        without a cache or a body."""
        cache = self.markdown_cache
        if cache is None or not entity.body:
            return 0
        return cache.keep(entity.body, self._md.block, self._resolve)

    def _render_fragment(self, name: str, values: dict[str, Any]) -> Markup:
        """What ``{% include name %}`` with ``values`` would output (without ``Template.render``'s
        per-call overhead: most fragments are small)."""
        template = self._templates.get(name)
        if template is None or template.environment is not self.env:  # serve swaps ``env`` in
            template = self._templates[name] = self.env.get_template(name)
        return Markup(self._run(template, values))

    def _run(self, template: jinja2.Template, values: Mapping[str, Any]) -> str:
        """``template.render(**values)``, minus its cost of copying the globals out of a ChainMap
        on every call (``shared=True``: the context is exactly the dict given)."""
        context = template.new_context({**self.env.globals, **values}, shared=True)
        try:
            return "".join(template.root_render_func(context))
        except Exception:
            self.env.handle_exception()  # re-raises with the template's lines in the traceback

    # Machine-readable metadata of a page (for Pagefind, reference managers): plain loops over
    # data, written here rather than in templates because every entity page carries 20–40 values
    # and a Jinja loop costs several times as much per value (escaping is the same markupsafe call).
    def search_meta(self, entity: Entity) -> Markup:
        """Pagefind filters, metadata and sort keys of ``entity``'s page (see search.py), hidden
        and kept out of the indexed text. Element content (not attribute values) carries each
        value, so commas and colons survive."""
        record = search_record(self.corpus, entity)
        out = ['<div class="search-record" data-pagefind-ignore hidden>\n']
        for attr, pairs in (("filter", record.filters), ("meta", record.meta), ("sort", record.sorts)):
            out += [f'<span data-pagefind-{attr}="{escape_text(k)}">{escape_text(v)}</span>\n' for k, v in pairs]
        out.append("</div>\n")
        return Markup("".join(out))

    def paper_meta(self, paper: Paper, ref_meta: Mapping[str, Any]) -> Markup:
        """A paper page's reference-manager metadata: Highwire ``citation_*`` tags (Zotero's
        connector, Google Scholar) and schema.org JSON-LD, dumped as Jinja's ``|tojson`` does
        (``<``, ``>``, ``&`` and ``'`` escaped, so no value can end the script)."""
        out = [f'<meta name="{escape_text(name)}" content="{escape_text(content)}">\n'
               for name, content in ref_meta["highwire"]]
        policies = self.env.policies
        jsonld = htmlsafe_json_dumps({**ref_meta["jsonld"], "url": self.href(paper.page_url)},
                                     dumps=policies["json.dumps_function"], **policies["json.dumps_kwargs"])
        out.append(f'<script type="application/ld+json">{jsonld}</script>\n'
                   f'<script src="{escape(self.href("static/cite.js"))}" defer></script>\n')
        return Markup("".join(out))

    def facet_label(self, facet_key: str, value: str) -> str:
        facet = self.corpus.config.facets.get(facet_key)
        return facet.label_of(value) if facet else value

    # --- rendering ------------------------------------------------------------------------
    def render(self, page: PageSpec) -> str:
        template = self.env.get_template(page.template)
        return self._run(template, {"page": page, **page.context})


def fragment_templates(tree: jinja2.nodes.Template) -> set[str | None]:
    """Templates that a parsed template renders through ``fragment("name", …)`` (besides its
    includes, which ``jinja2.meta.find_referenced_templates`` finds); None for a name computed
    at run time, which may be any template."""
    found: set[str | None] = set()
    for call in tree.find_all(jinja2.nodes.Call):
        if isinstance(call.node, jinja2.nodes.Name) and call.node.name == "fragment":
            first = call.args[0] if call.args else None
            found.add(first.value if isinstance(first, jinja2.nodes.Const) and isinstance(first.value, str)
                      else None)
    return found


def _identity(value: Any) -> Any:
    """Cache key of a fragment value: plain values by type and value, tuples item by item,
    anything else by identity."""
    if value is None or isinstance(value, (str, int, float)):
        return type(value), value
    if isinstance(value, tuple):
        return tuple(_identity(v) for v in value)
    return id(value)


def title_of(e: Entity) -> str:
    if isinstance(e, Paper):
        return f"{short_cite(e.authors, e.year)} {e.title}"
    if e.kind == "theory":
        return e.display_label  # "R1: …" reads well; "mrt-cas: …" does not (model.is_code)
    return e.display_title


def facet_values(entity: Entity, facet_key: str) -> tuple[str, ...]:
    """Values of a facet on an entity, whether stored as a built-in field or a facet key."""
    if facet_key in entity.facets:
        return entity.facets[facet_key]
    value: Any = getattr(entity, facet_key, None)
    if value is None:
        return ()
    return tuple(value) if isinstance(value, tuple) else (value,)


def write_pages(pages: Sequence[PageSpec], renderer: Renderer, staging: Path) -> list[str]:
    """Render ``pages`` into ``staging``, one after the other; the output paths written, in order."""
    written = []
    made: set[str] = set()
    root = os.fspath(staging)
    for page in pages:
        rel = urls.output_path(page.url)
        folder, _, _name = rel.rpartition("/")
        if folder not in made:
            (staging / folder).mkdir(parents=True, exist_ok=True)
            made.add(folder)
        write_file(f"{root}/{rel}", renderer.render(page).encode("utf-8"))
        written.append(rel)
    return written
