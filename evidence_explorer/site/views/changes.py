"""``/changes/``: the content's git history, per commit the entities added, changed or removed; newest
first, in pages (``changes/``, ``changes/page/2/`` …) that each stay within the page budget. A commit
that touched many files (the first import of an evidence base) continues over pages."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from ...content.changelog import Commit, EntityChange
from ...content.link import Corpus
from ..render import title_of
from . import PageSpec
from .pagination import paginate, text_bytes

COMMIT_MARKUP = 330
"""Bytes of a commit's heading and date/author/sha line besides their text."""
CHANGE_MARKUP = 110
"""Bytes of one changed-entity line besides the id, URL and title (badge, kind, tags)."""


@dataclass(frozen=True)
class ChangeRow:
    """One changed entity of one commit: a row of the paginated list."""

    commit: Commit
    change: EntityChange
    entity: Any
    """The entity as it is now; None when the commit removed it (or it is gone)."""
    first: bool
    """The commit's first row (its heading goes before it)."""


@dataclass(frozen=True)
class CommitPart:
    """A commit's rows on one page."""

    commit: Commit
    items: tuple[tuple[EntityChange, Any], ...]
    continued: bool
    """The commit's list began on an earlier page."""
    continues: bool
    """The commit's list goes on on the next page."""


def _weight(row: ChangeRow) -> int:
    c, e = row.commit, row.entity
    head = COMMIT_MARKUP + text_bytes(c.subject, c.author) if row.first else 0
    return head + CHANGE_MARKUP + text_bytes(row.change.id, row.change.kind) + (
        len(e.page_url) + text_bytes(title_of(e)) if e is not None else 0)


def _parts(chunk: tuple[ChangeRow, ...], continues: bool) -> tuple[CommitPart, ...]:
    out: list[CommitPart] = []
    for k, row in enumerate(chunk):
        if k == 0 or chunk[k - 1].commit is not row.commit:
            out.append(CommitPart(row.commit, (), not row.first, False))
        last = out[-1]
        out[-1] = CommitPart(last.commit, last.items + ((row.change, row.entity),), last.continued, False)
    if out and continues:
        out[-1] = CommitPart(out[-1].commit, out[-1].items, out[-1].continued, True)
    return tuple(out)


def pages(corpus: Corpus) -> Iterator[PageSpec]:
    history = corpus.history
    if history is None:
        return
    by_rel = {e.rel: e for e in corpus.all()}  # once per build: a changed file → its current entity
    rows = [ChangeRow(commit, ch, by_rel.get(ch.rel) if ch.action != "removed" else None, k == 0)
            for commit in history.commits for k, ch in enumerate(commit.changes)]
    chunks = paginate(rows, "changes/", _weight)
    for n, (chunk, pager) in enumerate(chunks):
        continues = n + 1 < len(chunks) and not chunks[n + 1][0][0].first
        yield PageSpec(pager.url, "changes.html", pager.title("Changes"), {
            "commits": _parts(chunk, continues), "pager": pager,
            "n_commits": len(history.commits),
        }, section="changes")
