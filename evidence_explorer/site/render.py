"""Rendering pages: the :class:`Renderer` (one per build) and the helpers templates use.

A :class:`Renderer` is made per build from the corpus; it renders
:class:`~evidence_explorer.views.PageSpec` values to HTML strings.
"""
from __future__ import annotations

import os
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
from .environment import escape_text, make_environment
from .markup import MarkdownRenderer, Resolver, is_safe_url
from .search_index import search_record
from .views import PageSpec

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
        ``environment.quick_escape`` (False: the stock processor and MarkupSafe's escape);
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
        self._meta_starts: dict[tuple[str, str], str] = {}
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
        starts = self._meta_starts
        for attr, pairs in (("filter", record.filters), ("meta", record.meta), ("sort", record.sorts)):
            for k, v in pairs:
                start = starts.get((attr, k))
                if start is None:  # (a few dozen keys: filter groups, facets, meta and sort names)
                    start = starts[attr, k] = f'<span data-pagefind-{attr}="{escape_text(k)}">'
                out.append(f"{start}{escape_text(v)}</span>\n")
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


def write_pages(pages: Sequence[PageSpec], renderer: Renderer, staging: Path, made: set[str] | None = None
                ) -> list[str]:
    """Render ``pages`` into ``staging``, one after the other; the output paths written, in order.
    ``made``: the folders made already (added to), when the pages come in several calls."""
    written = []
    made = set() if made is None else made
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
