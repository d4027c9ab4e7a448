"""``/changes/``: what changed in the evidence base, in plain words, grouped by date, newest first
(from the content's git history: ``content/changelog.py``), in pages (``changes/``,
``changes/page/2/`` …) that each stay within the page budget; a day with many changes (the first
import of an evidence base) continues over pages. Without a history (no git, not a repository, no
commit yet) the page says so. The Atom feed of the same changes is ``site/feed.py``."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Iterator

from ...content.changelog import Changelog, EntityChange
from ...content.link import Corpus
from ..render import title_of
from . import PageSpec
from .change_words import KIND_WORDS, Words
from .pagination import paginate, text_bytes

DAY_MARKUP = 260
"""Bytes of a day's heading and its section besides the date."""
CHANGE_MARKUP = 120
"""Bytes of one change's line besides its names and words (badge, kind, link markup)."""
FEED_URL = "changes/feed.xml"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
BADGES = {"added": "New", "changed": "Changed", "removed": "Removed"}


@dataclass(frozen=True)
class ChangeRow:
    """One changed entity on one day: a row of the paginated list."""

    day: str
    """``YYYY-MM-DD`` of the commit (its author's date)."""
    change: EntityChange
    entity: Any
    """The entity as it is now; None when the change removed it (or it is gone since)."""
    name: str
    """Its name where it is not linked."""
    words: tuple[str, ...]
    """What changed, in plain words ("status changed from proposed to agreed")."""
    first: bool
    """The day's first row (its heading goes before it)."""

    @property
    def kind(self) -> str:
        return KIND_WORDS.get(self.change.kind, self.change.kind)

    @property
    def badge(self) -> str:
        return BADGES[self.change.action]


@dataclass(frozen=True)
class DayPart:
    """A day's rows on one page."""

    day: str
    label: str
    rows: tuple[ChangeRow, ...]
    continued: bool
    """The day's list began on an earlier page."""
    continues: bool
    """The day's list goes on on the next page."""


def day_label(day: str) -> str:
    """``2024-02-01`` → ``1 February 2024`` (the same in every locale)."""
    d = date.fromisoformat(day)
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def change_rows(corpus: Corpus, history: Changelog) -> list[ChangeRow]:
    """Every change of the history, newest day first, worded."""
    words = Words(corpus, history)
    by_rel = {e.rel: e for e in corpus.all()}  # once per build: a changed file → its current entity
    rows: list[ChangeRow] = []
    for commit in history.commits:
        day = commit.date[:10]
        for ch in commit.changes:
            entity = by_rel.get(ch.rel) if ch.action != "removed" else None
            name = words.title(ch) if entity is None else ""  # a past version is read only when needed
            rows.append(ChangeRow(day, ch, entity, name, words.phrases(ch),
                                  not rows or rows[-1].day != day))
    return rows


def _weight(row: ChangeRow) -> int:
    e = row.entity
    words = text_bytes(*row.words) + 2 * len(row.words) if row.change.action == "changed" else 0
    return (DAY_MARKUP if row.first else 0) + CHANGE_MARKUP + text_bytes(row.kind) + words + (
        len(e.page_url) + text_bytes(title_of(e)) if e is not None else text_bytes(row.name))


def _parts(chunk: tuple[ChangeRow, ...], continues: bool) -> tuple[DayPart, ...]:
    out: list[DayPart] = []
    for k, row in enumerate(chunk):
        if k == 0 or chunk[k - 1].day != row.day:
            out.append(DayPart(row.day, day_label(row.day), (), not row.first, False))
        last = out[-1]
        out[-1] = DayPart(last.day, last.label, last.rows + (row,), last.continued, False)
    if out and continues:
        last = out[-1]
        out[-1] = DayPart(last.day, last.label, last.rows, last.continued, True)
    return tuple(out)


def paged_rows(corpus: Corpus, history: Changelog):
    """The rows split into pages: ((rows, pager), …)."""
    return paginate(change_rows(corpus, history), "changes/", _weight)


def pages(corpus: Corpus) -> Iterator[PageSpec]:
    history = corpus.history
    if history is None:  # not a build (``check``)
        return
    common = {"unavailable": history.unavailable, "shallow": history.shallow, "truncated": history.truncated,
              "feed_url": FEED_URL if history.commits else None}
    if not history.commits:
        yield PageSpec("changes/", "changes.html", "Changes", {**common, "days": (), "pager": None,
                                                                 "oldest": None}, section="changes")
        return
    chunks = paged_rows(corpus, history)
    oldest = day_label(history.commits[-1].date[:10])
    for n, (chunk, pager) in enumerate(chunks):
        continues = n + 1 < len(chunks) and not chunks[n + 1][0][0].first
        yield PageSpec(pager.url, "changes.html", pager.title("Changes"), {
            **common, "days": _parts(chunk, continues), "pager": pager, "oldest": oldest,
        }, section="changes")
