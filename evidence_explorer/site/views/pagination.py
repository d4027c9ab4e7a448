"""Splitting long collection lists into numbered pages that each stay within the page-weight budget.

DESIGN §6 allows a page 60 KB of HTML+CSS. A list page spends about 16 KB on the stylesheet and the
site chrome, so the rows of one page may take :data:`ROW_BYTES`; each list says what a row weighs
(its escaped text plus the markup around it) and :func:`paginate` starts a new page when the next
row would not fit, or after :data:`MAX_ROWS` rows. Page 1 keeps the list's own URL (``papers/``),
later pages are ``papers/page/2/`` …, so links to a list never break and no entity URL (one segment
below a collection) can collide with a page of it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence, TypeVar

from markupsafe import escape

T = TypeVar("T")

ROW_BYTES = 38_000
"""Bytes of rows one page may hold: 60 KB less the stylesheets (~15 KB minified, with the what-works
page's own) and the page around the list (~5 KB), with room for a longer site title and navigation
(``tests/test_budget.py`` measures every page of a synthetic base against the budget)."""
MAX_ROWS = 250
"""Most rows on one page, however short they are (long pages are slow to scan and to sort)."""
WINDOW = 2
"""Pages linked on either side of the current one; the first and last are always linked."""


INLINE_PAPERS = 30
"""A theory page lists up to this many papers itself; longer lists get their own pages
(``theories/ID/papers/``), linked from the theory page."""


def theory_papers_url(theory_url: str, n_papers: int) -> str | None:
    """Site URL of a theory's own paper list, or None when its page lists the papers inline."""
    return f"{theory_url}papers/" if n_papers > INLINE_PAPERS else None


def text_bytes(*values: object) -> int:
    """Bytes the values take once HTML-escaped (UTF-8): the same as ``len(escape(v).encode())``
    for plain strings, counting what escaping adds (``&amp;`` ``&lt;`` ``&gt;`` ``&#34;`` ``&#39;``)
    instead of building the escaped copy (most of the time of paginating long lists)."""
    n = 0
    for v in values:
        if v is None:
            continue
        if type(v) is not str:  # Markup, numbers, anything with __html__: escape() knows best
            n += len(str(escape(v)).encode("utf-8"))
            continue
        n += len(v.encode("utf-8"))
        if "&" in v or "<" in v or ">" in v or '"' in v or "'" in v:
            n += 4 * v.count("&") + 3 * v.count("<") + 3 * v.count(">") + 4 * v.count('"') + 4 * v.count("'")
    return n


def page_url(base: str, number: int) -> str:
    """Site URL of page ``number`` of the list at ``base`` (``papers/`` → ``papers/page/2/``)."""
    return base if number == 1 else f"{base}page/{number}/"


@dataclass(frozen=True, slots=True)
class Pager:
    """Where one page sits in its list: what the pagination nav and the page's title need."""

    base: str
    """Site URL of the list (its first page)."""
    number: int
    count: int
    """Number of pages of the list."""
    first: int
    """1-based position of the page's first row in the whole list."""
    last: int
    total: int
    """Rows in the whole list."""

    @property
    def url(self) -> str:
        return page_url(self.base, self.number)

    @property
    def paged(self) -> bool:
        return self.count > 1

    @property
    def prev_url(self) -> str | None:
        return page_url(self.base, self.number - 1) if self.number > 1 else None

    @property
    def next_url(self) -> str | None:
        return page_url(self.base, self.number + 1) if self.number < self.count else None

    @property
    def links(self) -> tuple[tuple[int, str] | None, ...]:
        """(number, URL) of the pages the nav links, ``None`` where a run of pages is left out."""
        shown = sorted({1, self.count} | set(range(max(1, self.number - WINDOW),
                                                    min(self.count, self.number + WINDOW) + 1)))
        out: list[tuple[int, str] | None] = []
        for n in shown:
            if out and out[-1] is not None and n - out[-1][0] > 1:  # type: ignore[index]
                out.append(None)
            out.append((n, page_url(self.base, n)))
        return tuple(out)

    def title(self, title: str) -> str:
        """The page title, numbered when the list has several pages."""
        return f"{title} (page {self.number} of {self.count})" if self.paged else title


def paginate(items: Sequence[T], base: str, weight: Callable[[T], int], row_bytes: int = ROW_BYTES,
             max_rows: int = MAX_ROWS) -> tuple[tuple[tuple[T, ...], Pager], ...]:
    """Split ``items`` into pages of at most ``max_rows`` rows and ``row_bytes`` estimated bytes (a
    single heavier row still gets a page of its own). An empty list is one empty page."""
    chunks: list[list[T]] = [[]]
    used = 0
    for item in items:
        w = weight(item)
        if chunks[-1] and (len(chunks[-1]) >= max_rows or used + w > row_bytes):
            chunks.append([])
            used = 0
        chunks[-1].append(item)
        used += w
    out, first = [], 1
    for number, chunk in enumerate(chunks, 1):
        out.append((tuple(chunk), Pager(base, number, len(chunks), first, first + len(chunk) - 1, len(items))))
        first += len(chunk)
    return tuple(out)
