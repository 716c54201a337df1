"""What the server checks about evidence that the generated GraphQL types cannot.

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

from core.contributions import EvidenceForm, EvidenceSubject, Question, QuestionKind
from core.models import ChildSelection
from core.registry import Registry

# Where the criteria an inspector cites are kept in a record's answers: question codes cannot start
# with 'jtai_' (core/registry.py), so this key never meets a question's answer.
CITED_KEY = "jtai_cited_criteria"

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
