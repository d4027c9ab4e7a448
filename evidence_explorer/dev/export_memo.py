"""``serve``'s exports in proportion to a text edit: each entity's fragment of each export kept.

Every export but the feed, sitemap and charts is a layout (``exports.layout``): fixed text and one
fragment per entity (a CSV row, a JSON record, a BibTeX entry, a CMOC's rows of the review sheet).
:class:`ExportMemo` keeps each fragment, as UTF-8 bytes, by the identity of its entity, and computes
it again only for entities it has not seen: after an edit, the objects the edit replaced. A fragment
reads its own entity, the corpus's relations and ids, other entities' titles and the settings,
so the memo holds only while every edit since it was filled kept those: ``incremental.advance``
carries it over an edit that re-linked in proportion and changed only text fields
(``delta.NEUTRAL``), and starts an empty one after any other. ``build --page-cache`` keeps it in its
snapshot (filled by the snapshot's background writer), so a build after a text edit joins its
exports the same way. The files equal a full build's (``tests/test_incremental_random.py``,
``tests/test_export_memo.py``, ``tests/test_differential.py``).
"""
from __future__ import annotations

import threading
from typing import Any, Callable

from ..content.link import Corpus
from ..exports.layout import Layout, Run
from ..pipeline import corpus_layouts, feed_files, page_files
from ..site.views import PageSpec
from ..site.views.memo import Memo
from .delta import neutral


class ExportMemo:
    """Fragments of the exports' runs: run name → id(entity) → (entity, UTF-8 fragment)."""

    def __init__(self) -> None:
        self._runs: dict[str, dict[int, tuple[Any, bytes]]] = {}
        self._lock = threading.Lock()
        self.computed = 0
        """Fragments computed so far (tests read it)."""

    def __reduce__(self) -> tuple:
        """Pickled (``build``'s snapshot) as each run's (entity, fragment) pairs: the keys are object
        identities, made again from the unpickled entities (:meth:`__setstate__`)."""
        return (ExportMemo, (), {name: tuple(kept.values()) for name, kept in self._runs.items()})

    def __setstate__(self, state: dict[str, tuple[tuple[Any, bytes], ...]]) -> None:
        self.__init__()  # type: ignore[misc]
        if isinstance(state, dict):
            self._runs = {str(name): {id(e): (e, bytes(b)) for e, b in pairs} for name, pairs in state.items()}

    def __len__(self) -> int:
        """Fragments kept (0: nothing to join from yet)."""
        return sum(map(len, self._runs.values()))

    def join(self, layout: Layout, pause: Callable[[], Any] | None = None) -> bytes:
        """The file ``layout`` describes, as UTF-8 bytes, from the kept fragments where there are.
        ``pause`` is called every few fragments (``serve``'s refresh waits there while a build runs)."""
        with self._lock:
            return b"".join(self._run(part, pause) if isinstance(part, Run) else part.encode("utf-8")
                            for part in layout)

    def _run(self, run: Run, pause: Callable[[], Any] | None) -> bytes:
        kept = self._runs.get(run.name, {})
        hits, fresh = [], 0
        for k, item in enumerate(run.items):
            if pause is not None and not k % 64:
                pause()
            hit = kept.get(id(item))
            if hit is None or hit[0] is not item:
                hit = (item, run.piece(item).encode("utf-8"))
                fresh += 1
            hits.append(hit)
        self.computed += fresh
        if fresh or len(kept) != len(hits):  # forget the objects no longer in the corpus
            self._runs[run.name] = {id(h[0]): h for h in hits}
        return run.sep.encode("utf-8").join(h[1] for h in hits)


def extra_files(corpus: Corpus, pages: tuple[PageSpec, ...], base_url: str, memo: Memo,
                exports: ExportMemo, pause: Callable[[], Any] | None = None) -> dict[str, str | bytes]:
    """:func:`~evidence_explorer.pipeline.extra_files` (the same files, in the same order) with the
    exports joined from ``exports``' fragments (``pause`` as for :meth:`ExportMemo.join`)."""
    files: dict[str, str | bytes] = {rel: exports.join(layout, pause)
                                     for rel, layout in corpus_layouts(corpus, base_url, memo).items()}
    files.update(feed_files(corpus, base_url))
    files.update(page_files(pages, base_url))
    return files


def unchanged_others(pairs: list[tuple[Any, Any]], relinked: bool) -> bool:
    """Whether an edit leaves every fragment but those of the edited entities as it was: it
    re-linked in proportion and changed only text fields."""
    return relinked and all(neutral(old, new) for old, new in pairs)

