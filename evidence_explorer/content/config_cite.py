"""The settings of ``site.yaml`` that say how others may reuse and cite the evidence base: its
licence and its citation. ``ctx`` is :mod:`.config`'s checking context (``mapping``, ``keys``,
``text``, ``err``)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

LICENCE_KEYS = ("licence", "license")
"""Both spellings are accepted (one of them per site.yaml)."""
CITATION_KEYS = ("authors", "organisation", "year", "version", "date")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Licence:
    """The licence of the evidence base's content and data, as site.yaml states it."""

    name: str
    url: str | None = None


@dataclass(frozen=True)
class Citation:
    """How to cite the evidence base: who made it, when, which version (each part optional)."""

    authors: tuple[str, ...] = ()
    organisation: str | None = None
    year: str | None = None
    version: str | None = None
    date: str | None = None
    """``YYYY-MM-DD``: the date cited when the content is not in git (git's last commit wins)."""


def _url(value: Any, name: str, line: int | None, ctx: Any) -> str | None:
    text = ctx.text(value, name, line)
    if text is not None and not text.startswith(("https://", "http://")):
        ctx.err(f"'{name}' must be an http(s) address, got '{text}'", line)
        return None
    return text


def parse_licence(data: dict, ctx: Any) -> Licence | None:
    """``licence: NAME`` or ``licence: {name, url}`` (or ``license``) → :class:`Licence`."""
    present = [k for k in LICENCE_KEYS if k in data]
    if len(present) > 1:
        ctx.err("give 'licence' or 'license', not both", data.line_of(present[1]))
    key = present[0]
    raw, line = data[key], data.line_of(key)
    if isinstance(raw, str):
        name = ctx.text(raw, key, line)
        return Licence(name) if name else None
    raw = ctx.mapping(raw, key, line)
    if raw is None:
        return None
    ctx.keys(raw, ("name", "url"), key)
    if "name" not in raw:
        ctx.err(f"'{key}' needs a 'name' (e.g. CC BY 4.0)", line, "config.required")
        return None
    name = ctx.text(raw["name"], f"{key}.name", raw.line_of("name"))
    url = _url(raw["url"], f"{key}.url", raw.line_of("url"), ctx) if "url" in raw else None
    return Licence(name, url) if name else None


def parse_citation(data: dict, ctx: Any) -> Citation | None:
    """``citation: {authors, organisation, year, version, date}`` → :class:`Citation`."""
    raw = ctx.mapping(data["citation"], "citation", data.line_of("citation"))
    if raw is None:
        return None
    ctx.keys(raw, CITATION_KEYS, "citation")
    out: dict[str, Any] = {}
    if "authors" in raw:
        items = raw["authors"] if isinstance(raw["authors"], list) else [raw["authors"]]
        names = [ctx.text(a, "citation.authors", raw.line_of("authors")) for a in items]
        out["authors"] = tuple(n for n in names if n)
    for key in ("organisation", "year", "version", "date"):
        if key in raw and raw[key] is not None:
            value = raw[key]
            value = str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value
            out[key] = ctx.text(value, f"citation.{key}", raw.line_of(key))
    if out.get("year") and not re.fullmatch(r"\d{4}", out["year"]):
        ctx.err(f"'citation.year' must be a year like 2024, got '{out['year']}'", raw.line_of("year"))
    if out.get("date") and not DATE.fullmatch(out["date"]):
        ctx.err(f"'citation.date' must be a date like 2024-05-31, got '{out['date']}'", raw.line_of("date"))
    return Citation(**out)
