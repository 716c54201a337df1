"""The request tracker: every request of the framework issued to every agency it addresses, and
when each was answered."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from typing import Any

from core.synthetic.areas import Kid
from core.synthetic.catalogue import Catalogue
from core.synthetic.distributions import between
from core.timetable import due_at


def _received(
    rng: random.Random, due: dt.datetime, on_time: float, late: float
) -> dt.datetime | None:
    """When a request was answered: before its due time, after it, or (None) not yet."""
    draw = rng.random()
    if draw < on_time:
        return due - dt.timedelta(minutes=between(rng, 10, 60 * 30))
    if draw < on_time + late:
        return due + dt.timedelta(minutes=between(rng, 10, 60 * 48))
    return None


def _row(
    inspection_id: int, reference: str, agency_id: int, due: dt.datetime, child_id: int | None,
    issued: dt.datetime, received: dt.datetime | None,
) -> dict[str, Any]:  # fmt: skip
    return {
        "inspection_id": inspection_id,
        "reference": reference,
        "agency_id": agency_id,
        "child_id": child_id,
        "child_key": child_id or 0,
        "due_at": due,
        "issued_at": issued,
        "received_at": received,
    }


def area_requests(
    rng: random.Random,
    c: Catalogue,
    *,
    inspection_id: int,
    notified: dt.date,
    agencies: Sequence[tuple[int, str]],  # (id, kind)
    issued: dt.datetime,
) -> list[dict[str, Any]]:
    """Every once-per-area request, to every agency it addresses. Lists have all arrived (a
    tenth late); other requests mostly on time, some late, some still outstanding."""
    list_of = {reference: code for code, reference in c.list_requests.items()}
    rows = []
    for reference, kinds, deadline in c.area_requests:
        due = due_at(deadline, notified).astimezone(dt.UTC)
        for agency_id, kind in agencies:
            if kind in kinds:
                on_time, late = (0.9, 0.1) if reference in list_of else (0.8, 0.12)
                received = _received(rng, due, on_time, late)
                rows.append(_row(inspection_id, reference, agency_id, due, None, issued, received))
    return rows


def child_requests(
    rng: random.Random,
    c: Catalogue,
    *,
    inspection_id: int,
    notified: dt.date,
    agencies: Sequence[tuple[int, str]],  # (id, kind)
    tracked: Sequence[Kid],
    issued: dt.datetime,
) -> list[dict[str, Any]]:
    """The per-child requests (case files, joint evaluation, consent) for tracked children."""
    rows = []
    for kid in tracked:
        for reference, kinds, deadline in c.child_requests:
            due = due_at(deadline, notified).astimezone(dt.UTC)
            for agency_id, kind in agencies:
                if kind in kinds:
                    received = _received(rng, due, 0.8, 0.12)
                    rows.append(
                        _row(inspection_id, reference, agency_id, due, kid.id, issued, received)
                    )
    return rows
