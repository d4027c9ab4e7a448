"""Spreadsheet-formula protection for CSV cells (OWASP "CSV injection").

A cell that starts with ``= + - @``, a tab or a carriage return is run as a
formula by Excel and LibreOffice; exported cells get a leading apostrophe, and
imports remove it again, so a round trip is lossless.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def protect(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return "'" + value
    return value


def unprotect(value: str) -> str:
    if value.startswith("'") and value[1:2] and value[1:].startswith(TRIGGERS):
        return value[1:]
    return value


def protect_row(row: Mapping[str, Any]) -> dict[str, Any]:
    return {key: protect(value) for key, value in row.items()}


def protect_cells(values: Iterable[Any]) -> list[Any]:
    """:func:`protect` for every cell of a row (one comprehension: exports write a million cells)."""
    return ["'" + v if isinstance(v, str) and v.startswith(TRIGGERS) else v for v in values]
