"""``serve``'s exports in proportion to a text edit: each entity's fragment of each export kept.

Every export but the feed, sitemap and charts is a layout (``exports.layout``): fixed text and one
fragment per entity (a CSV row, a JSON record, a BibTeX entry, a CMOC's rows of the review sheet).
:class:`ExportMemo` keeps each run as it was last joined (its items, its UTF-8 bytes and where each
item's fragment starts in them) and joins it again by copying each span of items that were
neighbours last time as one slice of those bytes, computing the fragment only of items it has not
seen: after an edit, the objects the edit replaced. A fragment
reads its own entity, the corpus's relations and ids, other entities' titles and the settings,
so the memo holds only while every edit since it was filled kept those: ``incremental.advance``
carries it over an edit that re-linked in proportion and changed only text fields
(``delta.NEUTRAL``) or only CMOCs (:func:`kept_over`), and starts an empty one after any other. ``build --page-cache`` keeps it beside
its snapshot (the runs' bytes in a sealed file of their own, :meth:`ExportMemo.parted`, read back
by the first join that needs them, :meth:`ExportMemo.attach`), so a build after a text edit joins
its exports the same way. The files equal a full build's (``tests/test_incremental_random.py``,
``tests/test_export_memo.py``, ``tests/test_differential.py``).
"""
from __future__ import annotations

import os
import threading
from array import array
from functools import partial
from pathlib import Path
from typing import Any, Callable, Iterable, NamedTuple, Sequence

from ..content.link import Corpus
from ..exports.layout import Layout, Run
from ..pipeline import corpus_layouts, feed_files, page_files
from ..content.files import mapped_file, write_parts
from ..site.publish import write_files
from ..site.views import PageSpec
from ..site.views.memo import Memo
from ..speed import seal
from .delta import neutral


class Placed(NamedTuple):
    """Where a memo's runs are in its fragments file: the file's nonce, and per run name its item
    count, fragment offsets (as bytes), separator and (offset, length) in the file."""

    nonce: bytes
    runs: dict[str, tuple[int, bytes, bytes, tuple[int, int]]]


NONCE = 16
"""Bytes of the random tag a memo and its fragments file share (``parted``)."""
_OFFSETS = "q"


class _Kept:
    """One run as it was last joined: its items, its bytes (``sep.join`` of their fragments) and where
    each fragment starts in them; ``data`` None until the snapshot's fragments file is read."""

    __slots__ = ("items", "starts", "sep", "data", "span")

    def __init__(self, items: tuple, starts: Sequence[int], sep: bytes, data: bytes | memoryview | None,
                 span: tuple[int, int] = (0, 0)) -> None:
        self.items, self.starts, self.sep, self.data, self.span = items, starts, sep, data, span

    def end(self, j: int) -> int:
        """Where fragment ``j`` ends in ``data`` (the next one's start less the separator)."""
        assert self.data is not None
        return self.starts[j + 1] - len(self.sep) if j + 1 < len(self.items) else len(self.data)


class Planned(NamedTuple):
    """An export's file planned (:meth:`ExportMemo.planned`): its size, and the call that writes it."""

    size: int
    write: Callable[[], None]


class ExportMemo:
    """The exports' runs as last joined: run name → :class:`_Kept` (items, bytes, fragment offsets)."""

    def __init__(self) -> None:
        self._runs: dict[str, _Kept] = {}
        self._lock = threading.Lock()
        self._source: Callable[[], bytes | memoryview | None] | None = None
        self.nonce = b""
        self.computed = 0
        """Fragments computed so far (tests read it)."""

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (``build``'s snapshot) without the runs' bytes: :meth:`parted` gives them, for a file
        of their own, and :meth:`attach` reads that file back when a join first needs it."""
        runs = {name: (k.items, array(_OFFSETS, k.starts).tobytes(), k.sep, k.span) for name, k in self._runs.items()}
        return {"runs": runs, "nonce": self.nonce}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]
        if not isinstance(state, dict) or not isinstance(state.get("runs"), dict):
            return
        self.nonce = bytes(state.get("nonce", b""))
        for name, (items, starts, sep, span) in state["runs"].items():
            offsets = array(_OFFSETS)
            offsets.frombytes(starts)
            if len(offsets) == len(items):
                self._runs[str(name)] = _Kept(tuple(items), offsets, bytes(sep), None, (int(span[0]), int(span[1])))

    def parted(self) -> tuple["ExportMemo", list[bytes | memoryview] | None]:
        """A copy of this memo to pickle (a fresh ``nonce``, each run's place in the fragments file) and
        that file's parts: the nonce, then each run's bytes. Runs whose bytes are not at hand are left out.
        A memo still as its attached file holds it (nothing joined since :meth:`attach`) gives that
        file's nonce and places, and None: the file is written already."""
        with self._lock:
            if self._source is not None and len(self.nonce) == NONCE:
                copy = ExportMemo()
                copy.nonce = self.nonce
                copy._runs = {name: _Kept(k.items, k.starts, k.sep, None, k.span) for name, k in self._runs.items()}
                return copy, None
        copy, parts, offset = ExportMemo(), [], NONCE
        copy.nonce = os.urandom(NONCE)
        parts.append(copy.nonce)
        with self._lock:
            for name, kept in self._runs.items():
                data = self._data(kept)
                if data is None:
                    continue
                copy._runs[name] = _Kept(kept.items, kept.starts, kept.sep, None, (offset, len(data)))
                parts.append(data)
                offset += len(data)
        return copy, parts

    def placed(self) -> tuple[Placed, list[bytes | memoryview]]:
        """Where :meth:`parted` puts each run in the fragments file, without the runs' items (for the
        parent of the child that joined them: :meth:`restored`), and the file's parts."""
        _copy, parts = self.parted()
        assert parts is not None
        return Placed(_copy.nonce, {name: (len(k.items), array(_OFFSETS, k.starts).tobytes(), k.sep, k.span)
                                    for name, k in _copy._runs.items()}), parts

    @classmethod
    def restored(cls, placed: Placed, layouts: Iterable[Layout], source: Callable[[], bytes | memoryview | None]
                 ) -> "ExportMemo":
        """The memo a child joined and wrote (:meth:`placed`), in this process: each run's items taken
        from ``layouts`` (this process's, of the same corpus: a run whose length differs is left
        out, its fragments computed again), its bytes from ``source`` when first joined."""
        memo = cls()
        memo.nonce = placed.nonce
        for layout in layouts:
            for part in layout:
                found = placed.runs.get(part.name) if isinstance(part, Run) else None
                if found is None or found[0] != len(part.items):
                    continue
                offsets = array(_OFFSETS)
                offsets.frombytes(found[1])
                if len(offsets) == len(part.items):
                    memo._runs[part.name] = _Kept(tuple(part.items), offsets, found[2], None, found[3])
        memo.attach(source)
        return memo

    def attach(self, source: Callable[[], bytes | memoryview | None]) -> None:
        """Where the runs' bytes are (the snapshot's fragments file, read at the first join that needs
        them): ``source()`` gives the file's payload, None when it is missing or not this memo's."""
        self._source = source

    def _data(self, kept: _Kept) -> bytes | memoryview | None:
        if kept.data is None and self._source is not None:
            source, self._source = self._source, None
            payload = source()
            if payload is None or bytes(payload[:NONCE]) != self.nonce or len(self.nonce) != NONCE:
                self._runs.clear()  # not this memo's file: every fragment is computed again
                return None
            view = memoryview(payload)
            for k in self._runs.values():
                if k.span[0] + k.span[1] <= len(view):
                    k.data = view[k.span[0]:k.span[0] + k.span[1]]
            self._runs = {name: k for name, k in self._runs.items() if k.data is not None}
        return kept.data

    def __len__(self) -> int:
        """Fragments kept (0: nothing to join from yet)."""
        return sum(len(k.items) for k in self._runs.values())

    def join(self, layout: Layout, pause: Callable[[], Any] | None = None) -> bytes:
        """The file ``layout`` describes, as UTF-8 bytes, from the kept fragments where there are.
        ``pause`` is called every few fragments (``serve``'s refresh waits there while a build runs).
        The file is joined once, from every run's pieces; each run keeps a view of its span of it
        (joining each run first and then the file copied the exports' 85 MB twice at 5,000 papers)."""
        with self._lock:
            pieces, spans = self._pieces(layout, pause)
            data = b"".join(pieces)
            self._keep(spans, memoryview(data))
            return data

    def write(self, layout: Layout, path: str) -> int:
        """:meth:`join` written to the new file ``path`` (a staging folder's: nothing else writes it)
        without joining it in memory: the pieces are gathered into the file, which is then mapped
        for the runs to keep their views of (``build``'s snapshot path: after an edit, joining the
        exports put 87 MB into fresh memory at 5,000 papers, a page fault per 4 KB, before writing
        them). The file's size."""
        planned = self.planned(layout, path)
        planned.write()
        return planned.size

    def planned(self, layout: Layout, path: str) -> "Planned":
        """:meth:`write` in two steps: the pieces gathered now (the file's size known), the writing
        (system calls, the interpreter lock released) left to :meth:`Planned.write`, which a thread
        can do beside other work (``build``'s snapshot path writes the 73 MB of exports at 5,000
        papers beside the pages). The pieces are slices of the files the runs keep views of, held
        until written; the runs keep views of the new file once it is."""
        with self._lock:
            pieces, spans = self._pieces(layout, None)
        return Planned(sum(memoryview(piece).nbytes for piece in pieces), partial(self._write_planned, path, pieces, spans))

    def _write_planned(self, path: str, pieces: list[bytes | memoryview],
                       spans: list[tuple[Run, int, int, array, bytes]]) -> None:
        size = write_parts(path, pieces)
        pieces.clear()
        with self._lock:
            self._keep(spans, mapped_file(path, size))

    def _pieces(self, layout: Layout, pause: Callable[[], Any] | None
                ) -> tuple[list[bytes | memoryview], list[tuple[Run, int, int, array, bytes]]]:
        """The file's pieces, in order, and where each run's span is in it."""
        pieces: list[bytes | memoryview] = []
        spans: list[tuple[Run, int, int, array, bytes]] = []
        length = 0
        for part in layout:
            if isinstance(part, Run):
                sep = part.sep.encode("utf-8")
                starts, size = self._run(part, sep, pause, pieces)
                spans.append((part, length, length + size, starts, sep))
                length += size
            else:
                text = part.encode("utf-8")
                pieces.append(text)
                length += len(text)
        return pieces, spans

    def _keep(self, spans: list[tuple[Run, int, int, array, bytes]], view: memoryview) -> None:
        for run, begin, end, starts, sep in spans:
            self._runs[run.name] = _Kept(tuple(run.items), starts, sep, view[begin:end])

    def _run(self, run: Run, sep: bytes, pause: Callable[[], Any] | None,  # long: one pass, spans coalesced
             out: list[bytes | memoryview]) -> tuple[array, int]:
        """``run``'s bytes appended to ``out`` as pieces (separators included): each span of items that
        were neighbours in the last join as one slice of its bytes, the other items' fragments
        computed. Where each fragment starts in the run's bytes, and their length."""
        kept = self._runs.get(run.name)
        if kept is not None and (kept.sep != sep or self._data(kept) is None):
            kept = None
        old = kept.items if kept is not None else ()
        where: dict[int, int] | None = None
        parts: list[bytes | memoryview] = []
        starts = array(_OFFSETS)
        length = first = last = 0
        start = -1  # the first old index of the span being copied (-1: none)
        fresh = 0
        for k, item in enumerate(run.items):
            if pause is not None and not k % 64:
                pause()
            if k < len(old) and old[k] is item:
                j = k
            else:
                if where is None:
                    where = {id(x): i for i, x in enumerate(old)}
                j = where.get(id(item), -1)
            if kept is not None and start >= 0 and j == last + 1:
                last = j
                starts.append(first + kept.starts[j] - kept.starts[start])
                continue
            if start >= 0:
                parts.append(kept.data[kept.starts[start]:kept.end(last)])  # type: ignore[union-attr,index]
                length, start = first + kept.end(last) - kept.starts[start], -1  # type: ignore[union-attr]
            first = length + (len(sep) if k else 0)
            starts.append(first)
            if j >= 0:
                start = last = j
            else:
                piece = run.piece(item).encode("utf-8")
                parts.append(piece)
                length = first + len(piece)
                fresh += 1
        if start >= 0:
            parts.append(kept.data[kept.starts[start]:kept.end(last)])  # type: ignore[union-attr,index]
            length = first + kept.end(last) - kept.starts[start]  # type: ignore[union-attr]
        for n, piece in enumerate(parts):  # ``sep.join(parts)``, into the file's pieces
            if n:
                out.append(sep)
            out.append(piece)
        self.computed += fresh
        return starts, length


def extra_files(corpus: Corpus, pages: tuple[PageSpec, ...], base_url: str, memo: Memo,
                exports: ExportMemo, pause: Callable[[], Any] | None = None) -> dict[str, str | bytes]:
    """:func:`~evidence_explorer.pipeline.extra_files` (the same files, in the same order) with the
    exports joined from ``exports``' fragments (``pause`` as for :meth:`ExportMemo.join`)."""
    layouts, others = extra_layouts(corpus, pages, base_url, memo)
    files: dict[str, str | bytes] = {rel: exports.join(layout, pause) for rel, layout in layouts.items()}
    files.update(others)
    return files


def extra_layouts(corpus: Corpus, pages: tuple[PageSpec, ...], base_url: str, memo: Memo
                  ) -> tuple[dict[str, Layout], dict[str, str | bytes]]:
    """:func:`extra_files` before the joins: the exports' layouts, and the other files (the feed, the
    sitemap and the charts), in :func:`extra_files`'s order (``build``'s snapshot path writes each
    export from its pieces: :meth:`ExportMemo.write`)."""
    files = feed_files(corpus, base_url)
    files.update(page_files(pages, base_url))
    return corpus_layouts(corpus, base_url, memo), files


def write_exports(staging: Path, corpus: Corpus, base_url: str, memo: Memo, *, path: Path, purpose: str
                  ) -> tuple[dict[str, int], Placed | None]:
    """``build --page-cache``'s export stage (:data:`~evidence_explorer.pipeline.ExportStage`):
    :func:`~evidence_explorer.pipeline.write_exports`' files, joined through an :class:`ExportMemo`
    whose fragments go into the sealed file ``path`` (``purpose``: its seal's), so the first build
    through the snapshot after this full one joins from them rather than computing every fragment
    (4.2 s at 5,000 papers). Where they are is kept (None when the file could not be written). The
    same bytes in the same order; the joins cost about what the parts cost (3.1-4.0 s against
    3.1-3.6 s of CPU at 5,000 papers), in the child, beside the page specs."""
    exports = ExportMemo()
    sizes: dict[str, int] = {}
    for rel, layout in corpus_layouts(corpus, base_url, memo).items():
        sizes.update(write_files(staging, {rel: exports.join(layout)}))
    sizes.update(write_files(staging, feed_files(corpus, base_url)))
    placed, parts = exports.placed()
    del exports
    try:
        return sizes, placed if seal.write(path, purpose, *parts) else None
    except OSError:
        return sizes, None


def kept_over(pairs: list[tuple[Any, Any]], relinked: bool) -> bool:
    """Whether the memo holds after an edit: every fragment but those of the edited entities is as it
    was. So after a text edit (:func:`unchanged_others`), and after any edit of CMOCs alone that
    re-linked in proportion (their relations, ids, places and the backlinks kept): another entity's
    fragment reads a CMOC only through those (its id in a paper's row, the backlinks), never its
    title, status, direction or text."""
    return unchanged_others(pairs, relinked) or (relinked and all(new.kind == "cmoc" for _old, new in pairs))


def unchanged_others(pairs: list[tuple[Any, Any]], relinked: bool) -> bool:
    """Whether an edit leaves every fragment but those of the edited entities as it was: it
    re-linked in proportion and changed only text fields."""
    return relinked and all(neutral(old, new) for old, new in pairs)

