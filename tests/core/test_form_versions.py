"""Forms change over the years: each evidence record keeps the form version it was recorded
against, and a new version that adds a required question or retires a choice leaves old records
readable and valid as they were (the outside plugin's refuge visit form, versions 1 and 2)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from starlette.applications import Starlette

from core.app import create_app
from core.contributions import EvidenceForm
from core.database import Database
from core.demo import DemoInspection
from core.hookspecs import hookimpl
from core.models import Agency, Inspection, InspectionInspectorate, Inspector, TeamMember
from core.plugins import make_plugin_manager
from core.registry import PluginContractError, build_registry
from core.settings import Settings
from core.viewer import Role
from tests.helpers.environment import FIRST_PARTY
from tests.helpers.graphql import GraphQLClient, Response, TokenFactory
from tests.helpers.ids import gid
from tests.helpers.outside_plugin import CODE, OutsideInspectorate

RECORD = (
    "mutation($input: CiwRefugeVisitEvidenceInput!) { recordCiwRefugeVisitEvidence(input: $input) "
    "{ errors { field message } evidence { id formVersion } } }"
)
FIELD = "recordCiwRefugeVisitEvidence"
READ = (
    "query($id: ID!) { node(id: $id) { ... on CiwRefugeVisitEvidence { status formVersion "
    "riskUnderstood safetyPlanSeen form { version questions { code required since choices "
    "{ code retired } } } } } }"
)


def app_with_form(database: Database, tmp_path: Path, version: int) -> GraphQLClient:
    manager = make_plugin_manager(
        only=FIRST_PARTY, extra_plugins=[(CODE, OutsideInspectorate(version))]
    )
    settings = Settings(database_url=database.url, storage_dir=tmp_path)
    app: Starlette = create_app(settings, plugin_manager=manager, database=database)
    return GraphQLClient(app, database)


@pytest.fixture
def ciw_inspector(database: Database, demo: DemoInspection, make_token: TokenFactory) -> str:
    """A CIW inspector on the demo's team, CIW taking part (as if installed before it began)."""
    with database.write() as session:
        inspector = Inspector(name="Cai Cymru", email="cai@example.org", inspectorate=CODE)
        session.add(inspector)
        session.flush()
        session.add(TeamMember(inspection_id=demo.inspection_id, inspector_id=inspector.id))
        session.add(InspectionInspectorate(inspection_id=demo.inspection_id, inspectorate=CODE))
        inspector_id = inspector.id
    return make_token(Role.INSPECTOR, inspector_id=inspector_id)


def record(gql: GraphQLClient, token: str, demo: DemoInspection, **answers: Any) -> Response:
    with gql.database.session() as session:
        police = session.scalar(
            select(Agency.id)
            .join(Inspection, Inspection.area_id == Agency.area_id)
            .where(Inspection.id == demo.inspection_id, Agency.kind == "police")
        )
    assert police is not None
    data = {
        "inspectionId": gid("Inspection", demo.inspection_id),
        "agencyId": gid("Agency", police),
        "status": "FINAL",
    }
    return gql(RECORD, {"input": {**data, **answers}}, token)


def test_old_records_stay_readable_and_valid_when_the_form_changes(
    database: Database, demo: DemoInspection, ciw_inspector: str, tmp_path: Path
) -> None:
    first = app_with_form(database, tmp_path, 1)
    old = record(first, ciw_inspector, demo, riskUnderstood="PARTLY").ok()[FIELD]
    assert old["errors"] == [] and old["evidence"]["formVersion"] == 1

    upgraded = app_with_form(database, tmp_path, 2)
    read = upgraded(READ, {"id": old["evidence"]["id"]}, ciw_inspector).ok()["node"]
    missing = record(upgraded, ciw_inspector, demo, riskUnderstood="WELL")
    retired = record(upgraded, ciw_inspector, demo, riskUnderstood="PARTLY", safetyPlanSeen=True)
    new = record(upgraded, ciw_inspector, demo, riskUnderstood="WELL", safetyPlanSeen=True)
    retired_payload, new_payload = retired.ok()[FIELD], new.ok()[FIELD]

    # The old record reads as it was recorded: FINAL, its retired choice, no answer it never had.
    assert read["status"] == "FINAL" and read["formVersion"] == 1
    assert read["riskUnderstood"] == "PARTLY" and read["safetyPlanSeen"] is None
    assert read["form"]["version"] == 2
    assert read["form"]["questions"] == [
        {
            "code": "risk_understood",
            "required": False,
            "since": 1,
            "choices": [{"code": "WELL", "retired": False}, {"code": "PARTLY", "retired": True}],
        },
        {"code": "safety_plan_seen", "required": True, "since": 2, "choices": []},
    ]
    # New evidence follows version 2: the new question is required, the retired choice refused.
    [invalid] = missing.errors  # the input type requires it: GraphQL validation refuses it
    assert "required field 'safetyPlanSeen'" in invalid["message"]
    assert retired_payload["evidence"] is None
    [refusal] = retired_payload["errors"]
    assert refusal["field"] == "input.riskUnderstood"
    assert "PARTLY is retired from 'Refuge visit' (version 2)" in refusal["message"]
    assert "new evidence chooses one of WELL" in refusal["message"]
    assert new_payload["errors"] == [] and new_payload["evidence"]["formVersion"] == 2


class AheadOfItsForm(OutsideInspectorate):
    """Version 2's question, but the form's version left at 1: the author forgot to raise it."""

    @hookimpl
    def jtai_evidence_forms(self) -> tuple[EvidenceForm, ...]:
        [form] = OutsideInspectorate(2).jtai_evidence_forms()
        return (replace(form, version=1),)


def test_a_question_added_after_the_form_version_is_refused() -> None:
    with pytest.raises(PluginContractError) as raised:
        build_registry(
            make_plugin_manager(only=FIRST_PARTY, extra_plugins=[(CODE, AheadOfItsForm())])
        )

    assert raised.value.item == "evidence form 'refuge-visit', question 'safety_plan_seen'"
    assert "since=2 is outside the form's versions 1..1" in raised.value.problem
