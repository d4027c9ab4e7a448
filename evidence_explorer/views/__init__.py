"""Page families: each module turns the corpus into :class:`PageSpec` values.

A view only gathers what its page shows (the entity and its neighbours, via
the corpus's backlink indexes); templates only format. No view loops over
every entity of the site for each of its pages.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterator, Mapping

from ..link import Corpus

if TYPE_CHECKING:
    from ..integrity import Finding
    from .memo import Memo


@dataclass(frozen=True)
class PageSpec:
    url: str
    """Site URL of the page (``papers/x/``); the output path derives from it."""
    template: str
    title: str
    context: Mapping[str, Any] = field(default_factory=dict)
    section: str = ""
    """Navigation section this page belongs to (highlights the nav item)."""
    sources: tuple[str, ...] = ()
    """Ids of the entities whose content this page shows (for incremental rebuilds)."""
    entity: Any = None
    """The entity this page is about, if any (search metadata and edit links read it)."""


def nav_items(corpus: Corpus) -> tuple[dict, ...]:
    """The header navigation, computed once per build."""
    items = [{"url": "", "label": "Home", "section": "home"},
             {"url": "theories/", "label": "Theories", "section": "theories"}]
    if corpus.maps:
        items.append({"url": "maps/", "label": "Evidence maps", "section": "maps"})
    if corpus.config.matrices:
        items.append({"url": "matrix/", "label": "Gap matrices", "section": "matrix"})
    items += [{"url": "cmocs/", "label": "CMOCs", "section": "cmocs"},
              {"url": "papers/", "label": "Papers", "section": "papers"}]
    if corpus.questions:
        items.append({"url": "questions/", "label": "Questions", "section": "questions"})
    if corpus.reviews:
        items.append({"url": "reviews/", "label": "Reviews", "section": "reviews"})
    if len(corpus.pages) == 1:
        items.append({"url": corpus.pages[0].page_url, "label": corpus.pages[0].title, "section": "pages"})
    elif corpus.pages:
        items.append({"url": "pages/", "label": "About", "section": "pages"})
    items.append({"url": "review/", "label": "Advisory review", "section": "review"})
    if corpus.history is not None:
        items.append({"url": "changes/", "label": "Changes", "section": "changes"})
    items.append({"url": "data/", "label": "Data", "section": "data"})
    return tuple(items)


def collect_pages(corpus: Corpus, memo: "Memo | None" = None,
                  findings: "tuple[Finding, ...] | None" = None) -> Iterator[PageSpec]:
    """Every page of the site. ``memo`` carries per-entity values (row weights) over from the
    previous serve rebuild (see :mod:`.memo`); without one a fresh memo is used. ``findings``: the
    corpus's integrity findings when the caller computed them already (else computed here)."""
    from . import changes, cmoc, home, maps, matrix, paper, question, review, search, theory
    from .memo import Memo
    memo = Memo() if memo is None else memo
    with_memo = (theory, matrix, cmoc, paper, question)
    for family in (home, theory, maps, matrix, cmoc, paper, question, search, review, changes):
        if family is review:
            yield from review.pages(corpus, memo, findings)
        else:
            yield from family.pages(corpus, memo) if family in with_memo else family.pages(corpus)
