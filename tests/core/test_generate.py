"""The synthetic data generator (``jtai generate``): reproducible for a seed, on both databases;
consistent with the rules the workflow enforces; readable through the graph."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import models as m
from core.cli import main
from core.contributions import QuestionKind
from core.database import Database
from core.lists import read_list
from core.migrate import upgrade
from core.registry import Registry, form_type_name
from core.synthetic import GenerateError, Generation, Scale, generate
from core.synthetic.lists import EXAMPLE_NOTIFICATION, list_csv, synthetic_list
from core.viewer import Role
from core.workflow import evidence as evidence_rules
from core.workflow.lists import json_ready
from core.workflow.selection import (
    child_problems,
    current_rows,
    sampling_lists,
    selection_memberships,
)
from tests.helpers.graphql import GraphQLClient, TokenFactory
from tests.helpers.ids import gid

TINY = {"inspections": 2, "seed": 7, "scale": Scale.SMALL}
TABLES = [t.name for t in m.Base.metadata.sorted_tables if t.name != "audit_events"]


def _generate(database: Database, registry: Registry, **options: Any) -> Generation:
    return generate(database, registry, **{**TINY, **options})


def snapshot(database: Database) -> dict[str, Any]:
    """Counts of every table and the first rows of the generated ones, without database ids."""
    with database.session() as session:
        counts = {
            name: session.scalar(select(func.count()).select_from(m.Base.metadata.tables[name]))
            for name in TABLES
        }
        reference = {i.id: i.reference for i in session.scalars(select(m.Inspection))}
        local = dict(session.execute(select(m.Child.id, m.Child.local_id)).all())
        children = [
            (reference[c.inspection_id], c.local_id, c.gender, c.ethnicity, c.date_of_birth,
             c.expected_date_of_birth, c.has_disability, c.lives_with_domestic_abuse)
            for c in session.scalars(select(m.Child).order_by(m.Child.id).limit(10))
        ]  # fmt: skip
        rows = [
            (r.list_code, r.row_number, local.get(r.child_id or 0), r.values)
            for r in session.scalars(select(m.ListRow).order_by(m.ListRow.id).limit(10))
        ]
        selections = sorted(
            (reference[s.inspection_id], local[s.child_id], s.kind, s.chosen_at, s.list_code)
            for s in session.scalars(select(m.ChildSelection))
        )
        evidence = [
            (e.form, e.status, local.get(e.child_id or 0), e.answers, e.recorded_at)
            for e in session.scalars(
                select(m.EvidenceRecord).order_by(m.EvidenceRecord.id).limit(5)
            )
        ]
        findings = [
            (f.kind, f.title, f.text, f.headline, f.published_at)
            for f in session.scalars(select(m.Finding).order_by(m.Finding.id).limit(5))
        ]
        requests = [
            (r.reference, r.due_at, r.received_at)
            for r in session.scalars(select(m.IssuedRequest).order_by(m.IssuedRequest.id).limit(10))
        ]
    return {
        "counts": counts,
        "children": children,
        "rows": rows,
        "selections": selections,
        "evidence": evidence,
        "findings": findings,
        "requests": requests,
    }


def test_the_same_seed_writes_the_same_rows_on_every_backend(
    database: Database, registry: Registry, tmp_path: Path
) -> None:
    first = _generate(database, registry)
    other = Database(f"sqlite:///{tmp_path / 'again.db'}")
    upgrade(other)
    try:
        again = _generate(other, registry)
        assert snapshot(database) == snapshot(other)  # the fixture's backend and a fresh SQLite
    finally:
        other.dispose()
    assert first.counts == again.counts
    assert first.counts["inspections"] == 2 and first.counts["list_rows"] > 200
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(m.Child)) == first.counts["children"]


def test_another_seed_writes_other_data_and_one_seed_cannot_be_written_twice(
    database: Database, registry: Registry
) -> None:
    _generate(database, registry)
    first = snapshot(database)
    _generate(database, registry, seed=8, inspections=1)
    with database.session() as session:
        references = set(session.scalars(select(m.Inspection.reference)))
        first_child = session.scalar(select(m.Child.local_id).order_by(m.Child.id.desc()))
    assert references == {"JTAI-SYN7-001", "JTAI-SYN7-002", "JTAI-SYN8-001"}
    assert first_child not in {c[1] for c in first["children"]}
    with pytest.raises(GenerateError, match="Use another --seed"):
        _generate(database, registry)


def _inspections(session: Session) -> list[m.Inspection]:
    return list(session.scalars(select(m.Inspection).order_by(m.Inspection.id)))


def test_every_child_and_row_belongs_to_its_own_inspection(
    database: Database, registry: Registry
) -> None:
    _generate(database, registry)
    with database.session() as session:
        mismatched = session.scalar(
            select(func.count())
            .select_from(m.ListRow)
            .join(m.Child, m.Child.id == m.ListRow.child_id)
            .join(m.ListUpload, m.ListUpload.id == m.ListRow.upload_id)
            .where(
                (m.Child.inspection_id != m.ListRow.inspection_id)
                | (m.ListUpload.inspection_id != m.ListRow.inspection_id)
                | (m.ListUpload.list_code != m.ListRow.list_code)
            )
        )
        assert mismatched == 0
        listed = select(m.ListRow.child_id).where(m.ListRow.child_id.is_not(None))
        unlisted = session.scalar(
            select(func.count()).select_from(m.Child).where(m.Child.id.not_in(listed))
        )
        assert unlisted == 0
        inspections = _inspections(session)
        assert len(inspections) == 2  # TINY's two: an empty database must not pass
        for inspection in inspections:
            uploads = session.scalars(
                select(m.ListUpload).where(m.ListUpload.inspection_id == inspection.id)
            ).all()
            assert len({u.list_code for u in uploads}) == 9  # the nine Annex A lists of da-2016
            for upload in uploads:
                request = session.get(m.IssuedRequest, upload.request_id)
                assert request is not None and request.inspection_id == inspection.id
                assert request.reference == f"list.{upload.list_code}"
                assert request.received_at == upload.uploaded_at
                agency = session.get(m.Agency, request.agency_id)
                assert agency is not None and agency.kind == "local_authority"
                assert agency.area_id == inspection.area_id
                rows = session.scalar(select(func.count()).where(m.ListRow.upload_id == upload.id))
                assert rows == upload.row_count


def test_selections_keep_the_rules_of_the_workflow(database: Database, registry: Registry) -> None:
    _generate(database, registry)
    with database.session() as session:
        inspections = _inspections(session)
        assert len(inspections) == 2  # TINY's two: an empty database must not pass
        for inspection in inspections:
            chosen: dict[str, list[m.ChildSelection]] = {}
            for row in session.scalars(
                select(m.ChildSelection).where(m.ChildSelection.inspection_id == inspection.id)
            ):
                chosen.setdefault(row.kind, []).append(row)
            selected = {s.child_id for s in chosen["selected"]}
            tracked = {s.child_id for s in chosen["tracked"]}
            assert len(selected) == 20
            assert 5 <= len(tracked) <= 7 and tracked <= selected
            assert chosen["sampled"]
            memberships = selection_memberships(session, registry, inspection, selected)
            for child_id in selected:
                child = session.get(m.Child, child_id)
                assert child is not None and child.lives_with_domestic_abuse is True
                problems = child_problems(
                    registry, inspection, child, memberships.get(child_id), "childIds"
                )
                assert problems == []  # on a selection list, flagged, in the age scope
            for sample in chosen["sampled"]:
                assert sample.list_code is not None and sample.reason
                assert sample.list_code in sampling_lists(registry, inspection.framework)
                assert current_rows(session, inspection.id, [sample.list_code], [sample.child_id])
            issued = session.scalars(
                select(m.IssuedRequest.child_id).where(
                    m.IssuedRequest.inspection_id == inspection.id,
                    m.IssuedRequest.child_id.is_not(None),
                )
            ).all()
            assert set(issued) == tracked  # per-child requests for the tracked children only


def test_evidence_answers_each_form_as_the_graph_records_it(
    database: Database, registry: Registry
) -> None:
    _generate(database, registry)
    with database.session() as session:
        records = session.scalars(select(m.EvidenceRecord)).all()
        assert {r.form for r in records} == {
            o.item.code for o in registry.evidence_forms_of("da-2016")
        }
        for record in records:
            owned = registry.evidence_form(record.inspectorate, record.form)
            assert owned is not None
            form = owned.item
            inspector = session.get(m.Inspector, record.recorded_by_id)
            assert inspector is not None and inspector.inspectorate == record.inspectorate
            needed = evidence_rules.selection_needed(form)
            if needed is not None:
                assert record.child_id is not None
                assert evidence_rules.is_chosen(
                    session, record.inspection_id, record.child_id, needed
                )
            else:
                assert record.agency_id is not None
            if record.status == "final":
                assert evidence_rules.unanswered_required(form, record.answers) == []
            for question in form.questions:
                value = record.answers[question.code]
                choices = {c.code for c in question.choices}
                if value is not None and question.kind is QuestionKind.CHOICE:
                    assert value in choices
                if value is not None and question.kind is QuestionKind.MULTI_CHOICE:
                    assert value and set(value) <= choices
            cited = evidence_rules.cited(record.answers)
            assert evidence_rules.unknown_criteria(registry, "da-2016", cited) == []


def test_findings_are_published_and_agreed_by_every_inspectorate_taking_part(
    database: Database, registry: Registry
) -> None:
    _generate(database, registry)
    taking_part = {i.code for i in registry.participants("da-2016")}
    assert taking_part == {"ofsted", "cqc", "hmicfrs", "hmip"}
    with database.session() as session:
        inspections = _inspections(session)
        assert len(inspections) == 2  # TINY's two: an empty database must not pass
        for inspection in inspections:
            team = {
                t.inspector_id: t
                for t in session.scalars(
                    select(m.TeamMember).where(m.TeamMember.inspection_id == inspection.id)
                )
            }
            inspectorates = {
                i.id: i.inspectorate
                for i in session.scalars(select(m.Inspector).where(m.Inspector.id.in_(team)))
            }
            assert set(inspectorates.values()) == taking_part
            [lead] = [t.inspector_id for t in team.values() if t.is_lead]
            assert inspectorates[lead] == "ofsted"
            findings = session.scalars(
                select(m.Finding).where(m.Finding.inspection_id == inspection.id)
            ).all()
            assert 5 <= len(findings) <= 15
            for finding in findings:
                assert finding.status == "published" and finding.published_at is not None
                agreements = session.scalars(
                    select(m.FindingAgreement).where(m.FindingAgreement.finding_id == finding.id)
                ).all()
                assert {a.inspectorate for a in agreements} == taking_part
                for agreement in agreements:
                    assert inspectorates[agreement.inspector_id] == agreement.inspectorate
                    assert agreement.agreed_at < finding.published_at
                changes = session.scalars(
                    select(m.FindingChange.change).where(m.FindingChange.finding_id == finding.id)
                ).all()
                assert changes == ["published"]
                criteria = session.scalars(
                    select(m.FindingCriterion.criterion_code).where(
                        m.FindingCriterion.finding_id == finding.id
                    )
                ).all()
                assert criteria and all(registry.criterion("da-2016", c) for c in criteria)
                agencies = session.scalars(
                    select(m.Agency.area_id)
                    .join(m.FindingAgency, m.FindingAgency.agency_id == m.Agency.id)
                    .where(m.FindingAgency.finding_id == finding.id)
                ).all()
                assert agencies and set(agencies) == {inspection.area_id}
                cited = session.scalars(
                    select(m.EvidenceRecord)
                    .join(m.FindingEvidence, m.FindingEvidence.evidence_id == m.EvidenceRecord.id)
                    .where(m.FindingEvidence.finding_id == finding.id)
                ).all()
                assert cited and all(
                    e.status == "final" and e.inspection_id == inspection.id for e in cited
                )
            report = session.scalar(select(m.Report).where(m.Report.inspection_id == inspection.id))
            assert report is not None and report.published_at is not None


def test_every_list_it_writes_is_accepted_by_the_list_import_as_it_is(registry: Registry) -> None:
    code_sets = {c.code: c for c in registry.code_sets}
    for code in (
        "children-in-need", "child-protection-plans", "contacts", "early-help", "referrals",
        "assessments", "section-47", "selected-children", "meetings",
    ):  # fmt: skip
        rows = synthetic_list(registry, code, 300 if code != "selected-children" else 20, seed=3)
        spec = registry.list_spec("da-2016", code)
        assert spec is not None
        result = read_list(
            list_csv(spec, rows), f"{code}.csv", spec, code_sets, as_of=EXAMPLE_NOTIFICATION
        )
        assert result.accepted and result.problems == [], (code, result.problems[:3])
        assert [json_ready(row.values) for row in result.rows] == rows


def test_children_in_need_look_like_a_real_list(registry: Registry) -> None:
    rows = synthetic_list(registry, "children-in-need", 5000, seed=11)
    share = Counter[str]()
    for row in rows:
        share["unborn"] += row["date_of_birth"] is None
        share["domestic abuse"] += row["domestic_abuse"]
        share["disability"] += row["disability"]
        share[row["gender"]] += 1
        share[row["primary_need"]] += 1
    rate = {key: count / len(rows) for key, count in share.items()}
    assert 0.01 <= rate["unborn"] <= 0.035
    assert all(row["expected_date_of_birth"] for row in rows if row["date_of_birth"] is None)
    assert 0.28 <= rate["domestic abuse"] <= 0.52
    assert 0.07 <= rate["disability"] <= 0.13
    assert rate["M"] > rate["F"] > rate["U"] > 0
    assert (
        max(
            ("N0", "N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8", "N9"),
            key=lambda need: rate[need],
        )
        == "N1"
    )
    ages = Counter(row["age_years"] for row in rows if row["age_years"] is not None)
    assert min(ages) == 0 and max(ages) == 17


DASHBOARD = """
query Dashboard($id: ID!) {
  inspection(id: $id) {
    reference timetable { deadlines { reference dueAt } }
    team { isLead inspector { name inspectorate { code } } }
    agencies { kind name }
    children(first: 50) { totalCount nodes { localId isUnborn livesWithDomesticAbuse } }
    evidence(first: 50) {
      totalCount
      nodes {
        status form { code } criteria { code }
        ... on OfstedCaseTrackingEvidence { caseNumber }
      }
    }
  }
}
"""
FINDINGS = """
{ findings(first: 100) { totalCount nodes { title agreedBy criteria { code } agencies { name } } } }
"""


def every_answer(registry: Registry) -> list[str]:
    """Queries of an inspection's evidence with every answer of one form, through its typed
    fields: one query per form, as two forms may give one answer name different types."""
    queries = []
    for owned in registry.evidence_forms_of("da-2016"):
        inspectorate = registry.inspectorate(owned.owner)
        assert inspectorate is not None
        names = " ".join(
            q.code.split("_")[0] + "".join(p.capitalize() for p in q.code.split("_")[1:])
            for q in owned.item.questions
        )
        fragment = f"... on {form_type_name(inspectorate, owned.item)} {{ {names} }}"
        queries.append(
            "query Evidence($id: ID!) { inspection(id: $id) { evidence(first: 100) { "
            f"totalCount nodes {{ status {fragment} }} }} }} }}"
        )
    return queries


def test_the_graph_reads_what_it_generated(
    database: Database, registry: Registry, gql: GraphQLClient, make_token: TokenFactory
) -> None:
    generation = _generate(database, registry)
    first = generation.inspections[0]
    lead = make_token(Role.INSPECTOR, inspector_id=first.lead_inspector_id)
    data = gql(DASHBOARD, {"id": gid("Inspection", first.inspection_id)}, token=lead).ok()
    inspection = data["inspection"]
    assert inspection["reference"] == first.reference
    assert inspection["children"]["totalCount"] == first.children
    assert len(inspection["children"]["nodes"]) == 50
    assert {t["inspector"]["inspectorate"]["code"] for t in inspection["team"]} == {
        "ofsted", "cqc", "hmicfrs", "hmip"
    }  # fmt: skip
    assert inspection["evidence"]["totalCount"] > 0
    for done in generation.inspections:
        token = make_token(Role.INSPECTOR, inspector_id=done.lead_inspector_id)
        variables = {"id": gid("Inspection", done.inspection_id)}
        for query in every_answer(registry):
            evidence = gql(query, variables, token=token).ok()["inspection"]["evidence"]
            statuses = Counter(node["status"] for node in evidence["nodes"])
            assert statuses["FINAL"] and sum(statuses.values()) == evidence["totalCount"]
    integrator = make_token(Role.INTEGRATOR)
    findings = gql(FINDINGS, token=integrator).ok()["findings"]
    assert findings["totalCount"] == sum(i.findings for i in generation.inspections)
    assert all(len(f["agreedBy"]) == 4 for f in findings["nodes"])


def test_focus_findings_gives_the_first_inspection_that_many(
    database: Database, registry: Registry
) -> None:
    generation = _generate(database, registry, inspections=1, focus_findings=40)
    assert generation.inspections[0].findings == 40 == generation.counts["findings"]


def test_generate_refuses_what_it_cannot_do(database: Database, registry: Registry) -> None:
    with pytest.raises(GenerateError, match="seed must be 0 to 999999"):
        _generate(database, registry, seed=-1)
    with pytest.raises(GenerateError, match="inspections must be 1 to 999"):
        _generate(database, registry, inspections=0)


def test_the_command_prints_what_it_generated(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'generated.db'}"
    args = ["generate", "--inspections", "1", "--seed", "5", "--scale", "small", "--database", url]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "1/1 JTAI-SYN5-001:" in result.output
    assert "Generated 1 synthetic inspection(s), seed 5, scale small:" in result.output
    assert "list_rows" in result.output and "rows/s" in result.output
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 1 and "Use another --seed" in again.output


def test_notification_dates_are_working_tuesdays_in_the_framework_period(
    database: Database, registry: Registry
) -> None:
    _generate(database, registry, inspections=3)
    with database.session() as session:
        dates = session.scalars(select(m.Inspection.notification_date)).all()
    assert all(d.weekday() == 1 and dt.date(2016, 9, 1) <= d <= dt.date(2017, 3, 31) for d in dates)
