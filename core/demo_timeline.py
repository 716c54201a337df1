"""The demo inspection part way through its three weeks, so every part of the lead inspector's
dashboard has something to show (``jtai demo``, ``jtai serve --demo``, ``python3 dev.py serve``).

The area was notified ``DEMO_WORKING_DAY`` working days before today (England's bank holidays
counted, ``core.timetable``), so what is late is late by construction, not by the day the demo
happens to be loaded:

- every once-per-area request of the framework is issued (``core.workflow.requests``); the Annex A
  lists of children in need, on plans, and the sampling lists are uploaded through the real list
  reader and recorder (the rows drawn by ``core.synthetic``, from the registry's list specs and
  code sets), one of them after its deadline; the selected-children and meetings lists are not,
  so they are overdue;
- of the other requests now due, most were received on time, every sixth late and every sixth
  is overdue (the demo records when a request was received, not a document's bytes);
- the lead selected 20 children flagged for domestic abuse from those lists and named 6 of them
  for tracking, which issued their case-file requests (some due already, some still to come);
- then ``core.demo_findings``: final evidence from each inspectorate, findings agreed by all and
  published, and the published letter.

Everything comes from the registry: which requests exist, which lists they ask for, who they are
addressed to. Nothing names a plugin.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.demo import DemoInspection, load_demo
from core.demo_findings import load_demo_findings
from core.lists import read_list
from core.models import Child, Inspection, Inspector, IssuedRequest, utc_now
from core.registry import Registry
from core.synthetic.areas import Area
from core.synthetic.catalogue import read_catalogue
from core.synthetic.distributions import MINIMUM_ROWS
from core.synthetic.lists import list_csv
from core.timetable import WorkingCalendar
from core.viewer import Role, Viewer
from core.workflow import selection as sel
from core.workflow.lists import accept_list
from core.workflow.requests import issue_area_requests

DEMO_WORKING_DAY = 6  # today is this working day after notification: week 2, lists all due
DEMO_SELECTED = 20
DEMO_TRACKED = 6
SEED = "jtai-demo:northvale"


@dataclass(frozen=True, slots=True)
class DemoWeeks:
    """What loading the demo did (zeros when it was there already)."""

    demo: DemoInspection
    requests: int
    lists: int
    selected: int
    tracked: int
    findings: int


def demo_notification(today: dt.date, calendar: WorkingCalendar | None = None) -> dt.date:
    """The working day ``DEMO_WORKING_DAY`` working days before ``today``."""
    calendar = calendar or WorkingCalendar()
    day, counted = today, 0
    while counted < DEMO_WORKING_DAY:
        day -= dt.timedelta(days=1)
        counted += calendar.is_working_day(day)
    return day


def load_demo_weeks(
    session: Session,
    registry: Registry,
    *,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
) -> DemoWeeks:
    """Load the demo inspection as it stands ``DEMO_WORKING_DAY`` working days after notification
    (see the module docstring); idempotent: a demo loaded already is left as it is."""
    now = now or utc_now()
    notified = demo_notification(today or now.date())
    demo = load_demo(session, notified=notified)
    inspection = session.get(Inspection, demo.inspection_id)
    assert inspection is not None
    if not demo.created:  # loaded before: left as it is (its findings added if missing)
        return DemoWeeks(demo, 0, 0, 0, 0, load_demo_findings(session, registry, demo, now))
    lead_inspector = session.get(Inspector, demo.lead_inspector_id)
    assert lead_inspector is not None
    lead = Viewer(
        role=Role.INSPECTOR,
        inspector_id=lead_inspector.id,
        inspectorate=lead_inspector.inspectorate,
    )
    issued = issue_area_requests(session, registry, inspection)
    lists = _upload_lists(session, registry, inspection, issued, now)
    framework = inspection.framework
    _receive(
        [
            r
            for r in issued
            if r.received_at is None and not _asks_for_a_list(registry, framework, r)
        ],
        now,
    )
    selected = _select(session, registry, lead, inspection, now)
    tracked = selected[:DEMO_TRACKED]
    sel.track_children(session, registry, lead, inspection.id, tracked, now)
    per_child = session.scalars(
        select(IssuedRequest)
        .where(IssuedRequest.inspection_id == inspection.id, IssuedRequest.child_id.is_not(None))
        .order_by(IssuedRequest.due_at, IssuedRequest.id)
    ).all()
    _receive(list(per_child), now)
    session.flush()
    findings = load_demo_findings(session, registry, demo, now)
    return DemoWeeks(demo, len(issued), lists, len(selected), len(tracked), findings)


def _asks_for_a_list(registry: Registry, framework: str, request: IssuedRequest) -> bool:
    asked = registry.document_request(framework, request.reference)
    return asked is not None and asked.item.list_spec is not None


def _upload_lists(
    session: Session,
    registry: Registry,
    inspection: Inspection,
    issued: list[IssuedRequest],
    now: dt.datetime,
) -> int:
    """Upload the lists the lead selects and samples from, through the real reader."""
    catalogue = read_catalogue(registry, inspection.framework)
    area = Area(catalogue, random.Random(SEED), inspection.notification_date, dict(MINIMUM_ROWS))
    area.draw_children()
    code_sets = {code_set.code: code_set for code_set in registry.code_sets}
    uploaded = 0
    sampling = sel.sampling_lists(registry, inspection.framework)
    wanted = {
        *(spec.code for spec in sel.selection_lists(registry, inspection.framework)),
        *sampling,
    }
    late_list = sampling[0] if sampling else None  # the one list the area sent after its deadline
    for request in sorted(issued, key=lambda r: (r.due_at, r.reference)):
        asked = registry.document_request(inspection.framework, request.reference)
        spec = asked.item.list_spec if asked is not None else None
        if spec is None or spec.code not in wanted:
            continue
        data = list_csv(spec, [area.values(spec.code, kid) for kid in area.members[spec.code]])
        filename = f"northvale-{spec.code}.csv"
        result = read_list(data, filename, spec, code_sets, as_of=inspection.notification_date)
        assert result.accepted, f"the demo's {spec.code} list was refused: {result.errors[:3]}"
        late = spec.code == late_list
        accept_list(
            session,
            request.id,
            spec,
            result,
            filename=filename,
            sha256=hashlib.sha256(data).hexdigest(),
            received_at=_received_at(request.due_at, now, late=late),
        )
        uploaded += 1
    return uploaded


def _received_at(due: dt.datetime, now: dt.datetime, *, late: bool) -> dt.datetime:
    when = due + dt.timedelta(hours=2) if late else due - dt.timedelta(hours=3)
    return min(when, now - dt.timedelta(minutes=5))


def _receive(requests: list[IssuedRequest], now: dt.datetime) -> None:
    """Of the requests due by now: every sixth overdue, every sixth received late, the rest on
    time; of those not due yet, every third received early."""
    due = [r for r in requests if r.due_at < now]
    for number, request in enumerate(due):
        if number % 6 == 0:
            continue  # overdue
        request.received_at = _received_at(request.due_at, now, late=number % 6 == 1)
    for number, request in enumerate(r for r in requests if r.due_at >= now):
        if number % 3 == 0:
            request.received_at = now - dt.timedelta(hours=1)


def _select(
    session: Session,
    registry: Registry,
    lead: Viewer,
    inspection: Inspection,
    now: dt.datetime,
) -> list[int]:
    """The first 20 children (by local ID) that the selection rules allow."""
    memberships = sel.selection_memberships(session, registry, inspection)
    children = session.scalars(
        select(Child).where(Child.id.in_(list(memberships))).order_by(Child.local_id)
    ).all()
    allowed = [
        child.id
        for child in children
        if not sel.child_problems(registry, inspection, child, memberships[child.id], "childIds")
    ][:DEMO_SELECTED]
    sel.select_children(session, registry, lead, inspection.id, allowed, now=now)
    return allowed
