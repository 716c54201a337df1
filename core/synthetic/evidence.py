"""Evidence answers, built from the plugins' forms themselves."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core.contributions import AgencyKind, EvidenceForm, EvidenceSubject, Question, QuestionKind
from core.synthetic.areas import Kid
from core.synthetic.catalogue import Catalogue
from core.synthetic.distributions import SENTENCES, SYNTHETIC, between, time_on_site
from core.workflow import evidence as evidence_rules

# --- Evidence answers, from the forms themselves --------------------------------------------------


def sentences(rng: random.Random, count: int) -> str:
    return " ".join(rng.sample(SENTENCES, count)) + " " + SYNTHETIC


def answer(
    question: Question,
    rng: random.Random,
    notified: dt.date,
    kid: Kid | None,
    reference: str,
) -> Any:
    """A valid answer to ``question``, stored as the GraphQL mutation stores one."""
    kind = question.kind
    if kind is QuestionKind.SUMMARY:
        return sentences(rng, between(rng, 2, 4))
    if kind is QuestionKind.TEXT:
        if question.code in ("case_number", "case_reference"):
            return kid.local_id if kid is not None else f"S7-{reference}-{between(rng, 1, 99):02d}"
        if question.code == "child_age" and kid is not None:
            if kid.born is None:
                return "unborn"
            return f"{(notified - kid.born).days // 365} years"
        return f"Synthetic note {between(rng, 1, 999)}."
    if kind is QuestionKind.YES_NO:
        if question.code == "living_with_domestic_abuse" and kid is not None:
            return kid.domestic_abuse
        return rng.random() < 0.6
    if kind is QuestionKind.INTEGER:
        return between(rng, 0, 10)
    if kind is QuestionKind.DATE:
        return (notified - dt.timedelta(days=between(rng, 0, 182))).isoformat()
    codes = [c.code for c in question.choices]
    if kind is QuestionKind.MULTI_CHOICE:
        return rng.sample(codes, between(rng, 1, min(3, len(codes))))
    return rng.choice(codes)


def answers_for(
    form: EvidenceForm,
    rng: random.Random,
    notified: dt.date,
    kid: Kid | None,
    reference: str,
    criteria: Sequence[str],
) -> dict[str, Any]:
    """Every question of the form, as the mutation stores it: required ones answered, most
    optional ones too, unanswered ones None; sometimes criteria the inspector cites."""
    answers: dict[str, Any] = {}
    for question in form.questions:
        answered = question.required or rng.random() < 0.7
        answers[question.code] = (
            answer(question, rng, notified, kid, reference) if answered else None
        )
    if criteria and rng.random() < 0.2:
        answers["jtai_cited_criteria"] = rng.sample(list(criteria), 2)  # core.workflow.evidence
    return answers


@dataclass(frozen=True, slots=True)
class EvidenceRecords:
    """One inspection's evidence rows, recorded on site by its team, mostly final."""

    rng: random.Random
    catalogue: Catalogue
    inspection_id: int
    reference: str
    notified: dt.date
    on_site: Sequence[dt.date]
    team: Mapping[str, Sequence[int]]
    agencies: Sequence[tuple[int, str]]  # (id, kind)

    def rows(
        self, tracked: Sequence[Kid], sampled: Sequence[tuple[Kid, str]]
    ) -> list[dict[str, Any]]:
        """Evidence with every form of the framework whose inspectorate is on the team: a
        case-tracking record per tracked child from one or two inspectors, a sampling record per
        sampled child, an agency record per agency the inspectorate inspects (three for the
        Cafcass section 7 cases the lead inspectorate reads), one per area form."""
        rng = self.rng
        rows = []
        for code, form in self.catalogue.forms:
            team = self.team.get(code)
            if not team:
                continue
            if form.subject is EvidenceSubject.TRACKED_CHILD:
                for kid in tracked:
                    for by in rng.sample(team, min(len(team), between(rng, 1, 2))):
                        rows.append(self._row(code, form, by, kid))
            elif form.subject is EvidenceSubject.SAMPLED_CHILD:
                rows += [self._row(code, form, rng.choice(team), kid) for kid, _ in sampled]
            elif form.subject is EvidenceSubject.AGENCY:
                kinds = set(self.catalogue.agency_kinds.get(code, ()))
                if code == self.catalogue.lead:
                    kinds = {AgencyKind.CAFCASS.value}
                for agency_id, kind in self.agencies:
                    if kind in kinds:
                        repeats = 3 if kind == AgencyKind.CAFCASS.value else 1
                        rows += [
                            self._row(code, form, rng.choice(team), agency_id=agency_id)
                            for _ in range(repeats)
                        ]
            else:
                rows.append(self._row(code, form, team[0]))
        return rows

    def _row(
        self, inspectorate: str, form: EvidenceForm, by: int, kid: Kid | None = None,
        agency_id: int | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        rng = self.rng
        answers = answers_for(
            form, rng, self.notified, kid, self.reference, self.catalogue.all_criteria
        )
        final = rng.random() < 0.9
        if not final:
            # A draft may leave a required text blank or a multiple choice unticked for later
            # (core.workflow.evidence); required answers are never null, the types say so.
            blanks = [q for q in form.questions if q.required and evidence_rules.needs_text(q)]
            if blanks:
                question = rng.choice(blanks)
                multi = question.kind is QuestionKind.MULTI_CHOICE
                answers[question.code] = [] if multi else ""
        recorded = time_on_site(rng, self.on_site)
        return {
            "inspection_id": self.inspection_id,
            "inspectorate": inspectorate,
            "form": form.code,
            "child_id": kid.id if kid is not None else None,
            "agency_id": agency_id,
            "status": "final" if final else "draft",
            "answers": answers,
            "recorded_by_id": by,
            "recorded_at": recorded,
            "updated_at": recorded + dt.timedelta(minutes=between(rng, 0, 600)),
        }
