"""Global IDs given as input: ``node_id`` turns one of the wrong type, or naming no row, into an
error naming the field. The formats themselves are ``core/ids.py``'s, re-exported here for the
graph's modules.
"""

from __future__ import annotations

from collections.abc import Sequence

from strawberry import relay

from core.graphql.base.errors import MutationFailed, invalid_id
from core.ids import MAX_ROW_ID, in_order, row_id, row_ids

__all__ = ["MAX_ROW_ID", "in_order", "node_id", "node_ids", "row_id", "row_ids"]


def node_id(field: str, value: relay.GlobalID, *type_names: str) -> int:
    """The row id of a global ID given as input, which must be of one of ``type_names``."""
    parsed = row_id(value.node_id) if value.type_name in type_names else None
    if parsed is None:
        expected = " or ".join(type_names)
        raise MutationFailed(
            invalid_id(
                field, f"{str(value)!r} is not the ID of a {expected}. Pass a {expected}.id."
            )
        )
    return parsed


def node_ids(field: str, values: Sequence[relay.GlobalID], *type_names: str) -> list[int]:
    """The row ids of a list of global IDs given as input; a bad one is named ``field[index]``."""
    return [node_id(f"{field}[{i}]", value, *type_names) for i, value in enumerate(values)]
