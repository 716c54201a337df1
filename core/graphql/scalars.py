"""strawberry's ``Date`` and ``DateTime`` scalars, refusing dates outside ``core.dates``' range.

The check is in the scalars, so every argument and input field of either type (core's and the
plugins' generated forms alike) is refused during variable and literal coercion, before any
resolver runs: the error names the value, the range and (for a variable) the path to the field.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.schema.types.base_scalars import DateDefinition, DateTimeDefinition
from strawberry.types.scalar import ScalarDefinition

from core.dates import DateOutOfRange, in_range


def _in_range(definition: ScalarDefinition) -> ScalarDefinition:
    parse: Callable[[object], object] | None = definition.parse_value
    assert parse is not None

    def parse_in_range(value: object) -> object:
        parsed = parse(value)  # strawberry's own errors for what is not a date at all
        try:
            return in_range(parsed) if isinstance(parsed, dt.date) else parsed
        except DateOutOfRange as error:
            raise StrawberryInputCoercionError(
                f'Value cannot represent a {definition.name}: "{value}". {error}'
            ) from None

    return dataclasses.replace(definition, parse_value=parse_in_range)


SCALAR_OVERRIDES: dict[object, ScalarDefinition] = {
    dt.date: _in_range(DateDefinition),
    dt.datetime: _in_range(DateTimeDefinition),
}
