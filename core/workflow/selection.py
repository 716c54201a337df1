"""Choosing children: the (up to) 20 selected, the 5-7 tracked, the sampled, and suggestions.

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
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, func, select, true
from sqlalchemy.orm import Session

from core.contributions import AgeScope
from core.models import (
    Child,
    ChildSelection,
    Inspection,
    ListRow,
    ListUpload,
    utc_now,
)
from core.registry import Registry
from core.timetable import due_at
from core.viewer import Viewer
from core.workflow.requests import issue_child_requests
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

CHILDREN_IN_NEED = "children-in-need"
CHILD_PROTECTION_PLANS = "child-protection-plans"
SELECTION_LISTS = (CHILDREN_IN_NEED, CHILD_PROTECTION_PLANS)
SAMPLING_LISTS = ("contacts", "early-help", "referrals", "assessments", "section-47")
EXTRA_FIELDS_LIST = "selected-children"
DOMESTIC_ABUSE_FIELD = "domestic_abuse"

MAX_SELECTED = 20
MIN_TRACKED = 5
MAX_TRACKED = 7
SELECT_MILESTONE = "select-children"
TRACK_MILESTONE = "name-tracked-children"
MAX_REASON = 1000
MAX_SWAP_ROUNDS = 50  # rounds of improving swaps after the greedy pass of suggest_sample


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
    """A child's rows on the selection lists: which lists, and whether any flags domestic abuse."""

    lists: frozenset[str]
    domestic_abuse: bool
    rows: tuple[ListRow, ...]


def selection_memberships(
    session: Session, inspection_id: int, child_ids: Iterable[int] | None = None
) -> dict[int, Membership]:
    grouped: dict[int, list[ListRow]] = defaultdict(list)
    for row in current_rows(session, inspection_id, SELECTION_LISTS, child_ids):
        if row.child_id is not None:
            grouped[row.child_id].append(row)
    return {
        child_id: Membership(
            lists=frozenset(r.list_code for r in rows),
            domestic_abuse=any(is_yes(r.values.get(DOMESTIC_ABUSE_FIELD)) for r in rows),
            rows=tuple(rows),
        )
        for child_id, rows in grouped.items()
    }


# --- Age ------------------------------------------------------------------------------------------


def _row_date(rows: Iterable[ListRow], name: str) -> dt.date | None:
    for row in rows:
        value = row.values.get(name)
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                continue
    return None


@dataclass(frozen=True, slots=True)
class Birth:
    date_of_birth: dt.date | None
    expected: dt.date | None


def birth_of(child: Child, rows: Iterable[ListRow] = ()) -> Birth:
    """The child's dates, from the child's record or else from its list rows."""
    rows = tuple(rows)
    if child.date_of_birth is not None or child.expected_date_of_birth is not None:
        return Birth(child.date_of_birth, child.expected_date_of_birth)
    return Birth(_row_date(rows, "date_of_birth"), _row_date(rows, "expected_date_of_birth"))


def is_unborn(birth: Birth, on: dt.date) -> bool:
    """Unborn on ``on``: an expected date of birth and no date of birth, or born after ``on``."""
    if birth.date_of_birth is None:
        return birth.expected is not None
    return birth.date_of_birth > on


def age_in_years(birth: Birth, on: dt.date) -> int | None:
    """Whole years on ``on``; None when unborn or when no date is known."""
    born = birth.date_of_birth
    if born is None or born > on:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def describe_scope(scope: AgeScope) -> str:
    low = scope.min_age_years if scope.min_age_years is not None else 0
    ages = (
        f"aged {low} to {scope.max_age_years}"
        if scope.max_age_years is not None
        else f"aged {low} and over"
    )
    return f"unborn children and children {ages}" if scope.includes_unborn else f"children {ages}"


def age_scope_problem(scope: AgeScope | None, birth: Birth, on: dt.date) -> str | None:
    """Why a child is outside ``scope`` on ``on``, or None when it is inside."""
    if scope is None:
        return None
    in_scope = describe_scope(scope)
    if is_unborn(birth, on):
        return None if scope.includes_unborn else f"is unborn; the framework covers {in_scope}."
    age = age_in_years(birth, on)
    bounded = scope.min_age_years is not None or scope.max_age_years is not None
    if age is None:
        if not bounded:
            return None
        return (
            f"has no date of birth or expected date of birth on the lists, so its age cannot be "
            f"checked against the framework's scope ({in_scope})."
        )
    if scope.min_age_years is not None and age < scope.min_age_years:
        return f"was {age} at notification; the framework covers {in_scope}."
    if scope.max_age_years is not None and age > scope.max_age_years:
        return f"was {age} at notification; the framework covers {in_scope}."
    return None


# --- Deadlines ------------------------------------------------------------------------------------


def milestone_due(registry: Registry, inspection: Inspection, code: str) -> dt.datetime | None:
    for milestone in registry.milestones_of(inspection.framework):
        if milestone.item.code == code:
            return due_at(milestone.item.deadline, inspection.notification_date)
    return None  # the framework sets no deadline for it (da-2024, front-door-2024)


def is_late(
    registry: Registry, inspection: Inspection, code: str, now: dt.datetime | None = None
) -> bool:
    due = milestone_due(registry, inspection, code)
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
        return [
            invalid(
                field,
                f"{_named(child)} is on neither the '{CHILDREN_IN_NEED}' list nor the "
                f"'{CHILD_PROTECTION_PLANS}' list of {inspection.reference}; the 20 are "
                "selected from those two lists.",
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
    memberships = selection_memberships(session, inspection.id, [c.id for _, c in new])
    for index, child in new:
        membership = memberships.get(child.id)
        problems += child_problems(registry, inspection, child, membership, f"childIds[{index}]")
    refuse_if(problems)
    late = is_late(registry, inspection, SELECT_MILESTONE, now)
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
                "experiences, so they stay among the selected children.",
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
    late = is_late(registry, inspection, TRACK_MILESTONE, now)
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
    session.flush()
    return inspection, [tracked[c.id] for c in children]


def tracking_complete(tracked_count: int) -> bool:
    return MIN_TRACKED <= tracked_count <= MAX_TRACKED


def selection_complete(selected_count: int) -> bool:
    """The guidance asks for 20 children: 19 is a selection under way, not a smaller one."""
    return selected_count >= MAX_SELECTED


def sample_child(
    session: Session,
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
    if code not in SAMPLING_LISTS:
        raise Refused(
            invalid(
                "listCode",
                f"{list_code[:60]!r} is not one of the child-level lists children are sampled "
                f"from: {', '.join(SAMPLING_LISTS)}.",
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


# --- Suggesting a sample --------------------------------------------------------------------------

LIST = "list"
AGE_BAND = "age band"
GENDER = "gender"
ETHNICITY = "ethnicity"
DISABILITY = "disability"
DIMENSIONS = (LIST, AGE_BAND, GENDER, ETHNICITY, DISABILITY)

CP_LABEL = "child protection plan"
CIN_LABEL = "child in need"
UNBORN = "unborn"
AGE_NOT_RECORDED = "age not recorded"
AGE_BANDS = ((0, 4), (5, 10), (11, 15))  # then 16+


def age_band(birth: Birth, on: dt.date) -> str:
    if is_unborn(birth, on):
        return UNBORN
    age = age_in_years(birth, on)
    if age is None:
        return AGE_NOT_RECORDED
    for low, high in AGE_BANDS:
        if low <= age <= high:
            return f"{low}-{high}"
    return "16+"


@dataclass(frozen=True, slots=True)
class Profile:
    """The strata a suggested sample is balanced across."""

    list: str  # a child on both lists counts as on a child protection plan, the closer support
    age_band: str
    gender: str
    ethnicity: str
    disability: str

    def value(self, dimension: str) -> str:
        return {
            LIST: self.list,
            AGE_BAND: self.age_band,
            GENDER: self.gender,
            ETHNICITY: self.ethnicity,
            DISABILITY: self.disability,
        }[dimension]

    def describe(self) -> str:
        age = (
            self.age_band
            if self.age_band in (UNBORN, "age not recorded")
            else f"age {self.age_band}"
        )
        return "; ".join((self.list, age, self.gender, self.ethnicity, self.disability))


def profile_of(child: Child, membership: Membership, notified: dt.date) -> Profile:
    disability = (
        "disability not recorded"
        if child.has_disability is None
        else "disability"
        if child.has_disability
        else "no disability"
    )
    return Profile(
        list=CP_LABEL if CHILD_PROTECTION_PLANS in membership.lists else CIN_LABEL,
        age_band=age_band(birth_of(child, membership.rows), notified),
        gender=child.gender or "gender not recorded",
        ethnicity=child.ethnicity or "ethnicity not recorded",
        disability=disability,
    )


@dataclass(frozen=True, slots=True)
class Suggestion:
    child: Child
    profile: Profile
    reason: str


@dataclass(frozen=True, slots=True)
class SuggestedSample:
    seed: int
    suggestions: list[Suggestion]
    eligible: int  # children who pass every selection rule, selected or not
    already_selected: int
    # How the sample would be spread if the suggestions were selected: the children selected
    # already plus the suggestions, counted by dimension and value.
    spread: dict[str, Counter[str]] = field(default_factory=dict)


def _group(dimension: str, value: str) -> str:
    if dimension == LIST:
        return f"{value} list"
    if dimension == DISABILITY:
        return f"group '{value}'"
    return f"{dimension} {value}"


def fair_shares(available: Counter[str], size: int) -> dict[str, float]:
    """Each group's fair share of a sample of ``size``: equal shares, but never more than the
    group has, the rest shared among the others (water-filling)."""
    shares: dict[str, float] = {}
    left = sorted(available, key=lambda group: (available[group], group))
    remaining = float(min(size, sum(available.values())))
    while left:
        share = remaining / len(left)
        smallest = left[0]
        if available[smallest] > share:
            shares.update((group, share) for group in left)
            break
        shares[smallest] = available[smallest]
        remaining -= available[smallest]
        left.pop(0)
    return shares


def _shortfall(share: float, count: int) -> float:
    """How far a group is below its fair share, relative to the share (negative: above it)."""
    return (share - count) / share if share else -float(count)


def _imbalance_change(
    shares: dict[str, dict[str, float]],
    counts: dict[str, Counter[str]],
    leaving: Profile,
    joining: Profile,
) -> float:
    """How much swapping ``leaving`` for ``joining`` changes the sample's imbalance: the sum over
    dimensions and groups of (count - share)² / share, the chi-square distance from the shares."""
    change = 0.0
    for dimension in DIMENSIONS:
        out, into = leaving.value(dimension), joining.value(dimension)
        if out == into:
            continue
        for group, step in ((out, -1), (into, 1)):
            share = shares[dimension].get(group, 0.0) or 1.0
            count = counts[dimension][group]
            change += ((count + step - share) ** 2 - (count - share) ** 2) / share
    return change


def _why(
    profile: Profile, counts: dict[str, Counter[str]], shares: dict[str, dict[str, float]]
) -> str:
    if not any(counts[d] for d in DIMENSIONS):
        return "starts the sample: first in the seeded order"
    best: tuple[float, str] | None = None
    for dimension in DIMENSIONS:
        value = profile.value(dimension)
        short = _shortfall(shares[dimension].get(value, 0.0), counts[dimension][value])
        if short > 0 and (best is None or short > best[0]):
            best = (short, dimension)
    if best is None:
        return "every group is at its fair share: next in the seeded order"
    dimension = best[1]
    value = profile.value(dimension)
    count = counts[dimension][value]
    share = shares[dimension][value]
    if count == 0:
        return f"brings in the {_group(dimension, value)}, not yet in the sample"
    return (
        f"fills the under-represented {_group(dimension, value)} "
        f"({count} so far of a fair share of {share:.3g})"
    )


def eligible_children(
    session: Session,
    registry: Registry,
    inspection: Inspection,
    visible: ColumnElement[bool] | None = None,
) -> list[tuple[Child, Profile]]:
    """Every child of the inspection who passes each selection rule but 'twenty children' (and,
    given ``visible``, whom the asker may see)."""
    memberships = selection_memberships(session, inspection.id)
    children = session.scalars(
        select(Child)
        .where(
            Child.inspection_id == inspection.id,
            Child.id.in_(list(memberships)),
            visible if visible is not None else true(),
        )
        .order_by(Child.id)
    ).all()
    notified = inspection.notification_date
    return [
        (child, profile_of(child, memberships[child.id], notified))
        for child in children
        if not child_problems(registry, inspection, child, memberships[child.id], "childId")
    ]


def suggest_sample(
    session: Session,
    registry: Registry,
    inspection: Inspection,
    seed: int,
    visible: ColumnElement[bool] | None = None,
) -> SuggestedSample:
    """Suggest children to fill the 20, balanced across list, age band, gender, ethnicity and
    disability; reproducible: the same seed and the same data give the same children. Writes
    nothing.

    The children selected already keep their places and count towards the balance. In each
    dimension every group has a fair share of the sample: equal shares, but no more than the
    eligible children the group has (the rest go to the other groups). First, one place at a time,
    the eligible child is taken whose groups fall furthest short of their fair shares (relative to
    the share, summed over the five dimensions). Then a suggested child is swapped for one left
    out while that brings the counts closer to the shares (chi-square distance). Ties always go to
    the earlier child in an order shuffled by ``seed``, so the same seed and data give the same
    children. Each suggestion says why: its groups, and the group it does most to fill.
    """
    eligible = eligible_children(session, registry, inspection, visible)
    selected = choices(session, inspection.id, Kind.SELECTED)
    memberships = selection_memberships(session, inspection.id, list(selected))
    selected_children = session.scalars(
        select(Child)
        .where(Child.id.in_(list(selected)), visible if visible is not None else true())
        .order_by(Child.id)
    ).all()
    empty = Membership(frozenset(), False, ())
    kept = [
        profile_of(child, memberships.get(child.id, empty), inspection.notification_date)
        for child in selected_children
    ]
    pool = [(c, p) for c, p in eligible if c.id not in selected]
    random.Random(seed).shuffle(pool)
    places = max(0, MAX_SELECTED - len(selected))
    size = len(kept) + min(places, len(pool))
    universe = kept + [p for _, p in pool]
    shares = {d: fair_shares(Counter(p.value(d) for p in universe), size) for d in DIMENSIONS}
    counts: dict[str, Counter[str]] = {d: Counter(p.value(d) for p in kept) for d in DIMENSIONS}

    def add(profile: Profile, step: int) -> None:
        for dimension in DIMENSIONS:
            counts[dimension][profile.value(dimension)] += step

    # Greedy: each place to the child whose groups fall furthest short of their shares.
    chosen: list[tuple[Child, Profile]] = []
    for _ in range(min(places, len(pool))):
        gains = [
            sum(
                _shortfall(shares[d].get(p.value(d), 0.0), counts[d][p.value(d)])
                for d in DIMENSIONS
            )
            for _, p in pool
        ]
        chosen.append(pool.pop(max(range(len(pool)), key=lambda i: (gains[i], -i))))
        add(chosen[-1][1], 1)
    # Then swaps with the children left, while one brings the sample closer to the shares.
    for _ in range(MAX_SWAP_ROUNDS):
        swapped = False
        for i, (_, leaving) in enumerate(chosen):
            changes = [_imbalance_change(shares, counts, leaving, p) for _, p in pool]
            best = min(range(len(pool)), key=lambda j: (changes[j], j), default=None)
            if best is not None and changes[best] < -1e-9:
                chosen[i], pool[best] = pool[best], chosen[i]
                add(leaving, -1)
                add(chosen[i][1], 1)
                swapped = True
        if not swapped:
            break
    # Each reason is given in the order the places were filled, against the sample so far.
    counts = {d: Counter(p.value(d) for p in kept) for d in DIMENSIONS}
    suggestions: list[Suggestion] = []
    for child, profile in chosen:
        why = _why(profile, counts, shares)
        suggestions.append(Suggestion(child, profile, f"{profile.describe()} — {why}"))
        add(profile, 1)
    return SuggestedSample(
        seed=seed,
        suggestions=suggestions,
        eligible=len(eligible),
        already_selected=len(selected),
        spread=counts,
    )
