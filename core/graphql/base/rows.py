"""A list a resolver returns that the executor may answer straight from its rows.

Defined in the base layer so that pagination and the types can return one; the executor
(core/graphql/execution.py) is what reads it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar


class RowBuiltList(ABC):
    """What a resolver returns in place of a list of nodes when it can answer plain selections
    on them straight from its rows, without making the nodes (a page of 1,000 findings).

    For a selection of plain fields on ``node_type`` whose every top-level field ``reading``
    knows, the executor compiles one builder per selection (cached like the others) that makes
    each item's result from a row and this list in one call; anything else, and any row that is
    not the plain case, gets ``nodes()``, completed by graphql-core as before. A reading must
    give exactly the value the node's attribute would hold (tests/core/test_execution.py runs
    both). Iterating it yields the nodes, so any other executor sees an ordinary list.
    """

    node_type: ClassVar[type]
    rows: Sequence[Any]

    @classmethod
    @abstractmethod
    def reading(cls, attribute: str) -> str | None:
        """A Python expression of the node's ``attribute`` from the row ``v`` and this list
        ``p``, or None if it cannot be read from a row."""

    @abstractmethod
    def nodes(self) -> list[Any]:
        """The nodes themselves (the same on every call)."""

    def __iter__(self) -> Iterator[Any]:
        return iter(self.nodes())

    def __len__(self) -> int:
        return len(self.rows)
