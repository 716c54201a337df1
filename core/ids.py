"""The wire formats of ids, shared by every channel: the graph, the REST exports, webhook bodies.

A row id is only a canonical decimal in the database's integer range: '01', '²', '١' and
2147483648 are not, and they find nothing rather than reaching SQL (PostgreSQL's INTEGER would
refuse them with an error). A global ID is relay's ``base64("Type:id")``; a cursor is
``urlsafe_base64("id:<row id>")``. Nothing here knows GraphQL: ``core/graphql/base/inputs.py`` and
``core/graphql/base/pagination.py`` turn a bad value into an error for the client.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Mapping
from typing import TypeVar

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


def global_id(type_name: str, row: int) -> str:
    """Row ``row`` of ``type_name`` as a global ID, as ``Finding.id`` and ``node(id:)`` give it."""
    # base64.b64encode's own call, without its wrapper: 1,000 a page of findings.
    return binascii.b2a_base64(f"{type_name}:{row}".encode(), newline=False).decode()


def row_of_global_id(text: str, type_name: str) -> int | None:
    """The row id a global ID of ``type_name`` names, or None for anything else (another type's
    ID, a malformed one)."""
    try:
        decoded = base64.b64decode(text.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    prefix, separator, value = decoded.partition(":")
    return row_id(value) if separator and prefix == type_name else None


def encode_cursor(row: int) -> str:
    return base64.urlsafe_b64encode(f"id:{row}".encode()).decode()


def decode_cursor(cursor: str) -> int | None:
    """The row id a cursor from ``encode_cursor`` carries, or None if it is not such a cursor."""
    try:
        prefix, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return row_id(value) if prefix == "id" else None
