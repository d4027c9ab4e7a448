"""Calendar-date field type of the content format (beside :mod:`.fields`' text, ids, numbers and records)."""
from __future__ import annotations

import re
from datetime import date

from .fields import FieldError, Spec
from .textsafe import describe

DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(value: str) -> str | None:
    """``value`` when it is a real calendar date written YYYY-MM-DD, else None."""
    text = value.strip()
    if not DATE_PATTERN.match(text):
        return None
    try:
        date.fromisoformat(text)
    except ValueError:
        return None
    return text


class Date(Spec):
    """A calendar date, YYYY-MM-DD (kept as that text: the loader never makes dates)."""

    type_name = "date (YYYY-MM-DD)"

    def parse(self, value, name, line):
        if not isinstance(value, str) or parse_date(value) is None:
            raise FieldError(f"'{name}' must be a date written YYYY-MM-DD, e.g. 2026-11-02; got {describe(value)}",
                             line, "schema.format")
        return value.strip()

    def json_schema(self):
        return {"type": "string", "pattern": DATE_PATTERN.pattern, "format": "date"}

    def example(self) -> str:
        return "2026-01-31"
