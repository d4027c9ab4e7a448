"""The pages stage: every page of the site as :class:`~.views.PageSpec` values, family by family."""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from ..content.link import Corpus
from .views import (PageSpec, advisory, changes, cmoc, home, maps, matrix, paper, question, search, theory,
                    whatworks)
from .views.memo import Memo

if TYPE_CHECKING:
    from ..content.integrity import Finding


def collect_pages(corpus: Corpus, memo: Memo | None = None,
                  findings: tuple[Finding, ...] | None = None, own_pages: bool = True,
                  leave_out: tuple = ()) -> Iterator[PageSpec]:
    """Every page of the site. ``memo`` carries per-entity values (row weights) over from the
    previous serve rebuild (see :mod:`.views.memo`); without one a fresh memo is used. ``findings``: the
    corpus's integrity findings when the caller computed them already (else computed here).
    ``own_pages=False`` leaves out the CMOCs' and papers' own pages (most of the site: ``serve``
    recomputes those of the entities an edit can reach, the rest of the site in full); ``leave_out``:
    page families (modules of :mod:`.views`) whose pages it keeps as they were."""
    memo = Memo() if memo is None else memo
    with_memo = (theory, matrix, cmoc, paper, question, whatworks)
    for family in (home, theory, maps, matrix, cmoc, whatworks, paper, question, search, advisory, changes):
        if family in leave_out:
            continue
        if not own_pages and family is cmoc:
            yield from cmoc.index_pages(corpus, memo)
        elif not own_pages and family is paper:
            yield from paper.list_pages(corpus, memo)
        elif family is advisory:
            yield from advisory.pages(corpus, memo, findings)
        else:
            yield from family.pages(corpus, memo) if family in with_memo else family.pages(corpus)
