"""Cursor connections with keyset pagination.

Cursors are opaque to clients (base64 of the row id, made by ``core/ids.py``); pages are cut in SQL
(rows after the cursor's row in the list's order, ``LIMIT n + 1``, by ``keyset_page``), so a page
costs the same however deep it is. ``first``/``after`` page forwards; ``last``/``before`` page
backwards: the same keyset in the reversed order, the rows turned round again in Python.
A list ordered by other columns names them in an ``Ordering``; the cursor still holds only the
row's id, and the seek reads the cursor row's values in a subquery.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

import strawberry
from sqlalchemy import ColumnElement, Select, and_, func, literal, or_, select
from sqlalchemy.orm import Session
from strawberry import relay

from core import ids
from core.graphql.base.errors import BadArgument
from core.graphql.base.rows import RowBuiltList
from core.ids import encode_cursor as encode_cursor  # re-exported for the graph's modules

NodeT = TypeVar("NodeT")
RowT = TypeVar("RowT")

DEFAULT_PAGE_SIZE = 50
"""The page size when a client gives neither ``first`` nor ``last`` (at most the maximum)."""

PAGING = (
    f"Pages forwards with `first`/`after` or backwards with `last`/`before` (not `first` and "
    f"`last` together); {DEFAULT_PAGE_SIZE} items a page unless asked, at most the server's "
    "`JTAI_MAX_PAGE_SIZE`."
)
"""Said in the description of every connection field that pages both ways."""


def decode_cursor(cursor: str, argument: str = "after") -> int:
    parsed = ids.decode_cursor(cursor)
    if parsed is None:
        raise BadArgument(
            f"{argument}: {cursor!r} is not a cursor this API issued. "
            + (
                "Pass the startCursor of the next page, or leave it out for the last page."
                if argument == "before"
                else "Pass the endCursor of the previous page, or leave it out for the first page."
            ),
            "BAD_CURSOR",
        )
    return parsed


def page_size(first: int | None, maximum: int, argument: str = "first") -> int:
    if first is None:
        return min(DEFAULT_PAGE_SIZE, maximum)
    if first < 0 or first > maximum:
        follow = "endCursor" if argument == "first" else "startCursor"
        raise BadArgument(
            f"{argument}: {first} is outside 0..{maximum}, the most one page holds "
            f"(setting JTAI_MAX_PAGE_SIZE). "
            f"Ask for at most {maximum} and follow pageInfo.{follow} for the rest.",
            "PAGE_SIZE_OUT_OF_RANGE",
        )
    return first


@dataclass(frozen=True, slots=True)
class PageArgs:
    """A page as asked: its size, the cursors' row ids, and whether it counts from the end."""

    limit: int
    after_id: int | None = None
    before_id: int | None = None
    backward: bool = False


def page_args(
    first: int | None, after: str | None, last: int | None, before: str | None, maximum: int
) -> PageArgs:
    """Check and decode the four connection arguments; ``first`` and ``last`` exclude each other."""
    if first is not None and last is not None:
        raise BadArgument(
            f"first: {first} and last: {last} were both given; give one of them. "
            "Use first (with after) to page forwards, last (with before) to page backwards."
        )
    backward = last is not None
    return PageArgs(
        limit=page_size(last, maximum, "last") if backward else page_size(first, maximum),
        after_id=decode_cursor(after) if after else None,
        before_id=decode_cursor(before, "before") if before else None,
        backward=backward,
    )


@dataclass(frozen=True, eq=False)  # its columns' == builds SQL: compare orderings by identity
class Ordering:
    """The order of a list: ``columns`` of ``model`` (each with ``descending``), then its id.

    The columns must not be null (the seek compares them). ``descending_id`` breaks ties."""

    model: Any
    columns: tuple[tuple[Any, bool], ...] = ()
    descending_id: bool = False

    @property
    def _keys(self) -> list[tuple[Any, bool]]:
        return [*self.columns, (self.model.id, self.descending_id)]

    def order_by(self, reverse: bool = False) -> list[ColumnElement[Any]]:
        return [
            column.desc() if descending != reverse else column.asc()
            for column, descending in self._keys
        ]

    def after(self, cursor_id: int, reverse: bool = False) -> ColumnElement[bool]:
        """Rows strictly after the cursor's row in this order (before it when ``reverse``)."""
        terms: list[ColumnElement[bool]] = []
        equal: list[ColumnElement[bool]] = []
        for column, descending in self._keys:
            if column is self.model.id:
                value: Any = cursor_id
            else:
                value = select(column).where(self.model.id == cursor_id).scalar_subquery()
            later = column < value if descending != reverse else column > value
            terms.append(and_(*equal, later))
            equal.append(column == value)
        return or_(*terms)

    def window(self, args: PageArgs) -> list[ColumnElement[bool]]:
        """The filters that keep the rows between the cursors."""
        filters = []
        if args.after_id is not None:
            filters.append(self.after(args.after_id))
        if args.before_id is not None:
            filters.append(self.after(args.before_id, reverse=True))
        return filters

    def outside_counts(self, args: PageArgs) -> list[ColumnElement[int]]:
        """Two counts for one count statement: rows up to ``after`` and rows from ``before``
        (zero without the cursor), which say exactly whether earlier or later pages exist."""
        up_to_after = (
            func.count().filter(~self.after(args.after_id))
            if args.after_id is not None
            else literal(0)
        )
        from_before = (
            func.count().filter(~self.after(args.before_id, reverse=True))
            if args.before_id is not None
            else literal(0)
        )
        return [up_to_after, from_before]


@strawberry.type(description="An item of a page, with the cursor to continue after it.")
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


def _edges(root: Any) -> list[Edge[Any]]:
    return [
        Edge(cursor=encode_cursor(row_id), node=node)
        for row_id, node in zip(root.row_ids, root.items, strict=True)
    ]


@strawberry.type(description="A page of a list that can grow; follow `pageInfo` for the next.")
class Connection(Generic[NodeT]):
    # Edges are made only when asked for: most clients read `nodes`, and a page of 1,000 nodes
    # can be answered straight from its rows (a RowBuiltList) without making the nodes at all.
    edges: list[Edge[NodeT]] = strawberry.field(resolver=_edges)
    page_info: relay.PageInfo
    total_count: int = strawberry.field(description="How many items the whole list holds.")
    items: strawberry.Private[Iterable[Any]]  # the page's nodes, a list or a RowBuiltList
    row_ids: strawberry.Private[Sequence[int]]  # each node's cursor position, in order

    @strawberry.field(description="The items of this page, without their cursors.")
    def nodes(self) -> list[NodeT]:
        return cast(list[NodeT], self.items)


def _connection(
    items: Iterable[Any], row_ids: Sequence[int], total: int, has_next: bool, has_previous: bool
) -> Connection[Any]:
    return Connection(
        page_info=relay.PageInfo(
            has_next_page=has_next,
            has_previous_page=has_previous,
            start_cursor=encode_cursor(row_ids[0]) if row_ids else None,
            end_cursor=encode_cursor(row_ids[-1]) if row_ids else None,
        ),
        total_count=total,
        items=items,
        row_ids=row_ids,
    )


def row_built_connection(
    nodes: RowBuiltList, row_ids: Sequence[int], total: int, has_next: bool, has_previous: bool
) -> Connection[Any]:
    """A page whose nodes the executor may answer straight from their rows (``nodes`` are
    the page's, without the extra row; ``row_ids`` their cursor positions)."""
    return _connection(nodes, row_ids, total, has_next, has_previous)


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
    nodes = [to_node(r) for r in page]
    return _connection(nodes, [row_id(r) for r in page], total, len(rows) > limit, has_previous)


def page_connection(
    rows: Sequence[RowT],
    args: PageArgs,
    counts: Sequence[int],
    row_id: Callable[[RowT], int],
    to_node: Callable[[RowT], NodeT],
) -> Connection[NodeT]:
    """``rows`` is what SQL returned for ``LIMIT limit + 1`` in the page's direction (reversed
    order when ``args.backward``); ``counts`` are the total and the two ``outside_counts``."""
    total, up_to_after, from_before = counts
    more = len(rows) > args.limit
    page = list(rows[: args.limit])
    if args.backward:
        page.reverse()
    return _connection(
        [to_node(r) for r in page],
        [row_id(r) for r in page],
        total,
        (more and not args.backward) or from_before > 0,
        (more and args.backward) or up_to_after > 0,
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
    ordering: Ordering,
    args: PageArgs,
    to_node: Callable[..., NodeT],
) -> Connection[NodeT]:
    """One page of ``statement``, cut in SQL between the cursors' rows in ``ordering``,
    ``LIMIT limit + 1`` (from the end when ``args.backward``); then ``total`` (a
    ``select(func.count())`` of the whole list) counts it, in the same statement as the rows
    outside the cursors.

    ``statement`` selects the paged row first (its ``id`` makes the cursors) and has no order or
    limit; ``to_node`` receives the selected columns."""
    window = ordering.window(args)
    statement = (
        statement.where(*window)
        .order_by(*ordering.order_by(reverse=args.backward))
        .limit(args.limit + 1)
    )
    rows = session.execute(statement).all()
    counted = session.execute(total.add_columns(*ordering.outside_counts(args))).one()
    return page_connection(
        rows,
        args,
        [int(n or 0) for n in counted],
        lambda row: row[0].id,
        lambda row: to_node(*row),
    )
