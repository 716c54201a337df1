"""Cursor connections with keyset pagination on the primary key.

Cursors are opaque to clients (base64 of the row id, made by ``core/ids.py``); pages are cut in SQL
(``id > after``, ``LIMIT first + 1``, by ``keyset_page``), so a page costs the same however deep
it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import strawberry
from sqlalchemy import ColumnElement, Select
from sqlalchemy.orm import InstrumentedAttribute, Session
from strawberry import relay

from core import ids
from core.graphql.base.errors import BadArgument
from core.ids import encode_cursor as encode_cursor  # re-exported for the graph's modules

NodeT = TypeVar("NodeT")
RowT = TypeVar("RowT")

DEFAULT_PAGE_SIZE = 50


def decode_cursor(cursor: str, argument: str = "after") -> int:
    parsed = ids.decode_cursor(cursor)
    if parsed is None:
        raise BadArgument(
            f"{argument}: {cursor!r} is not a cursor this API issued. "
            "Pass the endCursor of the previous page, or leave it out for the first page.",
            "BAD_CURSOR",
        )
    return parsed


def page_size(first: int | None, maximum: int) -> int:
    if first is None:
        return min(DEFAULT_PAGE_SIZE, maximum)
    if first < 0 or first > maximum:
        raise BadArgument(
            f"first: {first} is outside 0..{maximum}, the most one page holds (setting "
            f"JTAI_MAX_PAGE_SIZE). Ask for at most {maximum} and follow pageInfo.endCursor for "
            "the rest.",
            "PAGE_SIZE_OUT_OF_RANGE",
        )
    return first


@strawberry.type(description="An item of a page, with the cursor to continue after it.")
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


@strawberry.type(description="A page of a list that can grow; follow `pageInfo` for the next.")
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: relay.PageInfo
    total_count: int = strawberry.field(description="How many items the whole list holds.")

    @strawberry.field(description="The items of this page, without their cursors.")
    def nodes(self) -> list[NodeT]:
        return [edge.node for edge in self.edges]


def make_connection(
    rows: Sequence[RowT],
    limit: int,
    total: int,
    row_id: Callable[[RowT], int],
    to_node: Callable[[RowT], NodeT],
    has_previous: bool,
) -> Connection[NodeT]:
    """``rows`` is what SQL returned for ``LIMIT limit + 1``: one more row means another page."""
    page = list(rows[:limit])
    edges = [Edge(cursor=encode_cursor(row_id(r)), node=to_node(r)) for r in page]
    return Connection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=len(rows) > limit,
            has_previous_page=has_previous,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=total,
    )


def sequence_page(
    items: Sequence[RowT],
    first: int | None,
    after: str | None,
    maximum: int,
    to_node: Callable[[RowT], NodeT],
) -> Connection[NodeT]:
    """A page of a list held in memory; its cursors are positions (1 for the first item), so
    the same list in the same order pages the same way in another request."""
    limit = page_size(first, maximum)
    start = decode_cursor(after) if after else 0
    window = list(enumerate(items[start : start + limit + 1], start + 1))
    return make_connection(
        window,
        limit,
        len(items),
        lambda item: item[0],
        lambda item: to_node(item[1]),
        after is not None,
    )


def keyset_page(
    session: Session,
    statement: Select[*tuple[Any, ...]],
    total: Select[*tuple[Any, ...]],
    *,
    key: InstrumentedAttribute[int],
    first: int | None,
    after: str | None,
    maximum: int,
    to_node: Callable[..., NodeT],
    descending: bool = False,
    order: Sequence[InstrumentedAttribute[Any] | ColumnElement[Any]] = (),
    seek: Callable[[int], Sequence[ColumnElement[bool]]] | None = None,
) -> Connection[NodeT]:
    """One page of ``statement``, cut in SQL after the cursor's row: ``key > after`` (``<`` when
    ``descending``), ``LIMIT first + 1``, then ``total`` counts the whole list.

    ``statement`` selects the paged row first (its ``id`` makes the cursors) and has no order or
    limit; ``to_node`` receives the selected columns. A list ordered by other columns before the
    key names them in ``order`` and gives ``seek``, the filter for rows after a given id."""
    limit = page_size(first, maximum)
    if after:
        after_id = decode_cursor(after)
        if seek is not None:
            statement = statement.where(*seek(after_id))
        else:
            statement = statement.where(key < after_id if descending else key > after_id)
    statement = statement.order_by(*order, key.desc() if descending else key).limit(limit + 1)
    rows = session.execute(statement).all()
    count = session.scalar(total)
    return make_connection(
        rows, limit, count or 0, lambda row: row[0].id, lambda row: to_node(*row), after is not None
    )
