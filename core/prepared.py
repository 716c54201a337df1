"""Statements built once per process, with the viewer's ids and the request's values bound when
they run.

Building a SELECT (its clauses, the ``core.access`` rule's subqueries) and then its cache key
costs SQLAlchemy ~0.1-0.2 ms each time, and the lead inspector's dashboard ran ~14 of them per
request, each built afresh (BENCHMARKS.md, 4 December 2026). A statement here is built the first
time its name is asked for with a viewer of a given shape (role, and which of its ids are set):
the access rule is built for a stand-in viewer whose ids are bound parameters
(``VIEWER_INSPECTOR`` and the others), so the same rule's SQL is reused for every viewer of that
shape, and each execution passes the real values (:func:`viewer_values`). SQLAlchemy memoises a
statement's cache key on the object, so a reused statement is neither built nor keyed again.

Whatever else a statement depends on must be a bound parameter or part of its name: the name is
the whole cache key besides the viewer's shape.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

from sqlalchemy import Integer, bindparam

from core.viewer import Viewer

VIEWER_INSPECTOR = "viewer_inspector_id"
VIEWER_AREA = "viewer_area_id"
VIEWER_AGENCY = "viewer_agency_id"

StatementT = TypeVar("StatementT")

_built: dict[Hashable, Any] = {}
_building = threading.Lock()  # requests run in worker threads


def _shape(viewer: Viewer) -> tuple[Any, ...]:
    """What the access rules branch on: the role and which ids the viewer has."""
    return (
        viewer.role,
        viewer.inspector_id is None,
        viewer.area_id is None,
        viewer.agency_id is None,
    )


def _stand_in(viewer: Viewer) -> Viewer:
    """The viewer with a bound parameter in place of each id it has (``core.access`` only
    compares them and tests them against None)."""

    def bound(name: str, value: int | None) -> int | None:
        return None if value is None else cast(int, bindparam(name, type_=Integer))

    return Viewer(
        role=viewer.role,
        inspector_id=bound(VIEWER_INSPECTOR, viewer.inspector_id),
        area_id=bound(VIEWER_AREA, viewer.area_id),
        agency_id=bound(VIEWER_AGENCY, viewer.agency_id),
    )


def viewer_values(viewer: Viewer) -> dict[str, int | None]:
    """The values of the viewer's bound parameters, for every execution of a prepared statement."""
    return {
        VIEWER_INSPECTOR: viewer.inspector_id,
        VIEWER_AREA: viewer.area_id,
        VIEWER_AGENCY: viewer.agency_id,
    }


def prepared(name: Hashable, viewer: Viewer, build: Callable[[Viewer], StatementT]) -> StatementT:
    """The statement ``build`` makes for viewers shaped like ``viewer``, built on first use.

    ``build`` receives the stand-in viewer: hand it to the ``core.access`` rules, and bind
    every other value the statement needs by name (``bindparam``)."""
    key = (name, _shape(viewer))
    found = _built.get(key)
    if found is None:
        made = build(_stand_in(viewer))
        with _building:
            found = _built.setdefault(key, made)
    return cast(StatementT, found)
