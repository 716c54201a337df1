"""A UI renders an evidence form from data alone: it reads the forms, builds the mutation from
`inputType`, `mutation` and the questions' field names, records evidence, and reads the answers
back with their labels."""

from __future__ import annotations

from typing import Any

from core.database import Database
from core.demo import DemoInspection
from core.models import ChildSelection
from core.registry import Registry, form_input_name, form_mutation_name
from tests.helpers.findings_world import Team, team_of
from tests.helpers.graphql import GraphQLClient, TokenFactory
from tests.helpers.ids import gid

FORMS = """
query($code: String!) { framework(code: $code) { evidenceForms {
  code inputType mutation subject inspectorate { code }
  questions { code fieldName text kind required choices { code label } }
} } }
"""


def answer(question: dict[str, Any]) -> Any:
    """What a person would enter, by the question's kind: the last choice, to tell it apart."""
    choices = [c["code"] for c in question["choices"]]
    return {
        "CHOICE": choices[-1] if choices else None,
        "MULTI_CHOICE": choices[-2:],
        "YES_NO": False,
        "INTEGER": 3,
        "DATE": "2026-11-19",
    }.get(question["kind"], f"Synthetic answer to {question['code']}.")


def test_a_form_renders_records_and_reads_back_from_data_alone(
    gql: GraphQLClient,
    database: Database,
    registry: Registry,
    demo: DemoInspection,
    lead_token: str,
    make_token: TokenFactory,
) -> None:
    team = team_of(database, demo.inspection_id, make_token, lead_token)
    with database.write() as session:
        session.add(
            ChildSelection(
                inspection_id=team.inspection_id, child_id=team.tracked_child, kind="tracked"
            )
        )
    forms = gql(FORMS, {"code": "da-2016"}, lead_token).ok()["framework"]["evidenceForms"]
    subjects = {
        "case-tracking": {"childId": gid("Child", team.tracked_child)},
        "health-pathways": {"agencyId": team.agency_ids("health")[0]},
        "police-investigation": {"agencyId": team.agency_ids("police")[0]},
        "perpetrator-risk": {"agencyId": team.agency_ids("probation")[0]},
    }
    kinds: set[str] = set()
    for form in forms:
        if form["code"] in subjects:
            record_and_read(gql, team, form, subjects[form["code"]])
            kinds |= {q["kind"] for q in form["questions"]}
    assert {"CHOICE", "MULTI_CHOICE", "SUMMARY", "TEXT"} <= kinds
    # The names come from the registry's one naming rule.
    owned = registry.evidence_form("cqc", "health-pathways")
    cqc = registry.inspectorate("cqc")
    assert owned is not None and cqc is not None
    health = next(f for f in forms if f["code"] == "health-pathways")
    assert health["inputType"] == form_input_name(cqc, owned.item)
    assert health["mutation"] == form_mutation_name(cqc, owned.item)


def record_and_read(
    gql: GraphQLClient, team: Team, form: dict[str, Any], subject: dict[str, str]
) -> None:
    given = {q["fieldName"]: answer(q) for q in form["questions"]}
    mutation = (
        f"mutation Record($input: {form['inputType']}!) {{ {form['mutation']}(input: $input) "
        "{ errors { field message } evidence { id answers { questionCode fieldName label kind "
        "value choices { code label } } } } }"
    )
    payload = gql(
        mutation,
        {
            "input": {
                "inspectionId": team.inspection,
                **subject,
                "status": "FINAL",
                **given,
            }
        },
        team.by_inspectorate[form["inspectorate"]["code"]],
    ).ok()[form["mutation"]]
    assert payload["errors"] == [], payload
    answers = payload["evidence"]["answers"]
    assert [a["questionCode"] for a in answers] == [q["code"] for q in form["questions"]]
    for question, got in zip(form["questions"], answers, strict=True):
        assert got["label"] == question["text"]
        assert got["fieldName"] == question["fieldName"]
        assert got["kind"] == question["kind"]
        assert got["value"] == given[question["fieldName"]]
        labels = {c["code"]: c["label"] for c in question["choices"]}
        picked = got["value"] if isinstance(got["value"], list) else [got["value"]]
        expected = [{"code": c, "label": labels[c]} for c in picked] if labels else []
        assert got["choices"] == expected
