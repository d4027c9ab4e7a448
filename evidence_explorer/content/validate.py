"""The validate stage: one source file's front matter → an entity of the model, or located errors.

Every field is parsed by its type (:mod:`.fields`), unknown keys are errors, and the cross-field
rules are in one place (:func:`_rules`); validation never stops at the first problem.
"""
from __future__ import annotations

from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any, Sequence

import re

from . import urls
from .citation import ET_AL
from .config import SiteConfig
from .diagnostics import Location, Report, did_you_mean
from .fields import FieldError, check_id, content_fields, drop_known_line
from .load import ContentError, SourceFile, SourceRef, read_source, source_refs
from .model import EMPTY, KINDS, Entity

_ET_AL_LIKE = re.compile(r"^\W*et\.?\s*al\b\W*$", re.I)
"""'*et al*', 'et al', 'Et Al.': a marker written another way (copied from a formatted reference)."""

Invalid = dict[str, tuple[str, str]]
"""Lower-cased id a file that failed claims → (its kind, its path as shown): see ``link.link``."""


def load_entities(content_dir: Path, shown_root: str, config: SiteConfig, report: Report,
                  fast: bool = True) -> tuple[list[Entity], Invalid]:
    """Load and validate every content file in one process, with no accelerator but ``fast`` (libyaml):
    the plain form of ``speed.parallel_load.load_all``, which must give the same entities and
    diagnostics (tested)."""
    refs = source_refs(content_dir, shown_root, report, follow_outside=config.follow_symlinks_outside)
    invalid: Invalid = {}
    return validate_refs(content_dir, refs, config, report, invalid, fast), invalid


def validate_refs(content_dir: Path, refs: Sequence[SourceRef], config: SiteConfig, report: Report,
            invalid: Invalid, fast: bool = True) -> list[Entity]:
    """Read and validate the files already walked, one after the other: the valid entities in load
    order; the ids claimed by the files that failed go to ``invalid`` (the first file wins)."""
    sources, claims = [], {}
    for ref in refs:
        try:
            sources.append(read_source(content_dir / ref.rel, ref.shown, ref.rel, ref.kind, fast))
        except ContentError as exc:
            report.error(exc.code, exc.message, Location(ref.shown, exc.line))
            claims[ref.shown] = (PurePosixPath(ref.rel).stem, ref.kind)
    entities = []
    for src in sources:
        entity = build_entity(src, config, report)
        if entity is None:
            claims[src.path] = (claimed_id(src), src.kind)
        else:
            entities.append(entity)
    for ref in refs:  # in load order, as the parallel load
        if ref.shown in claims:
            claimed, kind = claims[ref.shown]
            invalid.setdefault(claimed.lower(), (kind, ref.shown))
    return entities


def allowed_fields(kind: str, config: SiteConfig) -> dict[str, Any]:
    names = dict(content_fields(KINDS[kind]))
    if kind == "theory":
        names["kind"] = None  # stored as theory_kind
    for facet in config.facets.values():
        if kind in facet.applies_to and facet.key not in names:
            names[facet.key] = None
    return names


def build_entity(src: SourceFile, config: SiteConfig, report: Report) -> Entity | None:
    """Validate one source file into an entity; None (with diagnostics) when invalid. Problems are
    reported in the order of the checks: unknown fields, field values, facets, the id, the theory
    kind, YAML comments that cut a value short, then the cross-field rules."""
    where = lambda line: Location(src.path, line)  # noqa: E731
    ok = _known_fields(src, config, report)
    values, fields_ok = _field_values(src, report)
    facets, facets_ok = _facet_values(src, config, report)
    entity_id = values.get("id") or src.stem
    id_ok = True
    if "id" not in values:
        try:
            check_id(entity_id)
        except FieldError as exc:
            report.error(exc.code, f"file name gives {exc.message}; rename the file or set 'id'", where(1))
            id_ok = False
    kind_ok = _theory_kind(src, config, values, report)
    for line in src.cut_values:
        report.warning("yaml.comment-in-value", "'#' here starts a YAML comment, so the rest of the line is "
                       "not part of the value: put the value in double quotes if the '#' belongs to it",
                       where(line))
    ok = all([_rules(src, values, report), check_confidence(src, values, config, report)]) and \
        ok and fields_ok and facets_ok and id_ok and kind_ok
    if not ok:
        return None
    values.update(id=str(entity_id), path=src.path, rel=src.rel, body=src.body, body_line=src.body_line,
                  lines=MappingProxyType(dict(src.data.lines)), facets=MappingProxyType(facets) if facets else EMPTY,
                  page_url=urls.entity_url(src.kind, str(entity_id)))
    values["extra"] = MappingProxyType(extra) if (extra := values.get("extra")) else EMPTY
    return KINDS[src.kind](**values)


def _known_fields(src: SourceFile, config: SiteConfig, report: Report) -> bool:
    """Every key of the front matter is a field of the kind or a facet that applies to it."""
    allowed, ok = allowed_fields(src.kind, config), True
    for key in src.data:
        if key not in allowed:
            report.error("schema.unknown-field", f"unknown field '{key}'{did_you_mean(key, allowed)}",
                         Location(src.path, src.data.line_of(key)))
            ok = False
    return ok


def _field_values(src: SourceFile, report: Report) -> tuple[dict[str, Any], bool]:
    """Each field parsed by its type (required ones present); the values and whether all were valid."""
    data, values, ok = src.data, {}, True
    for name, f in content_fields(KINDS[src.kind]).items():
        if name in data and data[name] is not None:
            line = data.line_of(name)
            try:
                values[name] = drop_known_line(f.metadata["spec"].parse(data[name], name, line), line)
            except FieldError as exc:
                for err in exc.each():
                    report.error(err.code, err.message, Location(src.path, err.line or line))
                ok = False
        elif f.metadata["required"]:
            report.error("schema.required", f"missing required field '{name}'"
                         + (" (it is empty)" if name in data else ""),
                         Location(src.path, data.line_of(name) if name in data else 1))
            ok = False
    return values, ok


def _facet_values(src: SourceFile, config: SiteConfig, report: Report) -> tuple[dict[str, tuple[str, ...]], bool]:
    """The site's facets that apply to the kind, parsed; built-in ones keep their own field."""
    data, facets, ok = src.data, {}, True
    for facet in config.facets.values():
        if src.kind not in facet.applies_to or data.get(facet.key) is None:  # empty = absent, as for fields
            continue
        try:
            parsed = facet.parse(data[facet.key], data.line_of(facet.key))
            if not facet.builtin:  # built-in fields (design, setting…) keep their own attribute
                facets[facet.key] = parsed
        except FieldError as exc:
            report.error(exc.code, exc.message, Location(src.path, exc.line or data.line_of(facet.key)))
            ok = False
    return facets, ok


def _theory_kind(src: SourceFile, config: SiteConfig, values: dict[str, Any], report: Report) -> bool:
    """A theory's ``kind`` (stored as ``theory_kind``) is one of site.yaml's ``theory_kinds``."""
    if src.kind != "theory":
        return True
    if "kind" not in src.data:
        values["theory_kind"] = config.default_theory_kind
        return True
    tk = src.data["kind"]
    if not isinstance(tk, str) or tk not in config.theory_kinds:
        report.error("schema.choice", f"unknown theory kind {tk!r}; site.yaml theory_kinds has "
                     f"{', '.join(config.theory_kinds)}{did_you_mean(str(tk), config.theory_kinds)}",
                     Location(src.path, src.data.line_of("kind")))
        return False
    values["theory_kind"] = tk
    return True


def claimed_id(src: SourceFile) -> str:
    """The id a file asks for (its ``id`` field when that is text, else its file name), also when it
    fails validation: references to it then say that it has errors, not that it is unknown."""
    value = src.data.get("id")
    return value.strip() if isinstance(value, str) and value.strip() else src.stem


def _rules(src: SourceFile, values: dict[str, Any], report: Report) -> bool:
    """Cross-field rules, in one place."""
    data, ok = src.data, True
    if src.kind == "cmoc":
        has_split = "resource" in values or "reasoning" in values
        if "mechanism" in values and has_split:
            report.error("schema.mechanism", "give either 'mechanism' or 'resource'/'reasoning', not both",
                         Location(src.path, data.line_of("mechanism")))
            ok = False
        elif "mechanism" not in values and not has_split and not any(
                data.get(k) is not None for k in ("mechanism", "resource", "reasoning")):
            report.error("schema.required", "missing required field 'mechanism' "
                         "(or 'resource' and/or 'reasoning')", Location(src.path, 1))
            ok = False
    if src.kind == "paper":
        _et_al_marker(src, values.get("authors") or (), report)
    if src.kind == "map" and "rows" in values and not values["rows"]:
        report.error("schema.required", "'rows' is empty: a map needs at least one row",
                     Location(src.path, data.line_of("rows")))
        ok = False
    if src.kind == "theory" and values.get("parent") and str(values["parent"]).lower() == \
            str(values.get("id") or src.stem).lower():
        report.error("link.cycle", "a theory cannot be its own parent", Location(src.path, data.line_of("parent")))
        ok = False
    return ok


def _et_al_marker(src: SourceFile, authors: Sequence[str], report: Report) -> None:
    """The 'et al.' marker is exact and last; otherwise it would be shown and exported as an author."""
    raw = src.data.get("authors")
    for i, name in enumerate(authors):
        if _ET_AL_LIKE.match(name) and (name != ET_AL or i != len(authors) - 1):
            line = (raw.line_of(i) if hasattr(raw, "line_of") else None) or src.data.line_of("authors")
            fix = f"write it as '{ET_AL}', the last item" if name != ET_AL else "put it last"
            report.warning("schema.et-al", f"author {name!r} looks like the 'et al.' marker: {fix}, so it is not "
                           "taken for an author's name", Location(src.path, line))


def check_confidence(src: SourceFile, values: dict[str, Any], config: SiteConfig, report: Report) -> bool:
    """A confidence level must be one of the site's scale (``confidence.levels`` in site.yaml)."""
    conf = values.get("confidence")
    if conf is None:
        return True
    levels = config.confidence_levels
    if conf.level in levels:
        return True
    raw = src.data.get("confidence")
    line = (raw.line_of("level") if hasattr(raw, "line_of") else None) or conf.line
    report.error("schema.confidence-level", f"unknown confidence level '{conf.level}'"
                 f"{did_you_mean(conf.level, levels)}; the scale in site.yaml has {', '.join(levels)}",
                 Location(src.path, line))
    return False
