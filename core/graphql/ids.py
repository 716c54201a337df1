"""Row ids out of global IDs and cursors: one parser, so that every field reads them alike.

Only a canonical decimal in the database's integer range is a row id: '01', '²', '١' and
2147483648 are not, and they find nothing rather than reaching SQL (PostgreSQL's INTEGER would
refuse them with an error).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TypeVar

from strawberry import relay

from core.graphql.errors import MutationFailed, invalid

MAX_ROW_ID = 2**31 - 1  # the largest PostgreSQL INTEGER
_CANONICAL = re.compile(r"[1-9][0-9]{0,9}")

T = TypeVar("T")


def row_id(text: str) -> int | None:
    """The row id ``text`` names, or None if it names no row that can exist."""
    if not _CANONICAL.fullmatch(text):
        return None
    value = int(text)
    return value if value <= MAX_ROW_ID else None


def row_ids(node_ids: Iterable[str]) -> list[int]:
    return [i for i in (row_id(text) for text in node_ids) if i is not None]


def in_order(node_ids: Iterable[str], found: Mapping[int, T]) -> list[T | None]:
    """``found`` rows in the order of ``node_ids``, None where a row is missing or unseen."""
    results: list[T | None] = []
    for text in node_ids:
        value = row_id(text)
        results.append(found.get(value) if value is not None else None)
    return results


def node_id(field: str, value: relay.GlobalID, *type_names: str) -> int:
    """The row id of a global ID given as input, which must be of one of ``type_names``."""
    parsed = row_id(value.node_id) if value.type_name in type_names else None
    if parsed is None:
        expected = " or ".join(type_names)
        raise MutationFailed(
            invalid(field, f"{str(value)!r} is not the ID of a {expected}. Pass a {expected}.id.")
        )
    return parsed
