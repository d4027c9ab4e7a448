"""An export file as a layout: fixed text and runs of per-item fragments, in file order.

A :class:`Run` is one fragment per item (a CSV row, a JSON record, a BibTeX entry), joined by its
separator; the text of one item's fragment depends on that item, the corpus's relations and ids,
the site's settings and the base URL, never on another item's text fields. The cold build joins
the fragments at once (:func:`text_of`); ``serve`` keeps each item's fragment and computes it again
only for the items an edit replaced (``dev.export_memo``), so rewriting an export after a text edit
costs the join and the write, not the whole corpus.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Sequence


@dataclass(frozen=True)
class Run:
    """``sep.join(piece(item) for item in items)``; ``name`` tells the runs of a site apart."""

    name: str
    items: Sequence[Any]
    piece: Callable[[Any], str]
    sep: str = ""


Layout = tuple  # of str and Run, in file order


def segments(layout: Layout) -> Iterator[str]:
    """The texts of ``layout`` in order (fragments and separators one by one)."""
    for part in layout:
        if isinstance(part, Run):
            for k, item in enumerate(part.items):
                if k and part.sep:
                    yield part.sep
                yield part.piece(item)
        else:
            yield part


def text_of(layout: Layout) -> str:
    return "".join(segments(layout))


class CsvLines:
    """CSV text of some rows, as ``csv.writer(lineterminator="\\r\\n")`` writes them into a file (one
    writer reused: a row at a time, for the fragments of a :class:`Run`)."""

    def __init__(self) -> None:
        self._buf = io.StringIO()
        self._writer = csv.writer(self._buf, lineterminator="\r\n")

    def __call__(self, rows: Iterable[Iterable[Any]]) -> str:
        self._buf.seek(0)
        self._buf.truncate()
        self._writer.writerows(rows)
        return self._buf.getvalue()
