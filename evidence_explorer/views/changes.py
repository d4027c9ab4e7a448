"""``/changes/``: the content's git history, per commit the entities added, changed or removed."""
from __future__ import annotations

from typing import Iterator

from ..link import Corpus
from . import PageSpec


def pages(corpus: Corpus) -> Iterator[PageSpec]:
    history = corpus.history
    if history is None:
        return
    by_rel = {e.rel: e for e in corpus.all()}  # once per build: a changed file → its current entity
    commits = []
    for commit in history.commits:
        items = []
        for ch in commit.changes:
            entity = by_rel.get(ch.rel) if ch.action != "removed" else None
            items.append((ch, entity))
        commits.append((commit, items))
    yield PageSpec("changes/", "changes.html", "Changes", {"commits": commits}, section="changes")
