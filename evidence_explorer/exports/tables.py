"""Spreadsheet exports: ``papers.csv`` and ``cmocs.csv``.

One row per record, UTF-8 with a byte-order mark (so Excel reads the accents),
lists joined with ``'; '`` (organisation names keep their commas). Relations
are resolved ids, as in ``evidence.json``.
"""
from __future__ import annotations

import csv
import io
from typing import Any, Iterable

from ..content.citation import full_citation
from .csvsafe import protect_cells
from .layout import CsvLines, Layout, Run
from ..content.link import Corpus

PAPER_COLUMNS = ("id", "title", "authors", "year", "journal", "volume", "issue", "pages", "publisher", "doi",
                 "url", "citekey", "design", "setting", "country", "population", "aim", "results",
                 "status", "review", "questions", "coded_theories", "theories", "cmocs", "maps", "citation",
                 "page")
"""Columns of papers.csv: bibliographic fields first (an import reads them back), then the
author-written fields, then resolved relations and the page address."""

CMOC_COLUMNS = ("id", "title", "context", "mechanism", "resource", "reasoning", "outcome", "direction",
                "status", "sources", "theories", "relations", "question", "review", "chains_to", "chained_from",
                "page")

SEP = "; "


def joined(values: Iterable[Any]) -> str:
    return SEP.join(str(v) for v in values)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple):
        return joined(value)
    return str(value)


def _csv(columns: tuple[str, ...], rows: Iterable[dict[str, str]], extra: list[str]) -> bytes:
    """The file's UTF-8 bytes (with a byte-order mark), encoded as the rows are written: as a ``str``
    the mark alone makes every character take two bytes, and a ``StringIO`` four while building it."""
    raw = io.BytesIO()
    raw.write("\ufeff".encode("utf-8"))
    buf = io.TextIOWrapper(raw, encoding="utf-8", newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    names = list(columns) + extra
    writer.writerow(names)
    writer.writerows(protect_cells(row.get(name, "") for name in names) for row in rows)
    buf.flush()
    data = raw.getvalue()
    buf.detach()
    return data


def _canon(corpus: Corpus, entity_id: str) -> str:
    """The id as its own file spells it (content may cite it in another case)."""
    e = corpus.find(entity_id)
    return e.id if e else str(entity_id)


def papers_csv(corpus: Corpus, base_url: str) -> str:
    return papers_csv_bytes(corpus, base_url).decode("utf-8")


def papers_csv_bytes(corpus: Corpus, base_url: str) -> bytes:
    """``data/papers.csv`` as the file's bytes (what the build holds and writes)."""
    facet_keys = _facet_keys(corpus, "paper")
    return _csv(PAPER_COLUMNS, (_paper_row(corpus, p, base_url, facet_keys) for p in corpus.papers), facet_keys)


def _facet_keys(corpus: Corpus, kind: str) -> list[str]:
    return [k for k, f in corpus.config.facets.items() if kind in f.applies_to and not f.builtin]


def _paper_row(corpus: Corpus, p, base_url: str, facet_keys: list[str]) -> dict[str, str]:
    row = {name: _text(getattr(p, name)) for name in PAPER_COLUMNS[:20]}
    key = p.id.lower()
    row.update(
        review=joined(p.review), questions=joined(p.questions), coded_theories=joined(t.theory for t in p.theories),
        theories=joined(corpus.links.paper_theories.get(key, ())),
        cmocs=joined(corpus.links.paper_cmocs.get(key, ())), maps=joined(corpus.links.paper_maps.get(key, ())),
        citation=full_citation(p), page=base_url + p.page_url)
    for k in facet_keys:
        row[k] = joined(p.facets.get(k, ()))
    return row


def cmocs_csv(corpus: Corpus, base_url: str) -> str:
    return cmocs_csv_bytes(corpus, base_url).decode("utf-8")


def cmocs_csv_bytes(corpus: Corpus, base_url: str) -> bytes:
    """``data/cmocs.csv`` as the file's bytes (what the build holds and writes)."""
    facet_keys = _facet_keys(corpus, "cmoc")
    return _csv(CMOC_COLUMNS, (_cmoc_row(corpus, c, base_url, facet_keys) for c in corpus.cmocs), facet_keys)


def _cmoc_row(corpus: Corpus, c, base_url: str, facet_keys: list[str]) -> dict[str, str]:
    row = {name: _text(getattr(c, name)) for name in CMOC_COLUMNS[:9]}
    row.update(
        sources=joined(_canon(corpus, s.paper) for s in c.sources),
        theories=joined(_canon(corpus, t.theory) for t in c.theories),
        relations=joined(f"{_canon(corpus, t.theory)} {t.relation}" for t in c.theories),
        question=joined(c.question), review=joined(c.review), chains_to=joined(c.chains_to),
        chained_from=joined(corpus.links.cmoc_chained_from.get(c.id.lower(), ())),
        page=base_url + c.page_url)
    for k in facet_keys:
        row[k] = joined(c.facets.get(k, ()))
    return row


def papers_csv_layout(corpus: Corpus, base_url: str) -> Layout:
    """``papers.csv`` as a layout (:mod:`.layout`): one row per paper; its text, not bytes (``serve``
    encodes it)."""
    facet_keys = _facet_keys(corpus, "paper")
    return _csv_layout("papers.csv", PAPER_COLUMNS, corpus.papers, lambda p: _paper_row(corpus, p, base_url, facet_keys),
                       facet_keys)


def cmocs_csv_layout(corpus: Corpus, base_url: str) -> Layout:
    facet_keys = _facet_keys(corpus, "cmoc")
    return _csv_layout("cmocs.csv", CMOC_COLUMNS, corpus.cmocs, lambda c: _cmoc_row(corpus, c, base_url, facet_keys),
                       facet_keys)


def _csv_layout(name: str, columns: tuple[str, ...], items: tuple, row_of, extra: list[str]) -> Layout:
    """What :func:`_csv` writes, as a layout: the byte-order mark and header, then a row per item."""
    names = list(columns) + extra
    lines = CsvLines()

    def piece(item: Any) -> str:
        row = row_of(item)
        return lines([protect_cells(row.get(n, "") for n in names)])

    return "\ufeff" + lines([names]), Run(name, items, piece)
