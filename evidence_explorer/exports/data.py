"""Machine-readable exports written on every build (``/data/``).

``evidence.json`` is a stable, documented interface (see docs/evidence-json.md):
top-level keys ``site``, ``reviews``, ``questions``, ``theories``, ``maps``,
``papers``, ``cmocs``; each record has ``id``, ``url``, its front-matter fields
and resolved relation id lists.
"""
from __future__ import annotations

import json
from dataclasses import fields, is_dataclass, replace
from typing import Any, Callable

from .. import __version__
from ..content.citation import full_citation
from .layout import Layout, Run, text_of
from .tables import cmocs_csv_bytes, cmocs_csv_layout, papers_csv_bytes, papers_csv_layout
from .references import bibtex, bibtex_layout, csl_json, csl_json_layout, ris, ris_layout
from ..content.link import Corpus
from ..content.model import Entity
from ..content.fields import content_fields

FORMAT_VERSION = 1

RELATIONS: dict[str, dict[str, str]] = {
    "paper": {"cmocs": "paper_cmocs", "theories": "paper_theories", "maps": "paper_maps"},
    "theory": {"children": "theory_children", "cmocs": "theory_cmocs", "papers": "theory_papers",
               "maps": "theory_maps"},
    "question": {"theories": "question_theories", "cmocs": "question_cmocs", "papers": "question_papers"},
    "review": {"questions": "review_questions", "papers": "review_papers"},
    "cmoc": {"chained_from": "cmoc_chained_from"},
}
"""Resolved relation lists per kind: JSON key → backlink index."""

RENAMED = {("paper", "url"): "source_url", ("paper", "theories"): "coded_theories"}
"""Front-matter fields exported under another key, where the record's own key means something else:
a paper's ``url`` (its web address; ``url`` is its page here) and ``theories`` (the theories it is
coded to directly; ``theories`` is the resolved list of every theory it informs)."""


def plain(value: Any) -> Any:
    """Frozen model values → JSON-ready values (the reference for :func:`_jsonable`)."""
    if is_dataclass(value):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)
                if f.name != "line" and getattr(value, f.name) is not None}
    if isinstance(value, (tuple, list)):
        return [plain(v) for v in value]
    if hasattr(value, "items"):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, str):
        return str(value)
    return value


def _jsonable(names: dict[type, tuple[str, ...]]):
    """``default`` hook for :func:`json.dumps`: what :func:`plain` does for the values the C encoder
    cannot write itself (nested records, read-only mappings); ``names`` remembers each record type's fields."""

    def default(value: Any) -> Any:
        cls = type(value)
        if is_dataclass(value):
            if cls not in names:
                names[cls] = tuple(f.name for f in fields(value) if f.name != "line")
            return {name: v for name in names[cls] if (v := getattr(value, name)) is not None}
        if hasattr(value, "items"):
            return {str(k): v for k, v in value.items()}
        raise TypeError(f"{cls.__name__} is not JSON serialisable")

    return default


REVIEW_FIELDS = ("status", "review_note", "reviewed")


def _split_reviews(items: tuple, id_field: str) -> tuple[list[str], list[dict[str, Any]]]:
    """A list of id-or-record items (a paper's coded theories, a map row's papers) as its ids, and the
    review fields of the items that have any: ``[{theory, status, review_note, reviewed}]``."""
    ids = [str(getattr(item, id_field)) for item in items]
    reviews = [{id_field: str(getattr(item, id_field)),
                **{k: plain(getattr(item, k)) for k in REVIEW_FIELDS if getattr(item, k) is not None}}
               for item in items if any(getattr(item, k) is not None for k in REVIEW_FIELDS)]
    return ids, reviews


def _map_row(row) -> dict[str, Any]:
    out = {name: value for name in ("focus", "kind") if (value := getattr(row, name)) is not None}
    out["papers"], reviews = _split_reviews(row.papers, "paper")
    if row.note is not None:
        out["note"] = row.note
    if reviews:
        out["paper_reviews"] = reviews
    return out


def record(corpus: Corpus, e: Entity, base_url: str, names: tuple[str, ...] | None = None) -> dict[str, Any]:
    """One entity's record; values are model values (see :func:`plain`). ``names``: its content fields."""
    out: dict[str, Any] = {"id": e.id, "url": base_url + e.page_url}
    for name in content_fields(type(e)) if names is None else names:
        if name == "id":
            continue
        value = getattr(e, name)
        if value is None or value == () or value == {} or (name == "extra" and not value):
            continue
        if (e.kind, name) == ("paper", "theories"):
            value, reviews = _split_reviews(value, "theory")
            if reviews:
                out["coded_theory_reviews"] = reviews
        elif (e.kind, name) == ("map", "rows"):
            value = [_map_row(row) for row in value]
        out[RENAMED.get((e.kind, name), name)] = value
    if e.kind == "theory":
        out["kind"] = e.theory_kind  # type: ignore[attr-defined]
    for key, values in e.facets.items():
        out[key] = list(values)
    links = corpus.links
    for key, index in RELATIONS.get(e.kind, {}).items():
        out[key] = list(getattr(links, index).get(e.id.lower(), ()))
    if e.kind == "paper":
        out["citation"] = full_citation(e)  # type: ignore[arg-type]
    return out


def json_lines(head: dict[str, Any], arrays: dict[str, Any], default=None) -> str:
    """A JSON object written by the C encoder, readable: one top-level key per line and one array
    item per line (``json.dumps(indent=…)`` would use the pure-Python encoder, ten times slower)."""
    dump = json.JSONEncoder(ensure_ascii=False, allow_nan=False, default=default).encode
    return text_of(json_layout(head, {key: Run(key, tuple(items), dump) for key, items in arrays.items()}, dump))


def json_layout(head: dict[str, Any], arrays: dict[str, Run], dump: Callable[[Any], str]) -> Layout:
    """:func:`json_lines` as a layout: ``arrays``' runs give each item's encoded text."""
    parts: list = ["{\n" + ",\n".join(f" {dump(k)}: {dump(v)}" for k, v in head.items())]
    for key, run in arrays.items():
        start = ",\n" if parts[0] != "{\n" or len(parts) > 1 else ""
        if run.items:
            parts += [f"{start} {dump(key)}: [\n  ", replace(run, sep=",\n  "), "\n ]"]
        else:
            parts.append(f"{start} {dump(key)}: []")
    parts.append("\n}\n")
    return tuple(parts)


def evidence_json(corpus: Corpus, base_url: str) -> str:
    return text_of(evidence_json_layout(corpus, base_url))


def evidence_json_layout(corpus: Corpus, base_url: str) -> Layout:
    """``evidence.json`` as a layout: one fragment per entity (its record, encoded as it comes, so
    the records of every entity are never all held at once: a build's peak memory)."""
    cfg = corpus.config
    head = {
        "format": FORMAT_VERSION,
        "generator": f"evidence-explorer {__version__}",
        "site": {"title": cfg.title, "description": cfg.description, "base_url": base_url,
                 "language": cfg.language, "theory_kinds": dict(cfg.theory_kinds),
                 "facets": {k: {"label": f.label, "applies_to": list(f.applies_to), "values": dict(f.values),
                                "open": f.open} for k, f in cfg.facets.items()},
                 "matrices": [{"id": str(m.id), "title": m.title, "count": m.count, "url": base_url + m.page_url}
                              for m in cfg.matrices]},
    }
    dump = json.JSONEncoder(ensure_ascii=False, allow_nan=False, default=_jsonable({})).encode

    def run(key: str, items: tuple) -> Run:
        names = tuple(content_fields(type(items[0]))) if items else ()
        return Run(f"evidence.json/{key}", items, lambda e: dump(record(corpus, e, base_url, names)))

    arrays = {key: run(key, items) for key, items in (
        ("reviews", corpus.reviews), ("questions", corpus.questions), ("theories", corpus.theories),
        ("maps", corpus.maps), ("papers", corpus.papers), ("cmocs", corpus.cmocs))}
    return json_layout(head, arrays, dump)


DOWNLOADS = (
    ("evidence.json", "every record with its fields and resolved relations (JSON)"),
    ("papers.csv", "one row per paper: reference, study details, and the CMOCs, theories and maps it informs"),
    ("cmocs.csv", "one row per configuration: context, mechanism, outcome, source paper ids and theory ids"),
    ("references.bib", "the papers as BibTeX, for LaTeX, Zotero, JabRef or EndNote"),
    ("references.ris", "the papers as RIS, for EndNote, Zotero, Mendeley or RefWorks"),
    ("references.json", "the papers as CSL-JSON, for Zotero, Pandoc or citeproc"),
)
"""Files of ``/data/``, with what each holds (the data page lists them)."""


def exports(corpus: Corpus, base_url: str) -> dict[str, str | bytes]:
    """Relative output path → file text, or its UTF-8 bytes (the large CSV files), for every export
    (the names of :data:`DOWNLOADS`)."""
    return {"data/evidence.json": evidence_json(corpus, base_url),
            "data/papers.csv": papers_csv_bytes(corpus, base_url),
            "data/cmocs.csv": cmocs_csv_bytes(corpus, base_url),
            "data/references.bib": bibtex(corpus.papers),
            "data/references.ris": ris(corpus.papers),
            "data/references.json": csl_json(corpus.papers)}


def export_layouts(corpus: Corpus, base_url: str) -> dict[str, Layout]:
    """:func:`exports` as layouts (the same files, in the same order: ``serve`` joins them)."""
    return {"data/evidence.json": evidence_json_layout(corpus, base_url),
            "data/papers.csv": papers_csv_layout(corpus, base_url),
            "data/cmocs.csv": cmocs_csv_layout(corpus, base_url),
            "data/references.bib": bibtex_layout(corpus.papers),
            "data/references.ris": ris_layout(corpus.papers),
            "data/references.json": csl_json_layout(corpus.papers)}
