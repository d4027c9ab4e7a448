"""``site.yaml`` → :class:`SiteConfig`, with strict keys and located errors."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import re

from .config_cite import Citation, Licence, parse_citation, parse_licence
from .config_findings import EXAMINED_WAYS, parse_confidence, parse_extra_labels
from .diagnostics import Location, Report, did_you_mean
from .fields import FieldError, Ref, is_id
from .load import ContentError, load_site_yaml
from .textsafe import describe
from .urls import BASE_URL_HINT, valid_base_url

LANGUAGE_TAG = re.compile(
    r"(?:(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})"  # language (and extended language)
    r"(?:-[a-z]{4})?"  # script
    r"(?:-(?:[a-z]{2}|[0-9]{3}))?"  # region
    r"(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*"  # variants
    r"(?:-[0-9a-wyz](?:-[a-z0-9]{2,8})+)*"  # extensions
    r"(?:-x(?:-[a-z0-9]{1,8})+)?"  # private use
    r"|x(?:-[a-z0-9]{1,8})+)", re.I)
"""A well-formed BCP 47 language tag (RFC 5646, section 2.1, without the irregular grandfathered
tags): ``en``, ``en-GB``, ``pt-BR``, ``zh-Hant-TW``, ``sr-Latn``, ``de-CH-1996``."""
MAX_LANGUAGE_LENGTH = 20
"""Pagefind 1.5 names its index files after the language, cutting a content hash to the tag's
length + 8 characters: it panics from about 33 characters (the hash text is 38-40 characters long);
20 leaves a wide margin and is longer than any tag a site needs (``zh-Hant-TW``, ``ca-ES-valencia``)."""
ENTITY_KINDS = ("review", "question", "theory", "map", "paper", "cmoc", "page")
DEFAULT_THEORY_KINDS = {"component": "Programme theory component"}
DEFAULT_CONFIDENCE_LEVELS = {"high": "High", "moderate": "Moderate", "low": "Low", "very-low": "Very low"}
"""GRADE-CERQual's levels, highest first: the scale when site.yaml declares none."""
DEFAULT_CONFIDENCE_LABEL = "Confidence"


@dataclass(frozen=True)
class Facet:
    """A controlled vocabulary (or an open one) on some kinds of entity."""

    key: str
    label: str
    applies_to: tuple[str, ...]
    values: Mapping[str, str]
    """Allowed value key → label, in display order; empty when ``open``."""
    open: bool = False
    builtin: bool = False
    """True when the facet names a built-in field (design, setting, country, direction)."""

    def label_of(self, value: str) -> str:
        return self.values.get(value, value)

    def parse(self, raw: Any, line: int | None) -> tuple[str, ...]:
        items = raw if isinstance(raw, list) else [raw]
        out = []
        for i, item in enumerate(items):
            item_line = raw.line_of(i) if hasattr(raw, "line_of") else line
            if isinstance(item, (int, float)) and not isinstance(item, bool):
                item = str(item)
            if not isinstance(item, str) or not item.strip():
                raise FieldError(f"'{self.key}' values must be text, got {item!r}", item_line)
            item = item.strip()
            if not self.open and item not in self.values:
                raise FieldError(f"'{item}' is not a value of facet '{self.key}'"
                                 f"{did_you_mean(item, self.values)}; allowed: {', '.join(self.values)}",
                                 item_line, "schema.facet-value")
            out.append(item)
        return tuple(out)


@dataclass(frozen=True)
class Axis:
    """One axis of a gap matrix: theory nodes (optionally of one kind) or a facet's values."""

    theories_kind: str | None = None
    facet: str | None = None
    theories_examined: str | None = None
    """Only theory nodes examined this way (reviewed, mapped, coded, synthesised)."""
    evidence_sets: bool = False
    """The evidence sets (map rows) of every evidence map, by their focus: one combined map."""


@dataclass(frozen=True)
class Matrix:
    id: str
    title: str
    rows: Axis
    columns: Axis
    count: str  # "cmocs" | "papers"
    page_url: str = ""
    split: str | None = None
    """Facet shown as each cell's second dimension (by shape, with a legend); None: the default."""


@dataclass(frozen=True)
class SiteConfig:
    title: str
    description: str = ""
    base_url: str = "/"
    repo_url: str | None = None
    edit_path: str | None = None
    language: str = "en"
    allow_raw_html: bool = False
    follow_symlinks_outside: bool = False
    """Read content files that are symbolic links to files outside the content folder (walk.py)."""
    theory_kinds: Mapping[str, str] = field(default_factory=lambda: MappingProxyType(DEFAULT_THEORY_KINDS))
    facets: Mapping[str, Facet] = field(default_factory=dict)
    matrices: tuple[Matrix, ...] = ()
    integrity: Any = None
    """:class:`~evidence_explorer.integrity.IntegrityConfig` (None: the defaults)."""
    confidence_levels: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType(DEFAULT_CONFIDENCE_LEVELS))
    """The review's confidence scale: level key → label, highest first."""
    confidence_label: str = DEFAULT_CONFIDENCE_LABEL
    """What the scale is called on pages ('Confidence', 'Strength of support')."""
    extra_labels: Mapping[str, str | None] = field(default_factory=dict)
    """Key of an entity's ``extra`` data → label shown for it; None: kept in the data, not shown."""
    licence: Licence | None = None
    """The licence of the content and data; None: none is stated (pages say so)."""
    citation: Citation = field(default_factory=Citation)
    path: str = "site.yaml"

    @property
    def default_theory_kind(self) -> str:
        return "component" if "component" in self.theory_kinds else next(iter(self.theory_kinds))


SITE_KEYS = {
    "title": "Title of the evidence base (required).",
    "description": "One or two sentences shown on the home page.",
    "base_url": "Path prefix when the site is hosted below the domain root (default '/'): a path like "
                "`/evidence/` or an http(s) URL like `https://example.org/evidence/`, nothing else.",
    "repo_url": "Repository URL, for 'edit this page' links.",
    "edit_path": "Path of the content folder inside the repository, e.g. 'edit/main/content/'.",
    "language": "Language of the content, a BCP 47 tag like `en`, `en-GB` or `pt-BR` (default 'en'; "
                "at most 20 characters).",
    "allow_raw_html": "Let raw HTML in Markdown bodies through, sanitised (no script, handlers or unsafe URLs; "
                      "default false: it is shown as text).",
    "follow_symlinks_outside": "Read content files that are symbolic links to files outside the content folder "
                               "(default false: an error; links to folders outside are never followed).",
    "theory_kinds": "Theory kinds: key → label (default {component: Programme theory component}).",
    "facets": "Controlled vocabularies: key → {label, applies_to, values or open}.",
    "matrices": "Evidence gap maps: list of {id, title, rows, columns, count}; an axis is {theories: {kind, "
                "examined}}, {facet: KEY} or {evidence_sets: true} (the rows of every evidence map, by focus); "
                "'split: FACET' shows that facet in each cell (default: direction, or the papers' evidence type).",
    "licence": "Licence of the evidence base's content and data, shown on the data page: a name like `CC BY "
               "4.0`, or {name, url}. Without it the data page says that no licence is stated.",
    "license": "The same as `licence` (either spelling, not both).",
    "citation": "How to cite the evidence base (the data page): {authors (a list), organisation, year, version, "
                "date (YYYY-MM-DD, used when the content is not in git)}.",
    "integrity": "Integrity checks (docs/review.md): check name → warning, note or off; min_sources.",
    "extra_labels": "Labels for keys of 'extra' data on pages: key → label, or false to keep the value in "
                    "the data (exports) without showing it.",
    "confidence": "The review's confidence scale: {label, levels: key → label, highest first} (default: "
                  "Confidence, GRADE-CERQual's high, moderate, low, very-low).",
}
BUILTIN_FACETS = {"design": ("paper",), "setting": ("paper",), "country": ("paper",), "direction": ("cmoc",)}


class _Ctx:
    def __init__(self, path: str, report: Report):
        self.path, self.report, self.ok = path, report, True

    def err(self, message: str, line: int | None, code: str = "config.invalid") -> None:
        self.report.error(code, message, Location(self.path, line))
        self.ok = False

    def mapping(self, value: Any, name: str, line: int | None) -> dict | None:
        if not isinstance(value, dict):
            self.err(f"'{name}' must be a mapping", line)
            return None
        return value

    def keys(self, value: dict, allowed: Any, name: str) -> None:
        for key in value:
            if key not in allowed:
                self.err(f"unknown key '{key}' in {name}{did_you_mean(key, allowed)}",
                         value.line_of(key), "config.unknown-key")

    def text(self, value: Any, name: str, line: int | None) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.err(f"'{name}' must be text", line)
            return None
        return value.strip()


def parse_config(data: Any, path: str, report: Report) -> SiteConfig | None:
    """Validate site.yaml data; report every problem; None when invalid."""
    ctx = _Ctx(path, report)
    if not isinstance(data, dict):
        ctx.err("site.yaml must be a mapping of setting: value", 1)
        return None
    ctx.keys(data, SITE_KEYS, "site.yaml")
    kw: dict[str, Any] = {"path": path}
    if "title" not in data:
        ctx.err("missing required setting 'title'", 1, "config.required")
    for key in ("title", "description", "base_url", "repo_url", "edit_path", "language"):
        if key in data and data[key] is not None:
            kw[key] = ctx.text(data[key], key, data.line_of(key))
    _check_base_url_and_language(kw, data, ctx)
    for key in ("allow_raw_html", "follow_symlinks_outside"):
        if key in data:
            if not isinstance(data[key], bool):
                ctx.err(f"'{key}' must be true or false", data.line_of(key))
            else:
                kw[key] = data[key]
    if "theory_kinds" in data:
        tk = ctx.mapping(data["theory_kinds"], "theory_kinds", data.line_of("theory_kinds"))
        if tk is not None:
            if not tk:
                ctx.err("'theory_kinds' is empty", data.line_of("theory_kinds"))
            kinds = {}
            for key, label in tk.items():
                if not is_id(key):
                    ctx.err(f"invalid theory kind key '{key}'", tk.line_of(key))
                kinds[key] = str(label) if label is not None else key
            kw["theory_kinds"] = MappingProxyType(kinds)
    facets = _facets(data, ctx) if "facets" in data else {}
    kw["facets"] = MappingProxyType(facets)
    theory_kinds = kw.get("theory_kinds", DEFAULT_THEORY_KINDS)
    if "matrices" in data:
        kw["matrices"] = _matrices(data, facets, theory_kinds, ctx)
    if "confidence" in data:
        kw.update(parse_confidence(data, ctx))
    if "extra_labels" in data:
        kw["extra_labels"] = parse_extra_labels(data, ctx)
    if "licence" in data or "license" in data:
        kw["licence"] = parse_licence(data, ctx)
    if "citation" in data:
        kw["citation"] = parse_citation(data, ctx)
    if "integrity" in data:
        from .integrity import parse_integrity
        kw["integrity"] = parse_integrity(data["integrity"], path, report)
        ctx.ok = ctx.ok and kw["integrity"] is not None
    if not ctx.ok or kw.get("title") is None:
        return None
    return SiteConfig(**{k: v for k, v in kw.items() if v is not None})


def _check_base_url_and_language(kw: dict[str, Any], data: dict, ctx: _Ctx) -> None:
    """``base_url`` goes into every link and script address, ``language`` into Pagefind's file names."""
    base = kw.get("base_url")
    if base is not None and not valid_base_url(base):
        ctx.err(f"'base_url' must be {BASE_URL_HINT}, got {describe(base)}", data.line_of("base_url"))
        kw["base_url"] = None
    lang = kw.get("language")
    if lang is not None and not (LANGUAGE_TAG.fullmatch(lang) and len(lang) <= MAX_LANGUAGE_LENGTH):
        ctx.err(f"'language' must be a BCP 47 language tag like en, en-GB or pt-BR (at most "
                f"{MAX_LANGUAGE_LENGTH} characters), got {describe(lang)}", data.line_of("language"))
        kw["language"] = None


def _facets(data: dict, ctx: _Ctx) -> dict[str, Facet]:
    from .fields import content_fields
    from .model import KINDS  # the model knows which field names are taken
    raw = ctx.mapping(data["facets"], "facets", data.line_of("facets"))
    out: dict[str, Facet] = {}
    for key, spec in (raw or {}).items():
        line = raw.line_of(key)
        spec = ctx.mapping(spec, f"facets.{key}", line)
        if spec is None:
            continue
        ctx.keys(spec, ("label", "applies_to", "values", "open"), f"facet '{key}'")
        builtin = key in BUILTIN_FACETS
        applies = spec.get("applies_to", list(BUILTIN_FACETS.get(key, ())))
        applies = applies if isinstance(applies, list) else [applies]
        for kind in applies:
            if kind not in ENTITY_KINDS:
                ctx.err(f"facet '{key}' applies to unknown kind '{kind}'{did_you_mean(str(kind), ENTITY_KINDS)}",
                        spec.line_of("applies_to"))
        if not builtin:
            for kind in applies:
                if kind in KINDS and key in content_fields(KINDS[kind]):
                    ctx.err(f"facet '{key}' has the name of a field of {kind}; choose another name",
                            line)
        elif any(kind not in BUILTIN_FACETS[key] for kind in applies):
            ctx.err(f"built-in field facet '{key}' applies only to {', '.join(BUILTIN_FACETS[key])}", line)
        is_open = spec.get("open", False)
        if not isinstance(is_open, bool):
            ctx.err(f"facet '{key}': 'open' must be true or false", spec.line_of("open"))
            is_open = False
        values: dict[str, str] = {}
        if "values" in spec:
            vals = spec["values"]
            if isinstance(vals, list):
                values = {str(v): str(v) for v in vals}
            elif isinstance(vals, dict):
                values = {str(k): str(v) for k, v in vals.items()}
            else:
                ctx.err(f"facet '{key}': 'values' must be a mapping of key: label or a list",
                        spec.line_of("values"))
        elif not is_open and key != "direction":
            ctx.err(f"facet '{key}' needs 'values' or 'open: true'", line)
        if key == "direction" and not values:
            values = {"enabler": "Enabler", "barrier": "Barrier"}
        out[key] = Facet(key, str(spec.get("label", key)), tuple(str(a) for a in applies),
                         MappingProxyType(values), is_open, builtin)
    return out


def _axis(raw: Any, name: str, line: int | None, facets: dict, theory_kinds: Mapping, ctx: _Ctx) -> Axis | None:
    spec = ctx.mapping(raw, name, line)
    if spec is None:
        return None
    ctx.keys(spec, ("theories", "facet", "evidence_sets"), name)
    if "evidence_sets" in spec:
        if spec["evidence_sets"] is not True:
            ctx.err(f"{name}: 'evidence_sets' must be true (the evidence sets of every map, by focus)",
                    spec.line_of("evidence_sets"))
            return None
        return Axis(evidence_sets=True)
    if "facet" in spec:
        if spec["facet"] not in facets:
            ctx.err(f"{name}: unknown facet '{spec['facet']}'{did_you_mean(str(spec['facet']), facets)}",
                    spec.line_of("facet"))
            return None
        return Axis(facet=spec["facet"])
    if "theories" in spec:
        sel = spec["theories"] or {}
        kind = sel.get("kind") if isinstance(sel, dict) else None
        examined = sel.get("examined") if isinstance(sel, dict) else None
        if kind is not None and kind not in theory_kinds:
            ctx.err(f"{name}: unknown theory kind '{kind}'{did_you_mean(str(kind), theory_kinds)}",
                    spec.line_of("theories"))
            return None
        if examined is not None and examined not in EXAMINED_WAYS:
            ctx.err(f"{name}: 'examined' must be one of {', '.join(EXAMINED_WAYS)}", spec.line_of("theories"))
            return None
        return Axis(theories_kind=kind, theories_examined=examined)
    ctx.err(f"{name} needs 'theories' or 'facet'", line)
    return None


def _matrices(data: dict, facets: dict, theory_kinds: Mapping, ctx: _Ctx) -> tuple[Matrix, ...]:
    raw = data["matrices"]
    if not isinstance(raw, list):
        ctx.err("'matrices' must be a list", data.line_of("matrices"))
        return ()
    out, seen = [], set()
    for i, item in enumerate(raw):
        line = raw.line_of(i)
        m = ctx.mapping(item, "matrices item", line)
        if m is None:
            continue
        ctx.keys(m, ("id", "title", "rows", "columns", "count", "split"), "matrix")
        mid = m.get("id")
        if not is_id(mid):
            ctx.err("matrix needs an 'id' (letters, digits, '.', '_', '-')", line)
            continue
        if mid.lower() in seen:
            ctx.err(f"duplicate matrix id '{mid}'", m.line_of("id"))
        seen.add(mid.lower())
        count = m.get("count", "cmocs")
        if count not in ("cmocs", "papers"):
            ctx.err(f"matrix '{mid}': 'count' must be cmocs or papers", m.line_of("count"))
        rows = _axis(m.get("rows"), f"matrix '{mid}' rows", m.line_of("rows"), facets, theory_kinds, ctx)
        cols = _axis(m.get("columns"), f"matrix '{mid}' columns", m.line_of("columns"), facets, theory_kinds, ctx)
        if rows and cols and (rows.evidence_sets or cols.evidence_sets) and count != "papers":
            ctx.err(f"matrix '{mid}': an evidence-set axis counts papers: set 'count: papers'", m.line_of("id"))
        elif rows and cols:
            split = m.get("split")
            if split is not None and split not in facets:
                ctx.err(f"matrix '{mid}': 'split' must name a facet{did_you_mean(str(split), facets)}",
                        m.line_of("split"))
                split = None
            elif split is not None and not facets[split].values:
                ctx.err(f"matrix '{mid}': 'split' facet '{split}' is open (no fixed values to draw as shapes)",
                        m.line_of("split"))
                split = None
            out.append(Matrix(Ref.at(mid, line), str(m.get("title") or mid), rows, cols, count,
                              f"matrix/{mid}/", split))
    return tuple(out)


def load_config(content: Path, report: Report) -> SiteConfig | None:
    """The content directory's ``site.yaml``, parsed; None (with located errors) when unusable."""
    try:
        shown, data = load_site_yaml(content, str(content))
    except ContentError as exc:
        shown = str(content / "site.yaml") if str(content) not in ("", ".") else "site.yaml"
        report.error(exc.code if exc.code.startswith("config") else "config.yaml", exc.message,
                     Location(shown, exc.line))
        return None
    return parse_config(data, shown, report)
