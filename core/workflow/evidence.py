"""Recording evidence (``record``), and what it checks that the generated GraphQL types cannot.

- Only an inspector of the form's inspectorate records it, in an inspection they can see, run under
  the form's framework; a draft is finished only by its recorder, and FINAL evidence never changes.
- An agency form is about an agency of the inspected area; answers hold at most ``MAX_TEXT``
  characters (a summary ``MAX_SUMMARY``).

- A case-tracking form is about a child the team tracks in this inspection, a sampling form about a
  child it sampled (``ChildSelection`` rows of kind 'tracked' or 'sampled').
- Criteria an inspector cites beyond the form's own are criteria of the inspection's framework.
- FINAL evidence answers every required question. The generated inputs already make required
  answers non-null, so every draft is complete by type; what a draft may still leave empty is a
  required text (blank) or multiple choice (no choice ticked), and FINAL refuses that, naming the
  question.

Also: which criteria a record evidences (its answered questions' and the cited ones), for the
``Evidence.criteria`` field and the lead inspector's evidence coverage.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import access, events
from core.contributions import EvidenceForm, EvidenceSubject, Inspectorate, Question, QuestionKind
from core.events import EventKind
from core.models import Agency, Child, ChildSelection, EvidenceRecord, Inspection, utc_now
from core.registry import Registry, form_type_name
from core.viewer import Role, Viewer
from core.workflow.participation import participant_codes
from core.workflow.rules import (
    Problem,
    ProblemKind,
    Ref,
    Refused,
    invalid,
    not_allowed,
    not_found_as_given,
    refuse_if,
    viewer_name,
)

# Where the criteria an inspector cites are kept in a record's answers: question codes cannot start
# with 'jtai_' (core/registry.py), so this key never meets a question's answer.
CITED_KEY = "jtai_cited_criteria"
MAX_TEXT = 500  # characters of a text answer
MAX_SUMMARY = 20_000  # characters of a summary answer
DRAFT, FINAL = "draft", "final"  # EvidenceRecord.status

SELECTION_FOR_SUBJECT = {
    EvidenceSubject.TRACKED_CHILD: "tracked",
    EvidenceSubject.SAMPLED_CHILD: "sampled",
}


def is_answered(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | tuple):
        return bool(value)
    return True


def selection_needed(form: EvidenceForm) -> str | None:
    """The ``ChildSelection.kind`` the form's child must have, if any."""
    return SELECTION_FOR_SUBJECT.get(form.subject)


def is_chosen(session: Session, inspection_id: int, child_id: int, kind: str) -> bool:
    return (
        session.scalar(
            select(ChildSelection.id).where(
                ChildSelection.inspection_id == inspection_id,
                ChildSelection.child_id == child_id,
                ChildSelection.kind == kind,
            )
        )
        is not None
    )


def unanswered_required(form: EvidenceForm, answers: Mapping[str, Any]) -> list[Question]:
    """Required questions with no real answer: what stops evidence being FINAL."""
    return [q for q in form.questions if q.required and not is_answered(answers.get(q.code))]


def unknown_criteria(registry: Registry, framework: str, codes: Sequence[str]) -> list[int]:
    """Positions in ``codes`` of codes that are not criteria of ``framework``."""
    return [i for i, code in enumerate(codes) if registry.criterion(framework, code) is None]


def cited(answers: Mapping[str, Any]) -> list[str]:
    value = answers.get(CITED_KEY) or []
    return [str(v) for v in value] if isinstance(value, list) else []


def criteria_evidenced(form: EvidenceForm, answers: Mapping[str, Any]) -> list[str]:
    """The criteria a record evidences: those of its answered questions, in form order, then the
    ones its inspector cited."""
    codes: list[str] = []
    for question in form.questions:
        if is_answered(answers.get(question.code)):
            codes.extend(c for c in question.criteria if c not in codes)
    codes.extend(c for c in cited(answers) if c not in codes)
    return codes


def needs_text(question: Question) -> bool:
    return question.kind in (QuestionKind.TEXT, QuestionKind.SUMMARY, QuestionKind.MULTI_CHOICE)


def _camel(code: str) -> str:
    head, *rest = code.split("_")
    return head + "".join(part.capitalize() for part in rest)


def require_recorder(viewer: Viewer, form: EvidenceForm, inspectorate: Inspectorate) -> None:
    """Only an inspector of the form's inspectorate records its evidence."""
    if viewer.role is not Role.INSPECTOR or viewer.inspectorate != inspectorate.code:
        raise Refused(
            not_allowed(
                f"Only {inspectorate.short_name} inspectors on the inspection record "
                f"'{form.title}' evidence; you are signed in as {viewer_name(viewer)}"
                + (f" of {viewer.inspectorate}" if viewer.inspectorate else "")
                + "."
            )
        )


def recording_inspection(
    session: Session,
    viewer: Viewer,
    inspectorate: Inspectorate,
    form: EvidenceForm,
    inspection_ref: Ref,
) -> Inspection:
    """The inspection, if the viewer may record ``form`` evidence in it: what ``record`` checks
    before the answers, and ``EvidenceForm.viewerCanRecord`` asks."""
    require_recorder(viewer, form, inspectorate)
    inspection = session.scalar(
        select(Inspection).where(
            Inspection.id == inspection_ref.id, access.inspections_visible_to(viewer)
        )
    )
    if inspection is None:
        raise Refused(not_found_as_given("inspectionId", inspection_ref.given, "inspection"))
    if inspection.child_data_purged_at is not None:
        raise Refused(
            invalid(
                "inspectionId",
                f"inspection {inspection.reference}'s child-level data was deleted on "
                f"{inspection.child_data_purged_at:%Y-%m-%d} under "
                "JTAI_RETENTION_DAYS_AFTER_LETTER: it takes no more evidence.",
            )
        )
    if inspection.framework != form.framework:
        raise Refused(
            invalid(
                "inspectionId",
                f"inspection {inspection.reference} runs under framework "
                f"'{inspection.framework}', but this form is for '{form.framework}'. Use a form "
                f"of '{inspection.framework}' (query framework(code:) {{ evidenceForms }}).",
            )
        )
    if inspectorate.code not in participant_codes(session, inspection.id):
        raise Refused(
            invalid(
                "inspectionId",
                f"{inspectorate.short_name} does not take part in inspection "
                f"{inspection.reference} (taking part: "
                f"{', '.join(participant_codes(session, inspection.id))}), so its forms are not "
                "offered there. Record evidence on an inspection it takes part in.",
            )
        )
    return inspection


def record(
    session: Session,
    registry: Registry,
    viewer: Viewer,
    inspectorate: Inspectorate,
    form: EvidenceForm,
    *,
    inspection_ref: Ref,
    child_ref: Ref | None,
    agency_ref: Ref | None,
    evidence_ref: Ref | None,
    final: bool,
    answers: Mapping[str, Any],
    cited_criteria: Sequence[str] | None,
) -> EvidenceRecord:
    """Record evidence with ``form`` (``answers`` by question code, as stored), or finish the
    viewer's draft ``evidence_ref``: every rule of the module docstring, and the viewer's."""
    inspection = recording_inspection(session, viewer, inspectorate, form, inspection_ref)
    existing = _draft_to_finish(session, viewer, inspectorate, form, evidence_ref, inspection)
    child_id = _child(session, form, inspection, child_ref)
    agency_id = _agency(session, form, inspection, agency_ref)
    problems: list[Problem] = []
    stored: dict[str, Any] = {}
    for question in form.questions:
        value = answers.get(question.code)
        limit = MAX_SUMMARY if question.kind is QuestionKind.SUMMARY else MAX_TEXT
        if isinstance(value, str) and len(value) > limit:
            problems.append(
                invalid(
                    _camel(question.code),
                    f"{len(value)} characters is more than the {limit} this answer holds. "
                    "Shorten it, or put the detail in the case file.",
                )
            )
        retired = {c.code for c in question.choices if c.retired}
        chosen = value if isinstance(value, list) else [value]
        for code in [c for c in chosen if c in retired]:
            current = ", ".join(c.code for c in question.choices if not c.retired)
            problems.append(
                invalid(
                    _camel(question.code),
                    f"{code} is retired from '{form.title}' (version {form.version}); evidence "
                    f"recorded before keeps it, new evidence chooses one of {current}.",
                )
            )
        stored[question.code] = value
    cited_codes = [code.strip() for code in cited_criteria or []]
    for index in unknown_criteria(registry, inspection.framework, cited_codes):
        problems.append(
            invalid(
                f"citedCriteria[{index}]",
                f"{cited_codes[index]!r} is not a criterion of framework "
                f"'{inspection.framework}', which this inspection runs under. Cite a code from "
                f'framework(code: "{inspection.framework}") {{ criteria {{ code }} }}.',
            )
        )
    if cited_codes:
        stored[CITED_KEY] = list(dict.fromkeys(cited_codes))
    if final:
        for question in unanswered_required(form, stored):
            problems.append(
                invalid(
                    _camel(question.code),
                    f"'{question.text}' needs an answer before the evidence is FINAL. Answer "
                    "it, or save the evidence as DRAFT until you can.",
                )
            )
    refuse_if(problems)
    status = FINAL if final else DRAFT
    if existing is not None:
        row = existing
        row.child_id = child_id
        row.agency_id = agency_id
        row.status = status
        row.answers = stored
        row.form_version = form.version
        row.updated_at = utc_now()
    else:
        row = EvidenceRecord(
            inspection_id=inspection.id,
            inspectorate=inspectorate.code,
            form=form.code,
            child_id=child_id,
            agency_id=agency_id,
            status=status,
            answers=stored,
            form_version=form.version,
            recorded_by_id=viewer.inspector_id,
        )
        session.add(row)
    session.flush()
    events.record(session, EventKind.EVIDENCE_RECORDED, inspection.id, evidence_id=row.id)
    # The coverage counts evidence by criterion and inspectorate: any recording changes it.
    events.record(session, EventKind.COVERAGE_CHANGED, inspection.id)
    return row


def _child(
    session: Session, form: EvidenceForm, inspection: Inspection, child_ref: Ref | None
) -> int | None:
    """The form's child, if it is about one: a child of the inspection, tracked or sampled."""
    if form.subject not in SELECTION_FOR_SUBJECT:
        return None
    if child_ref is None:
        raise Refused(invalid("childId", f"'{form.title}' is about one child: pass the childId."))
    child = session.scalar(
        select(Child).where(Child.id == child_ref.id, Child.inspection_id == inspection.id)
    )
    if child is None:
        raise Refused(not_found_as_given("childId", child_ref.given, "child"))
    needed = selection_needed(form)
    if needed and not is_chosen(session, inspection.id, child.id, needed):
        raise Refused(
            invalid(
                "childId",
                f"this child is not {needed} in {inspection.reference}, and "
                f"'{form.title}' is recorded only for a {needed} child. Pass a {needed} "
                f"child (inspection {{ {needed}Children }}), or have the lead inspector "
                f"choose this one first.",
            )
        )
    return child.id


def _agency(
    session: Session, form: EvidenceForm, inspection: Inspection, agency_ref: Ref | None
) -> int | None:
    """The form's agency, if it is about one: an agency of the inspected area."""
    if form.subject is not EvidenceSubject.AGENCY:
        return None
    if agency_ref is None:
        raise Refused(invalid("agencyId", f"'{form.title}' is about one agency: pass agencyId."))
    agency = session.scalar(
        select(Agency).where(Agency.id == agency_ref.id, Agency.area_id == inspection.area_id)
    )
    if agency is None:
        raise Refused(
            not_found_as_given("agencyId", agency_ref.given, "agency in the inspected area")
        )
    return agency.id


def _draft_to_finish(
    session: Session,
    viewer: Viewer,
    inspectorate: Inspectorate,
    form: EvidenceForm,
    evidence_ref: Ref | None,
    inspection: Inspection,
) -> EvidenceRecord | None:
    """The draft named by ``evidenceId``, if any: recorded with this form, in this inspection, by
    this inspector, and still DRAFT (FINAL evidence never changes)."""
    if evidence_ref is None:
        return None
    row = session.scalar(
        select(EvidenceRecord).where(
            EvidenceRecord.id == evidence_ref.id,
            EvidenceRecord.inspection_id == inspection.id,
            EvidenceRecord.inspectorate == inspectorate.code,
            EvidenceRecord.form == form.code,
        )
    )
    if row is None:
        what = f"{form_type_name(inspectorate, form)} in this inspection"
        raise Refused(not_found_as_given("evidenceId", evidence_ref.given, what))
    if row.recorded_by_id != viewer.inspector_id:
        raise Refused(
            Problem(
                ProblemKind.NOT_ALLOWED,
                "evidenceId",
                "Only the inspector who recorded a draft finishes it; record your own evidence.",
            )
        )
    if row.status == FINAL:
        raise Refused(
            invalid(
                "evidenceId",
                "this evidence is FINAL and does not change. Record new evidence to add to it.",
            )
        )
    return row
