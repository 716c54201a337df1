"""An inspection run through the graph to findings: final evidence from all four inspectorates,
and helpers to draft, agree and publish findings as the team would. Synthetic data only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from core.database import Database
from core.demo import DemoInspection
from core.models import Agency, Child, ChildSelection, Inspection, Inspector, LocalArea, TeamMember
from core.viewer import Role
from core.workflow.participation import participant_codes, record_participants
from tests.helpers.graphql import GraphQLClient, TokenFactory
from tests.helpers.ids import gid

EVIDENCE_TEXT = "Synthetic evidence text for a findings test; it describes no real child."
INSPECTORATES = ("cqc", "hmicfrs", "hmip", "ofsted")

FINDING_FIELDS = """
  id kind status title text headline publishedAt
  criteria { code } agencies { name kind }
  agreements { inspectorate { code } inspector { name } agreedAt }
  awaitingAgreementFrom { code shortName }
  changes { kind cursor }
"""
CREATE = (
    "mutation Create($input: CreateFindingInput!) { createFinding(input: $input) "
    "{ errors { field code message } finding {" + FINDING_FIELDS + "} } }"
)
UPDATE = (
    "mutation Update($input: UpdateFindingInput!) { updateFinding(input: $input) "
    "{ errors { field code message } finding {" + FINDING_FIELDS + "} } }"
)
AGREE = (
    "mutation Agree($id: ID!) { agreeFinding(findingId: $id) "
    "{ errors { field code message } finding {" + FINDING_FIELDS + "} } }"
)
PUBLISH = (
    "mutation Publish($id: ID!) { publishFinding(findingId: $id) "
    "{ errors { field code message } finding {" + FINDING_FIELDS + "} } }"
)
WITHDRAW = (
    "mutation Withdraw($id: ID!) { withdrawFinding(findingId: $id) "
    "{ errors { field code message } finding {" + FINDING_FIELDS + "} } }"
)


# Each inspectorate's da-2016 evidence form, and the kind of agency it is recorded against.
EVIDENCE_FORM_OF: dict[str, tuple[str, str | None]] = {
    "ofsted": ("case-tracking", None),
    "cqc": ("health-pathways", "health"),
    "hmicfrs": ("police-investigation", "police"),
    "hmip": ("perpetrator-risk", "probation"),
}


def answers_for(form: dict[str, Any], text: str = EVIDENCE_TEXT) -> dict[str, Any]:
    """An answer to every question of a form given as data (framework { evidenceForms })."""
    answers: dict[str, Any] = {}
    for question in form["questions"]:
        kind = question["kind"]
        choices = [c["code"] for c in question["choices"]]
        answers[question["fieldName"]] = {
            "CHOICE": choices[0] if choices else None,
            "MULTI_CHOICE": choices[:1],
            "YES_NO": True,
            "INTEGER": 2,
            "DATE": "2026-11-20",
        }.get(kind, text)
    return answers


FORMS_QUERY = """
query Forms($code: String!) { framework(code: $code) { evidenceForms {
  code graphqlTypeName inspectorate { code } subject
  questions { fieldName kind required choices { code } }
} } }
"""


@dataclass
class Team:
    """The demo inspection's team, one token per inspectorate (the Ofsted one is the lead)."""

    inspection_id: int
    area_id: int
    lead: str
    by_inspectorate: dict[str, str]
    inspector_ids: dict[str, int]
    agencies: dict[str, list[int]]  # by kind
    evidence: dict[str, str] = field(default_factory=dict)  # inspectorate -> evidence global ID
    tracked_child: int = 0
    audit_from: int = 0  # the audit trail's last event id before the test's steps

    @property
    def inspection(self) -> str:
        return gid("Inspection", self.inspection_id)

    def agency_ids(self, *kinds: str) -> list[str]:
        return [gid("Agency", a) for kind in kinds for a in self.agencies.get(kind, [])]


def team_of(
    database: Database, inspection_id: int, make_token: TokenFactory, lead_token: str | None = None
) -> Team:
    with database.session() as session:
        inspection = session.get(Inspection, inspection_id)
        assert inspection is not None
        members = session.execute(
            select(Inspector.inspectorate, Inspector.id, TeamMember.is_lead)
            .join(TeamMember, TeamMember.inspector_id == Inspector.id)
            .where(TeamMember.inspection_id == inspection_id)
            .order_by(TeamMember.is_lead.desc(), Inspector.id)
        ).all()
        agencies: dict[str, list[int]] = {}
        for agency in session.scalars(
            select(Agency).where(Agency.area_id == inspection.area_id).order_by(Agency.id)
        ):
            agencies.setdefault(agency.kind, []).append(agency.id)
        child = session.scalar(
            select(Child.id).where(Child.inspection_id == inspection_id).order_by(Child.id)
        )
        area_id = inspection.area_id
    first: dict[str, int] = {}
    for inspectorate, inspector_id, _ in members:
        first.setdefault(inspectorate, inspector_id)
    tokens = {
        code: make_token(Role.INSPECTOR, inspector_id=inspector_id)
        for code, inspector_id in first.items()
    }
    if lead_token is not None:
        tokens["ofsted"] = lead_token
    return Team(
        inspection_id=inspection_id,
        area_id=area_id,
        lead=tokens["ofsted"],
        by_inspectorate=tokens,
        inspector_ids=first,
        agencies=agencies,
        tracked_child=child or 0,
    )


def record_final_evidence(gql: GraphQLClient, database: Database, team: Team) -> None:
    """Final evidence from each inspectorate: Ofsted's case tracking of a tracked child, the
    others' agency forms about an agency of the kind they inspect."""
    forms = gql(FORMS_QUERY, {"code": "da-2016"}, team.lead).ok()["framework"]["evidenceForms"]
    with database.write() as session:
        session.add(
            ChildSelection(
                inspection_id=team.inspection_id, child_id=team.tracked_child, kind="tracked"
            )
        )
    wanted = EVIDENCE_FORM_OF
    for code, (form_code, agency_kind) in wanted.items():
        form = next(f for f in forms if f["code"] == form_code)
        type_name = form["graphqlTypeName"]
        data: dict[str, Any] = {
            "inspectionId": team.inspection,
            "status": "FINAL",
            **answers_for(form),
        }
        if agency_kind is None:
            data["childId"] = gid("Child", team.tracked_child)
        else:
            data["agencyId"] = team.agency_ids(agency_kind)[0]
        payload = gql(
            f"mutation($input: {type_name}Input!) {{ record{type_name}(input: $input) "
            "{ errors { field message } evidence { id } } }",
            {"input": data},
            team.by_inspectorate[code],
        ).ok()[f"record{type_name}"]
        assert payload["errors"] == [], payload
        team.evidence[code] = payload["evidence"]["id"]


def create_finding(
    gql: GraphQLClient,
    team: Team,
    *,
    kind: str = "AREA_FOR_IMPROVEMENT",
    title: str = "Police reports do not always record children's experiences",
    text: str = "A synthetic finding written for a test.",
    criteria: tuple[str, ...] = ("ESN-31", "ESN-23"),
    agency_kinds: tuple[str, ...] = ("police",),
    evidence_from: tuple[str, ...] = ("hmicfrs", "ofsted"),
    headline: bool = False,
    token: str | None = None,
) -> dict[str, Any]:
    payload = gql(
        CREATE,
        {
            "input": {
                "inspectionId": team.inspection,
                "kind": kind,
                "title": title,
                "text": text,
                "headline": headline,
                "criteria": list(criteria),
                "agencyIds": team.agency_ids(*agency_kinds),
                "evidenceIds": [team.evidence[c] for c in evidence_from],
            }
        },
        token or team.lead,
    ).ok()["createFinding"]
    assert payload["errors"] == [], payload
    finding: dict[str, Any] = payload["finding"]
    return finding


def agree(
    gql: GraphQLClient, team: Team, finding_id: str, inspectorates: tuple[str, ...] = INSPECTORATES
) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    for code in inspectorates:
        payload = gql(AGREE, {"id": finding_id}, team.by_inspectorate[code]).ok()["agreeFinding"]
        assert payload["errors"] == [], payload
    return payload


def publish(gql: GraphQLClient, team: Team, finding_id: str) -> dict[str, Any]:
    payload: dict[str, Any] = gql(PUBLISH, {"id": finding_id}, team.lead).ok()["publishFinding"]
    return payload


def publish_new(gql: GraphQLClient, team: Team, **content: Any) -> dict[str, Any]:
    """Draft, agree by all four, publish: the finding as published."""
    finding = create_finding(gql, team, **content)
    agree(gql, team, finding["id"])
    payload = publish(gql, team, finding["id"])
    assert payload["errors"] == [], payload
    published: dict[str, Any] = payload["finding"]
    return published


def second_inspection(
    database: Database,
    demo: DemoInspection,
    *,
    code: str = "ZZ-SECOND",
    name: str = "Southmere (synthetic)",
    reference: str = "JTAI-SECOND-001",
    framework: str = "da-2016",
) -> int:
    """Another area and inspection with the demo's team, for rounds of several areas."""
    with database.write() as session:
        area = LocalArea(code=code, name=name)
        session.add(area)
        session.flush()
        for kind in ("local_authority", "police", "health", "probation", "school"):
            session.add(Agency(area_id=area.id, kind=kind, name=f"{name} {kind}"))
        inspection = Inspection(
            reference=reference,
            area_id=area.id,
            framework=framework,
            notification_date=dt.date(2026, 11, 17),
        )
        session.add(inspection)
        session.flush()
        members = session.execute(
            select(TeamMember.inspector_id, TeamMember.is_lead).where(
                TeamMember.inspection_id == demo.inspection_id
            )
        ).all()
        for inspector_id, is_lead in members:
            session.add(
                TeamMember(inspection_id=inspection.id, inspector_id=inspector_id, is_lead=is_lead)
            )
        record_participants(session, inspection, participant_codes(session, demo.inspection_id))
        session.add(Child(inspection_id=inspection.id, local_id=f"{code}-CHILD-1"))
        return inspection.id
