"""How the workflow services refuse: every problem at once, each naming its field and its rule.

Services raise :class:`Refused` with every problem they found, before writing anything, so a call
that breaks one rule changes nothing. A problem that breaks one of the guidance's rules names it
(``Rule 'twenty children': ...``), so that a person reading the message knows which rule stopped
them and a program can tell the rules apart. The GraphQL layer turns problems into ``UserError``s.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import access
from core.models import Child, Inspection, TeamMember
from core.timetable import LONDON, InspectionWeek, inspection_weeks
from core.viewer import Role, Viewer


class Rule(StrEnum):
    """The rules of choosing children and arranging the fieldwork, by the name messages use."""

    TWENTY_CHILDREN = "twenty children"  # at most 20 selected (seed 003 para 12)
    SELECTION_LIST = "on a selection list"  # on the children-in-need or CP-plan list (para 12)
    DOMESTIC_ABUSE = "living with domestic abuse"  # flagged Y on one of those lists (para 10, 12)
    AGE_SCOPE = "age scope"  # within the framework's age scope at notification (seed 002)
    TRACKED_FROM_SELECTED = "tracked from the twenty"  # tracked children are selected ones (13)
    SEVEN_TRACKED = "five to seven tracked"  # at most 7 tracked (paras 2, 13)
    TRACKED_STAY_SELECTED = "tracked children stay selected"  # no deselecting a tracked child
    SAMPLING_LIST = "child-level list"  # sampled from one of the five child-level lists (para 15)
    ON_THE_LIST = "on the sampling list"  # and on that list
    FIELDWORK_WEEK = "fieldwork week"  # meetings and talks in week 3, on site (Annex A)
    CONSENT_TRACKED = "consent for tracked children"  # consent is sought for them (para 20)
    CONSENT_REASON = "reason unless given"  # refused or not possible: say why (para 20)


class ProblemKind(StrEnum):
    NOT_FOUND = "not_found"
    NOT_ALLOWED = "not_allowed"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a call. ``field`` is the input path (``childIds[2]``), if any;
    ``code`` a finer reason than ``kind`` (a member of the domain's error code enum, see
    core/graphql/base/domain_errors.py); a broken ``rule`` is a reason by its name."""

    kind: ProblemKind
    field: str | None
    message: str
    rule: Rule | None = None
    code: str | None = None

    @property
    def reason(self) -> str | None:
        return self.code or (self.rule.name if self.rule is not None else None)

    @property
    def text(self) -> str:
        if self.rule is not None:
            return f"Rule '{self.rule.value}': {self.message}"
        return f"{self.field}: {self.message}" if self.field else self.message


class Refused(Exception):
    """Raised by a service, before any write, with every problem it found."""

    def __init__(self, *problems: Problem) -> None:
        super().__init__("; ".join(p.text for p in problems))
        self.problems = list(problems)


def invalid(
    field: str | None, message: str, rule: Rule | None = None, code: str | None = None
) -> Problem:
    return Problem(ProblemKind.INVALID, field, message, rule, code)


def not_found(field: str, what: str) -> Problem:
    return Problem(
        ProblemKind.NOT_FOUND,
        field,
        f"no {what} with that id that you can see. Check the id (query the {what} first).",
    )


def not_allowed(message: str, code: str | None = None) -> Problem:
    return Problem(ProblemKind.NOT_ALLOWED, None, message, code=code)


def refuse_if(problems: Sequence[Problem]) -> None:
    if problems:
        raise Refused(*problems)


def clean_text(field: str, value: str | None, limit: int, *, required: bool) -> str | None:
    """Trimmed text of at most ``limit`` characters, without control characters; None if blank."""
    cleaned = (value or "").strip()
    if not cleaned:
        if required:
            raise Refused(invalid(field, f"give 1 to {limit} characters."))
        return None
    if len(cleaned) > limit:
        raise Refused(invalid(field, f"give at most {limit} characters; got {len(cleaned)}."))
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in cleaned):
        raise Refused(invalid(field, "remove the control characters from the text."))
    return cleaned


def viewer_name(viewer: Viewer) -> str:
    return viewer.role.value if viewer.role else "nobody"


def visible_inspection(
    session: Session, viewer: Viewer, inspection_id: int, field: str = "inspectionId"
) -> Inspection:
    """The inspection, if the viewer may see it, locked against concurrent choosing.

    ``FOR UPDATE`` serialises two calls that count and then add children (PostgreSQL; SQLite
    already takes the write lock when the transaction begins).
    """
    inspection = session.scalar(
        select(Inspection)
        .where(Inspection.id == inspection_id, access.inspections_visible_to(viewer))
        .with_for_update()
    )
    if inspection is None:
        raise Refused(not_found(field, "inspection"))
    return inspection


def is_lead(session: Session, viewer: Viewer, inspection: Inspection) -> bool:
    if viewer.role is not Role.INSPECTOR or viewer.inspector_id is None:
        return False
    lead = session.scalar(
        select(TeamMember.id).where(
            TeamMember.inspection_id == inspection.id,
            TeamMember.inspector_id == viewer.inspector_id,
            TeamMember.is_lead,
        )
    )
    return lead is not None


def on_team(session: Session, viewer: Viewer, inspection: Inspection) -> bool:
    if viewer.role is not Role.INSPECTOR or viewer.inspector_id is None:
        return False
    member = session.scalar(
        select(TeamMember.id).where(
            TeamMember.inspection_id == inspection.id,
            TeamMember.inspector_id == viewer.inspector_id,
        )
    )
    return member is not None


def require_lead(session: Session, viewer: Viewer, inspection: Inspection, action: str) -> None:
    if not is_lead(session, viewer, inspection):
        raise Refused(
            not_allowed(
                f"Only the lead inspector of {inspection.reference} {action}; you are signed in "
                f"as {viewer_name(viewer)}."
            )
        )


def children_of(
    session: Session, inspection: Inspection, child_ids: Sequence[int], field: str = "childIds"
) -> list[Child]:
    """The inspection's children with these ids, in order; every id missing or repeated is named."""
    problems: list[Problem] = []
    seen: set[int] = set()
    for index, child_id in enumerate(child_ids):
        if child_id in seen:
            problems.append(invalid(f"{field}[{index}]", "this child is listed twice."))
        seen.add(child_id)
    found = {
        child.id: child
        for child in session.scalars(
            select(Child).where(Child.inspection_id == inspection.id, Child.id.in_(seen))
        )
    }
    for index, child_id in enumerate(child_ids):
        if child_id not in found:
            problems.append(not_found(f"{field}[{index}]", f"child of {inspection.reference}"))
    refuse_if(problems)
    return [found[i] for i in dict.fromkeys(child_ids)]


def fieldwork_week(inspection: Inspection) -> InspectionWeek:
    return next(w for w in inspection_weeks(inspection.notification_date) if w.on_site)


def check_in_fieldwork_week(
    field: str, when: dt.datetime, inspection: Inspection, what: str
) -> list[Problem]:
    """Problems with ``when``: it needs an offset and must fall in the on-site week (London)."""
    if when.tzinfo is None or when.utcoffset() is None:
        return [
            invalid(
                field,
                "give the time with its UTC offset (e.g. 2026-12-01T10:00:00+00:00), so it is "
                "one instant.",
            )
        ]
    week = fieldwork_week(inspection)
    opens = dt.datetime.combine(week.starts, dt.time(0, 0), tzinfo=LONDON)
    closes = dt.datetime.combine(week.ends + dt.timedelta(days=1), dt.time(0, 0), tzinfo=LONDON)
    # Compared as instants (no conversion of ``when``, which may be near datetime's limits).
    if not opens <= when < closes:
        return [
            invalid(
                field,
                f"{what} must be in the fieldwork week, when inspectors are on site: week 3 of "
                f"{inspection.reference}, Monday {week.starts.isoformat()} to Friday "
                f"{week.ends.isoformat()} (London time).",
                Rule.FIELDWORK_WEEK,
            )
        ]
    return []


@dataclass(frozen=True, slots=True)
class Ref:
    """A row id, with the id as the client spelt it, which a refusal quotes."""

    id: int
    given: object


def not_found_as_given(field: str, given: object, what: str) -> Problem:
    """``not_found`` quoting the id as the client gave it (the wording of set-up and evidence)."""
    return Problem(
        ProblemKind.NOT_FOUND,
        field,
        f"no {what} with id {given!r} that you can see. "
        f"Check the id (query the {what} first to get it).",
    )
