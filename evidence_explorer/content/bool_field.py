"""Yes/no field types of the content format (beside :mod:`.schema`'s text, ids, numbers and records)."""
from __future__ import annotations

from .fields import FieldError, Spec
from .textsafe import describe


class Bool(Spec):
    """true or false, as YAML writes them (not 'yes', not 1)."""

    type_name = "true or false"

    def parse(self, value, name, line):
        if not isinstance(value, bool):
            raise FieldError(f"'{name}' must be true or false, got {describe(value)}", line)
        return value

    def json_schema(self):
        return {"type": "boolean"}
