"""Choosing children: the (up to) 20 selected, the 5-7 tracked and the sampled (suggestions for
the 20: core.workflow.sampling; ages and the age scope: core.workflow.ages).

The guidance (seed 003 paragraphs 2 and 10-15; DOMAIN.md sections 3, 4 and 6):

- By midday on day one the lead inspector selects 20 children living with domestic abuse from the
  local authority's lists of children in need and children on a child protection plan. Here: at
  most 20 (rule 'twenty children'); each on one of those two lists (rule 'on a selection list')
  and flagged 'living or has lived with domestic abuse: Y' on it (rule 'living with domestic
  abuse'); and within the framework's age scope at the notification date (rule 'age scope': da-2024
  is unborn children and children aged 0 to 7; da-2016 has no bound). Selecting after the
  'select-children' milestone is allowed and recorded as late.
- By the end of day two the lead inspector names five to seven of them for the partnership to
  evaluate jointly: tracked children (rules 'tracked from the twenty', 'five to seven tracked'; late
  after 'name-tracked-children'). Tracking a child issues its per-child requests (case files, the
  joint evaluation, consent) at once.
- Inspectors on the team sample more children from the five child-level lists (para 15).

Lists are read from the rows of the latest accepted upload of each list (a new upload replaces the
list); the extra fields of a selected child from its latest row on the 'selected-children' list,
whichever upload brought it. List codes are those of the lead inspectorate's list specifications.
Every function here checks who is asking, raises :class:`~core.workflow.rules.Refused` with every
problem before writing anything, and leaves the transaction to its caller.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import events
from core.contributions import FieldRole, ListRole, ListSpec, MilestoneRole, RequestRole
from core.events import EventKind
from core.models import (
    Child,
    ChildSelection,
    Inspection,
    ListRow,
    ListUpload,
    Untracking,
    utc_now,
)
from core.registry import Registry, field_with_role
from core.timetable import due_at
from core.viewer import Viewer
from core.workflow.ages import age_scope_problem, birth_of
from core.workflow.requests import (
    cancel_child_requests,
    issue_child_requests,
    reinstate_child_requests,
)
from core.workflow.rules import (
    Problem,
    Refused,
    Rule,
    children_of,
    clean_text,
    invalid,
    not_allowed,
    on_team,
    refuse_if,
    require_lead,
    viewer_name,
    visible_inspection,
)

MAX_SELECTED = 20
MIN_TRACKED = 5
MAX_TRACKED = 7
MAX_REASON = 1000


# --- The lists and milestones core relies on, by role (core/contributions.py) ---------------------
# One function per role: every other module asks these, never a plugin's codes.


def selection_lists(registry: Registry, framework: str) -> tuple[ListSpec, ...]:
    """The lists the 20 children are selected from (role SELECTION), in request order."""
    return registry.lists_with_role(framework, ListRole.SELECTION)


def sampling_lists(registry: Registry, framework: str) -> tuple[str, ...]:
    """The codes of the child-level lists children are sampled from (role SAMPLING)."""
    return tuple(s.code for s in registry.lists_with_role(framework, ListRole.SAMPLING))


def selected_child_details(registry: Registry, framework: str) -> str | None:
    """The code of the list with more on each selected child (role SELECTED_CHILD_DETAILS)."""
    spec = registry.list_with_role(framework, ListRole.SELECTED_CHILD_DETAILS)
    return spec.code if spec else None


def domestic_abuse_fields(registry: Registry, framework: str) -> dict[str, str]:
    """For each selection list's code, the name of its field flagging domestic abuse."""
    return {
        spec.code: field.name
        for spec in selection_lists(registry, framework)
        if (field := field_with_role(spec, FieldRole.DOMESTIC_ABUSE_FLAG)) is not None
    }


class Kind(StrEnum):
    """What a ChildSelection row records. A tracked child keeps its 'selected' row."""

    SELECTED = "selected"
    TRACKED = "tracked"
    SAMPLED = "sampled"


# --- Reading the lists ----------------------------------------------------------------------------


def current_rows(
    session: Session,
    inspection_id: int,
    list_codes: Iterable[str],
    child_ids: Iterable[int] | None = None,
) -> list[ListRow]:
    """The rows of the latest accepted upload of each list (a new upload replaces the list)."""
    latest = (
        select(func.max(ListUpload.id))
        .where(ListUpload.inspection_id == inspection_id, ListUpload.list_code.in_(list_codes))
        .group_by(ListUpload.list_code)
    )
    statement = select(ListRow).where(
        ListRow.inspection_id == inspection_id, ListRow.upload_id.in_(latest)
    )
    if child_ids is not None:
        statement = statement.where(ListRow.child_id.in_(list(child_ids)))
    return list(session.scalars(statement.order_by(ListRow.id)))


def is_yes(value: Any) -> bool:
    """A yes/no list value as imported (a bool) or as written ('Y', 'yes')."""
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.strip().lower() in ("y", "yes", "true")


@dataclass(frozen=True, slots=True)
class Membership:
    """A child's rows on the selection lists: which lists, and whether any flags domestic abuse.

    ``list_title`` is the title of the first of the framework's selection lists (in request
    reference order) the child is on: under da-2016 a child on both counts as on a child
    protection plan, the closer support.
    """

    lists: frozenset[str]
    domestic_abuse: bool
    rows: tuple[ListRow, ...]
    list_title: str = ""


def selection_memberships(
    session: Session,
    registry: Registry,
    inspection: Inspection,
    child_ids: Iterable[int] | None = None,
) -> dict[int, Membership]:
    specs = selection_lists(registry, inspection.framework)
    flags = domestic_abuse_fields(registry, inspection.framework)
    grouped: dict[int, list[ListRow]] = defaultdict(list)
    for row in current_rows(session, inspection.id, [s.code for s in specs], child_ids):
        if row.child_id is not None:
            grouped[row.child_id].append(row)
    memberships = {}
    for child_id, rows in grouped.items():
        lists = frozenset(r.list_code for r in rows)
        memberships[child_id] = Membership(
            lists=lists,
            domestic_abuse=any(is_yes(r.values.get(flags.get(r.list_code, ""))) for r in rows),
            rows=tuple(rows),
            list_title=next(s.title for s in specs if s.code in lists),
        )
    return memberships


# --- Deadlines ------------------------------------------------------------------------------------


def milestone_due(
    registry: Registry, inspection: Inspection, role: MilestoneRole
) -> dt.datetime | None:
    milestone = registry.milestone_with_role(inspection.framework, role)
    if milestone is None:
        return None  # the framework sets no deadline for it (da-2024, front-door-2024)
    return due_at(milestone.deadline, inspection.notification_date)


def is_late(
    registry: Registry, inspection: Inspection, role: MilestoneRole, now: dt.datetime | None = None
) -> bool:
    due = milestone_due(registry, inspection, role)
    return due is not None and (now or utc_now()) > due


# --- Choices --------------------------------------------------------------------------------------


def choices(
    session: Session, inspection_id: int, kind: Kind, child_ids: Iterable[int] | None = None
) -> dict[int, ChildSelection]:
    statement = select(ChildSelection).where(
        ChildSelection.inspection_id == inspection_id, ChildSelection.kind == kind.value
    )
    if child_ids is not None:
        statement = statement.where(ChildSelection.child_id.in_(list(child_ids)))
    return {row.child_id: row for row in session.scalars(statement.order_by(ChildSelection.id))}


def _named(child: Child) -> str:
    return f"child {child.local_id}"


def child_problems(
    registry: Registry,
    inspection: Inspection,
    child: Child,
    membership: Membership | None,
    field: str,
) -> list[Problem]:
    """Why this child may not be selected (every rule but 'twenty children'); empty if it may."""
    if membership is None:
        names = "', '".join(s.code for s in selection_lists(registry, inspection.framework))
        return [
            invalid(
                field,
                f"{_named(child)} is on none of the selection lists of "
                f"{inspection.reference} ('{names}'); the 20 are selected from those.",
                Rule.SELECTION_LIST,
            )
        ]
    problems: list[Problem] = []
    if not membership.domestic_abuse:
        on = "' and '".join(sorted(membership.lists))
        problems.append(
            invalid(
                field,
                f"{_named(child)} is not flagged 'living or has lived with domestic abuse: Y' "
                f"on the '{on}' list; only children flagged Y may be selected.",
                Rule.DOMESTIC_ABUSE,
            )
        )
    framework = registry.framework(inspection.framework)
    scope = framework.age_scope if framework is not None else None
    notified = inspection.notification_date
    why = age_scope_problem(scope, birth_of(child, membership.rows), notified)
    if why is not None:
        problems.append(
            invalid(
                field,
                f"{_named(child)} {why} (framework '{inspection.framework}', notified "
                f"{notified.isoformat()}).",
                Rule.AGE_SCOPE,
            )
        )
    return problems


def select_children(
    session: Session,
    registry: Registry,
    viewer: Viewer,
    inspection_id: int,
    child_ids: Sequence[int],
    reasons: Sequence[str | None] | None = None,
    now: dt.datetime | None = None,
) -> tuple[Inspection, list[ChildSelection]]:
    """Select children for the inspection (lead inspector); all of them or, if any breaks a rule,
    none. Children selected already stay as they were. Returns the rows of the children asked
    for, in the order asked."""
    inspection = visible_inspection(session, viewer, inspection_id)
    require_lead(session, viewer, inspection, "selects children")
    if not child_ids:
        raise Refused(invalid("childIds", "give at least one child."))
    if reasons is not None and len(reasons) != len(child_ids):
        raise Refused(
            invalid(
                "reasons",
                f"give one reason per child (or none at all): {len(child_ids)} children, "
                f"{len(reasons)} reasons.",
            )
        )
    cleaned = [
        clean_text(f"reasons[{i}]", r, MAX_REASON, required=False)
        for i, r in enumerate(reasons or [None] * len(child_ids))
    ]
    children = children_of(session, inspection, child_ids)
    index_of = {child_id: index for index, child_id in reversed(list(enumerate(child_ids)))}
    selected = choices(session, inspection.id, Kind.SELECTED)
    new = [(index_of[c.id], c) for c in children if c.id not in selected]
    problems: list[Problem] = []
    total = len(selected) + len(new)
    if total > MAX_SELECTED:
        problems.append(
            invalid(
                "childIds",
                f"{len(selected)} children are selected already and this would add {len(new)}, "
                f"making {total}; at most {MAX_SELECTED} are selected. Deselect some first, or "
                "select fewer.",
                Rule.TWENTY_CHILDREN,
            )
        )
    memberships = selection_memberships(session, registry, inspection, [c.id for _, c in new])
    for index, child in new:
        membership = memberships.get(child.id)
        problems += child_problems(registry, inspection, child, membership, f"childIds[{index}]")
    refuse_if(problems)
    late = is_late(registry, inspection, MilestoneRole.SELECT_CHILDREN, now)
    for index, child in new:
        row = ChildSelection(
            inspection_id=inspection.id,
            child_id=child.id,
            kind=Kind.SELECTED.value,
            chosen_at=now or utc_now(),
            chosen_by_id=viewer.inspector_id,
            late=late,
            reason=cleaned[index],
        )
        session.add(row)
        selected[child.id] = row
    session.flush()
    for _, child in new:
        events.record(session, EventKind.CHILD_SELECTED, inspection.id, child_id=child.id)
    return inspection, [selected[c.id] for c in children]


def deselect_child(
    session: Session, viewer: Viewer, inspection_id: int, child_id: int
) -> Inspection:
    """Take a child out of the 20 (lead inspector), unless the child is tracked."""
    inspection = visible_inspection(session, viewer, inspection_id)
    require_lead(session, viewer, inspection, "deselects children")
    [child] = children_of(session, inspection, [child_id], "childId")
    row = choices(session, inspection.id, Kind.SELECTED, [child.id]).get(child.id)
    if row is None:
        raise Refused(invalid("childId", f"{_named(child)} is not selected."))
    if choices(session, inspection.id, Kind.TRACKED, [child.id]):
        raise Refused(
            invalid(
                "childId",
                f"{_named(child)} is tracked: the partnership has been asked to evaluate their "
                "experiences, so they stay among the selected children. Untrack the child first "
                "(untrackChildren, which cancels their unanswered per-child requests), then "
                "deselect them.",
                Rule.TRACKED_STAY_SELECTED,
            )
        )
    session.delete(row)
    session.flush()
    return inspection


def track_children(
    session: Session,
    registry: Registry,
    viewer: Viewer,
    inspection_id: int,
    child_ids: Sequence[int],
    now: dt.datetime | None = None,
) -> tuple[Inspection, list[ChildSelection]]:
    """Name selected children for tracking (lead inspector) and issue their per-child requests.

    Fewer than five is allowed while the lead builds up the set (``tracking_complete`` says when
    there are enough); an eighth is refused. Children tracked already stay as they were.
    """
    inspection = visible_inspection(session, viewer, inspection_id)
    require_lead(session, viewer, inspection, "names the tracked children")
    if not child_ids:
        raise Refused(invalid("childIds", "give at least one child."))
    children = children_of(session, inspection, child_ids)
    index_of = {child_id: index for index, child_id in reversed(list(enumerate(child_ids)))}
    selected = choices(session, inspection.id, Kind.SELECTED)
    tracked = choices(session, inspection.id, Kind.TRACKED)
    new = [c for c in children if c.id not in tracked]
    problems: list[Problem] = []
    total = len(tracked) + len(new)
    if total > MAX_TRACKED:
        problems.append(
            invalid(
                "childIds",
                f"{len(tracked)} children are tracked already and this would add {len(new)}, "
                f"making {total}; the partnership evaluates {MIN_TRACKED} to {MAX_TRACKED} "
                "children.",
                Rule.SEVEN_TRACKED,
            )
        )
    for child in new:
        if child.id not in selected:
            problems.append(
                invalid(
                    f"childIds[{index_of[child.id]}]",
                    f"{_named(child)} is not one of the selected children; tracked children are "
                    "chosen from the 20 selected. Select the child first.",
                    Rule.TRACKED_FROM_SELECTED,
                )
            )
    refuse_if(problems)
    late = is_late(registry, inspection, MilestoneRole.NAME_TRACKED_CHILDREN, now)
    for child in new:
        row = ChildSelection(
            inspection_id=inspection.id,
            child_id=child.id,
            kind=Kind.TRACKED.value,
            chosen_at=now or utc_now(),
            chosen_by_id=viewer.inspector_id,
            late=late,
            reason=selected[child.id].reason,
        )
        session.add(row)
        tracked[child.id] = row
        issue_child_requests(session, registry, inspection, child)
        reinstate_child_requests(session, inspection, child)  # tracked again: asked again
        events.record(session, EventKind.CHILD_TRACKED, inspection.id, child_id=child.id)
    session.flush()
    return inspection, [tracked[c.id] for c in children]


def joint_evaluations_due(registry: Registry, inspection: Inspection) -> dt.datetime | None:
    """When the partnership's joint evaluations of the tracked children are due, if the framework
    asks for them: the one place core finds that request."""
    request = registry.request_with_role(inspection.framework, RequestRole.JOINT_EVALUATION)
    if request is None:
        return None
    return due_at(request.deadline, inspection.notification_date).astimezone(dt.UTC)


@dataclass(frozen=True, slots=True)
class Untracked:
    """A child taken out of tracking, and the ids of the requests that cancelled."""

    untracking: Untracking
    child: Child
    cancelled_request_ids: list[int]


def untrack_children(
    session: Session,
    registry: Registry,
    viewer: Viewer,
    inspection_id: int,
    child_ids: Sequence[int],
    reason: str | None,
    now: dt.datetime | None = None,
) -> tuple[Inspection, list[Untracked]]:
    """Take tracked children out of tracking (lead inspector): each child's per-child requests not
    yet answered are cancelled (kept, with status CANCELLED); answered ones and evidence stay, and
    the child stays selected. After the joint evaluations are due, only with a reason."""
    inspection = visible_inspection(session, viewer, inspection_id)
    require_lead(session, viewer, inspection, "untracks children")
    if not child_ids:
        raise Refused(invalid("childIds", "give at least one child."))
    at = now or utc_now()
    problems: list[Problem] = []
    try:
        cleaned = clean_text("reason", reason, MAX_REASON, required=False)
    except Refused as refused:
        problems += refused.problems
        cleaned = None
    children = children_of(session, inspection, child_ids)
    index_of = {child_id: index for index, child_id in reversed(list(enumerate(child_ids)))}
    tracked = choices(session, inspection.id, Kind.TRACKED, [c.id for c in children])
    for child in children:
        if child.id not in tracked:
            problems.append(
                invalid(
                    f"childIds[{index_of[child.id]}]",
                    f"{_named(child)} is not tracked, so there is nothing to untrack.",
                )
            )
    due = joint_evaluations_due(registry, inspection)
    late = due is not None and at > due
    if late and cleaned is None and due is not None:
        problems.append(
            invalid(
                "reason",
                f"the joint evaluations of the tracked children were due "
                f"{due:%Y-%m-%d %H:%M} UTC; after that a child is untracked only with a reason, "
                "which is recorded. Give one.",
            )
        )
    refuse_if(problems)
    done = []
    for child in children:
        row = tracked[child.id]
        cancelled = cancel_child_requests(session, inspection, child, at)
        untracking = Untracking(
            inspection_id=inspection.id,
            child_id=child.id,
            tracked_at=row.chosen_at,
            untracked_at=at,
            untracked_by_id=viewer.inspector_id,
            late=late,
            reason=cleaned,
            cancelled_requests=len(cancelled),
        )
        session.add(untracking)
        session.delete(row)
        events.record(session, EventKind.CHILD_UNTRACKED, inspection.id, child_id=child.id)
        done.append(Untracked(untracking, child, cancelled))
    session.flush()
    return inspection, done


def tracking_complete(tracked_count: int) -> bool:
    return MIN_TRACKED <= tracked_count <= MAX_TRACKED


def selection_complete(selected_count: int) -> bool:
    """The guidance asks for 20 children: 19 is a selection under way, not a smaller one."""
    return selected_count >= MAX_SELECTED


def sample_child(
    session: Session,
    registry: Registry,
    viewer: Viewer,
    inspection_id: int,
    child_id: int,
    list_code: str,
    reason: str,
    now: dt.datetime | None = None,
) -> tuple[Inspection, ChildSelection]:
    """Sample a child from one of the child-level lists (any inspector on the team)."""
    inspection = visible_inspection(session, viewer, inspection_id)
    if not on_team(session, viewer, inspection):
        raise Refused(
            not_allowed(
                f"Only inspectors on the team of {inspection.reference} sample children; you are "
                f"signed in as {viewer_name(viewer)}."
            )
        )
    cleaned = clean_text("reason", reason, MAX_REASON, required=True)
    [child] = children_of(session, inspection, [child_id], "childId")
    code = list_code.strip().lower()
    sampled_from = sampling_lists(registry, inspection.framework)
    if code not in sampled_from:
        raise Refused(
            invalid(
                "listCode",
                f"{list_code[:60]!r} is not one of the child-level lists children are sampled "
                f"from: {', '.join(sampled_from) or 'none in this framework'}.",
                Rule.SAMPLING_LIST,
            )
        )
    if not current_rows(session, inspection.id, [code], [child.id]):
        raise Refused(
            invalid(
                "childId",
                f"{_named(child)} is not on the '{code}' list of {inspection.reference} (its "
                "latest upload); sample children from the list they are on.",
                Rule.ON_THE_LIST,
            )
        )
    existing = choices(session, inspection.id, Kind.SAMPLED, [child.id]).get(child.id)
    if existing is not None:
        raise Refused(
            invalid(
                "childId",
                f"{_named(child)} is sampled already, from the '{existing.list_code}' list.",
            )
        )
    row = ChildSelection(
        inspection_id=inspection.id,
        child_id=child.id,
        kind=Kind.SAMPLED.value,
        chosen_at=now or utc_now(),
        chosen_by_id=viewer.inspector_id,
        late=False,
        reason=cleaned,
        list_code=code,
    )
    session.add(row)
    session.flush()
    return inspection, row
