"""Charts people can reuse: each figure's drawing (SVG) and data (CSV) as files beside its page, and
what a "Cite this" line says of it.

A view puts :class:`Chart` values in its page's context under ``charts``; the exports stage writes
their files (:func:`chart_files`, from the same values, so the files are the figure on the page) and
the page shows the figure with its table, its downloads and its citation (templates/partials/chart.html).
Everything is made at build time from the content and its git history: never the clock.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from ..content.link import Corpus
from ..exports.csvsafe import protect_cells

XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'


@dataclass(frozen=True)
class Chart:
    """A figure of a page, with the data it draws."""

    page_url: str
    """Site URL of the page that shows it; its files go beside the page."""
    name: str
    """File stem of its downloads (``theory-graph`` → ``theory-graph.svg`` and ``.csv``)."""
    title: str
    svg: str
    """The drawing as the page shows it; empty for figures drawn in HTML (CSV only)."""
    csv: str
    stamp: "Stamp"
    """When the evidence base was last changed (the "Cite this" line)."""
    svg_id: str = ""
    """The ``id`` of the drawing's ``<svg>`` on the page (the PNG button draws it)."""

    @property
    def svg_url(self) -> str:
        return f"{self.page_url}{self.name}.svg"

    @property
    def csv_url(self) -> str:
        return f"{self.page_url}{self.name}.csv"

    @property
    def svg_file(self) -> str:
        return XML_HEAD + str(self.svg) + "\n" if self.svg else ""

    @property
    def svg_size(self) -> str:
        return human_size(len(self.svg_file.encode("utf-8")))

    @property
    def csv_size(self) -> str:
        return human_size(len(self.csv.encode("utf-8")))


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A chart's data as CSV, as the other exports write it: UTF-8 with a byte-order mark, CRLF,
    every cell protected against formula injection (exports/csvsafe)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(protect_cells(header))
    writer.writerows(protect_cells(row) for row in rows)
    return "\ufeff" + buf.getvalue()


def chart_files(pages: Iterable[Any]) -> dict[str, str]:
    """Output path → text of every chart's SVG and CSV, for every page spec that has charts."""
    files: dict[str, str] = {}
    for page in pages:
        for chart in page.context.get("charts", ()):
            if chart.svg:
                files[chart.svg_url] = chart.svg_file
            files[chart.csv_url] = chart.csv
    return files


def human_size(n: int) -> str:
    """Bytes as people read them: ``512 bytes``, ``12 kB``, ``1.4 MB`` (SI units, like most file
    managers)."""
    if n < 1000:
        return f"{n} byte{'' if n == 1 else 's'}"
    if n < 1_000_000:
        return f"{n / 1000:.0f} kB" if n >= 10_000 else f"{n / 1000:.1f} kB"
    return f"{n / 1_000_000:.1f} MB"


@dataclass(frozen=True)
class Stamp:
    """When the evidence base was last changed, and at which commit: from git, else from site.yaml."""

    date: str
    """``YYYY-MM-DD``, or empty when neither git nor site.yaml says."""
    commit: str
    """Short commit id, or empty."""


def stamp(corpus: Corpus) -> Stamp:
    """The newest commit that touched the content (its author date and short id); without git
    history, the ``citation: {date}`` of site.yaml. Deterministic: never the clock."""
    history = getattr(corpus, "history", None)
    commits = getattr(history, "commits", ()) if history is not None else ()
    if commits:
        newest = commits[0]
        return Stamp(str(getattr(newest, "date", ""))[:10], str(getattr(newest, "sha", ""))[:7])
    cite = getattr(corpus.config, "citation", None)
    return Stamp(str(getattr(cite, "date", "") or ""), "")


def relative(page_url: str, url: str) -> str:
    """``url`` (a site URL) as a link from ``page_url``'s folder: the same on the page, in the
    downloaded SVG beside it and in the offline copy, whatever the base URL."""
    return "../" * page_url.count("/") + url
