"""Jinja2 environment (autoescape, StrictUndefined) and the helpers templates use.

A :class:`Renderer` is made per build from the corpus; it renders
:class:`~evidence_explorer.views.PageSpec` values to HTML strings.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

import jinja2
from markupsafe import Markup, escape

from . import __version__, urls
from .cache import MarkdownCache
from .citation import full_citation, short_cite
from .link import Corpus
from .markup import MarkdownRenderer, is_safe_url
from .model import Entity, Paper
from .search import search_record
from .views import PageSpec

PACKAGE_DIR = Path(__file__).parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STATIC_DIR = PACKAGE_DIR / "static"


def make_environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    env.filters["tojson_attr"] = lambda v: json.dumps(v, ensure_ascii=False)
    return env


class Renderer:
    """Per-build rendering context; holds no state across builds."""

    def __init__(self, corpus: Corpus, base_url: str, nav: tuple[dict, ...],
                 updated: Mapping[str, str] | None = None, markdown_cache: MarkdownCache | None = None):
        """``updated``: content-relative path → date of its last commit (gitinfo.py);
        ``markdown_cache``: body HTML from earlier builds (cache.py)."""
        self.corpus, self.base_url, self.nav = corpus, base_url, nav
        self.markdown_cache = markdown_cache
        self.env = make_environment()
        self._md = MarkdownRenderer(self._resolve, corpus.config.allow_raw_html)
        self._body_cache: dict[str, Markup] = {}
        self._cite_cache: dict[str, str] = {}
        self.env.globals.update(
            site=corpus.config, corpus=corpus, nav=nav, base_url=base_url, version=__version__,
            href=self.href, link=self.link, body=self.body, inline=self._md.inline, cite=self.cite,
            citation=full_citation, safe_url=is_safe_url, facet_label=self.facet_label,
            facet_values=facet_values, search_record=search_record, updated=updated or {})

    # --- helpers exposed to templates -------------------------------------------------
    def href(self, url: str) -> str:
        return urls.href(self.base_url, url)

    def _resolve(self, entity_id: str) -> tuple[str, str] | None:
        e = self.corpus.find(entity_id)
        return (self.href(e.page_url), title_of(e)) if e else None

    def link(self, entity: Entity | str, label: str | None = None) -> Markup:
        e = self.corpus.get(entity) if isinstance(entity, str) else entity
        text = label or title_of(e)
        # same output as Markup('<a href="{}">{}</a>').format(...), without string.Formatter (hot path)
        return Markup(f'<a href="{escape(self.href(e.page_url))}">{escape(text)}</a>')

    def cite(self, paper: Paper) -> str:
        key = paper.id.lower()
        if key not in self._cite_cache:  # per build: a paper is cited on many pages
            self._cite_cache[key] = short_cite(paper.authors, paper.year)
        return self._cite_cache[key]

    def body(self, entity: Entity) -> Markup:
        key = entity.id.lower()
        if key not in self._body_cache:
            cache = self.markdown_cache
            self._body_cache[key] = (cache.block(entity.body, self._md.block, self._resolve) if cache
                                     else self._md.block(entity.body))
        return self._body_cache[key]

    def facet_label(self, facet_key: str, value: str) -> str:
        facet = self.corpus.config.facets.get(facet_key)
        return facet.label_of(value) if facet else value

    # --- rendering ------------------------------------------------------------------------
    def render(self, page: PageSpec) -> str:
        template = self.env.get_template(page.template)
        return template.render(page=page, **page.context)


def title_of(e: Entity) -> str:
    if isinstance(e, Paper):
        return f"{short_cite(e.authors, e.year)} {e.title}"
    if e.kind == "theory" and e.display_title != e.id and len(e.id) <= SHORT_ID:
        return f"{e.id}: {e.display_title}"  # "R1: …" reads well; "mrt-cas: …" does not
    return e.display_title


SHORT_ID = 6
"""Theory ids up to this length (R1, M5, Q1R4) prefix their title in links."""


def facet_values(entity: Entity, facet_key: str) -> tuple[str, ...]:
    """Values of a facet on an entity, whether stored as a built-in field or a facet key."""
    if facet_key in entity.facets:
        return entity.facets[facet_key]
    value: Any = getattr(entity, facet_key, None)
    if value is None:
        return ()
    return tuple(value) if isinstance(value, tuple) else (value,)
