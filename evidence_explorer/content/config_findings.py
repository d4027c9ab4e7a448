"""The settings of ``site.yaml`` that say how findings read: the confidence scale and the labels of
``extra`` data. ``ctx`` is :mod:`.config`'s checking context (``mapping``, ``keys``, ``text``, ``err``)."""
from __future__ import annotations

from types import MappingProxyType
from typing import Any, Mapping

from .fields import is_id

EXAMINED_WAYS = ("reviewed", "mapped", "coded", "synthesised")
"""How a theory node can be examined (``model.EXAMINED`` and the matrix axes' ``examined``)."""


def parse_confidence(data: dict, ctx: Any) -> dict[str, Any]:
    """``confidence: {label, levels}`` → the SiteConfig fields of the scale."""
    raw = ctx.mapping(data["confidence"], "confidence", data.line_of("confidence"))
    if raw is None:
        return {}
    ctx.keys(raw, ("label", "levels"), "confidence")
    out: dict[str, Any] = {}
    if "label" in raw:
        out["confidence_label"] = ctx.text(raw["label"], "confidence.label", raw.line_of("label"))
    if "levels" in raw:
        levels = ctx.mapping(raw["levels"], "confidence.levels", raw.line_of("levels"))
        if levels is not None:
            if not levels:
                ctx.err("'confidence.levels' is empty: give the scale's levels, highest first",
                        raw.line_of("levels"))
            parsed = {}
            for key, label in levels.items():
                if not is_id(key):
                    ctx.err(f"invalid confidence level key '{key}' (letters, digits, '.', '_', '-')",
                            levels.line_of(key))
                elif label is not None and not isinstance(label, str):
                    ctx.err(f"confidence level '{key}': the label must be text", levels.line_of(key))
                else:
                    parsed[key] = (label or key).strip() or key
            out["confidence_levels"] = MappingProxyType(parsed)
    return out


def parse_extra_labels(data: dict, ctx: Any) -> Mapping[str, str | None]:
    raw = ctx.mapping(data["extra_labels"], "extra_labels", data.line_of("extra_labels"))
    out: dict[str, str | None] = {}
    for key, label in (raw or {}).items():
        if label is False:
            out[str(key)] = None
        elif isinstance(label, str) and label.strip():
            out[str(key)] = label.strip()
        else:
            ctx.err(f"extra_labels: '{key}' needs a label (text) or false", raw.line_of(key))
    return MappingProxyType(out)
