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
    facet_keys = [k for k, f in corpus.config.facets.items() if "paper" in f.applies_to and not f.builtin]
    rows = []
    for p in corpus.papers:
        row = {name: _text(getattr(p, name)) for name in PAPER_COLUMNS[:20]}
        key = p.id.lower()
        row.update(
            review=joined(p.review), questions=joined(p.questions), coded_theories=joined(t.theory for t in p.theories),
            theories=joined(corpus.links.paper_theories.get(key, ())),
            cmocs=joined(corpus.links.paper_cmocs.get(key, ())), maps=joined(corpus.links.paper_maps.get(key, ())),
            citation=full_citation(p), page=base_url + p.page_url)
        for k in facet_keys:
            row[k] = joined(p.facets.get(k, ()))
        rows.append(row)
    return _csv(PAPER_COLUMNS, rows, facet_keys)


def cmocs_csv(corpus: Corpus, base_url: str) -> str:
    return cmocs_csv_bytes(corpus, base_url).decode("utf-8")


def cmocs_csv_bytes(corpus: Corpus, base_url: str) -> bytes:
    """``data/cmocs.csv`` as the file's bytes (what the build holds and writes)."""
    facet_keys = [k for k, f in corpus.config.facets.items() if "cmoc" in f.applies_to and not f.builtin]
    rows = []
    for c in corpus.cmocs:
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
        rows.append(row)
    return _csv(CMOC_COLUMNS, rows, facet_keys)
