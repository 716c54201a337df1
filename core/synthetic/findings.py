"""One inspection's published findings, with their links and change-feed rows, and its report."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping, Sequence
from typing import Any

from core.synthetic.catalogue import Catalogue
from core.synthetic.distributions import SYNTHETIC, between, london_time
from core.synthetic.evidence import sentences
from core.synthetic.writer import Writer

KIND_WEIGHTS = (("strength", 45), ("area_for_improvement", 45), ("priority_action", 10))
TITLES = {
    "strength": "{title}: practice is consistently strong",
    "area_for_improvement": "{title}: practice is not yet consistent",
    "priority_action": "{title}: agencies must act now",
}


def write_findings(
    writer: Writer,
    rng: random.Random,
    c: Catalogue,
    *,
    count: int,
    inspection_id: int,
    team: Mapping[str, Sequence[int]],
    agencies: Sequence[tuple[int, str]],  # (id, kind)
    area_name: str,
    notified: dt.date,
    fieldwork_ends: dt.date,
    final_evidence: Sequence[int],
) -> int:
    """``count`` published findings citing 1-3 criteria, agencies of the kinds the criteria's
    leading inspectorates inspect, and 1-4 final records; agreed by the first inspector of every
    inspectorate taking part a week before the letter; then the published report."""
    drafted = london_time(fieldwork_ends, 16)
    published = london_time(notified + dt.timedelta(weeks=7), 10)
    kinds = [k for k, _ in KIND_WEIGHTS]
    weights = [w for _, w in KIND_WEIGHTS]
    members = [i for code in sorted(team) for i in team[code]]
    findings: list[dict[str, Any]] = []
    cited: list[list[tuple[str, str, str]]] = []
    for position in range(count):
        kind = rng.choices(kinds, weights)[0]
        criteria = rng.sample(c.criteria, between(rng, 1, 3))
        moment = published + dt.timedelta(seconds=position)
        findings.append(
            {
                "inspection_id": inspection_id,
                "kind": kind,
                "title": TITLES[kind].format(title=criteria[0][1])[:300],
                "text": sentences(rng, between(rng, 2, 4)),
                "headline": rng.random() < 0.25,
                "status": "published",
                "created_by_id": rng.choice(members),
                "created_at": drafted,
                "updated_at": moment,
                "published_at": moment,
            }
        )
        cited.append(criteria)
    ids = writer.insert_ids("findings", findings)
    links: dict[str, list[dict[str, Any]]] = {
        "finding_criteria": [],
        "finding_agencies": [],
        "finding_evidence": [],
        "finding_agreements": [],
        "finding_changes": [],
    }
    all_agencies = [a for a, _ in agencies]
    for finding_id, row, criteria in zip(ids, findings, cited, strict=True):
        links["finding_criteria"] += [
            {"finding_id": finding_id, "criterion_code": code} for code, _, _ in criteria
        ]
        wanted = {k for _, _, lead in criteria for k in c.agency_kinds.get(lead, ())}
        fitting = [a for a, kind in agencies if kind in wanted] or all_agencies
        links["finding_agencies"] += [
            {"finding_id": finding_id, "agency_id": a}
            for a in sorted(rng.sample(fitting, min(len(fitting), between(rng, 1, 3))))
        ]
        evidence = rng.sample(final_evidence, min(len(final_evidence), between(rng, 1, 4)))
        links["finding_evidence"] += [
            {"finding_id": finding_id, "evidence_id": e} for e in sorted(evidence)
        ]
        links["finding_agreements"] += [
            {
                "finding_id": finding_id,
                "inspectorate": code,
                "inspector_id": team[code][0],
                "agreed_at": row["published_at"] - dt.timedelta(days=7, minutes=position),
            }
            for position, code in enumerate(c.participants)
        ]
        links["finding_changes"].append(
            {
                "finding_id": finding_id,
                "change": "published",
                "occurred_at": row["published_at"],
            }
        )
    for table, rows in links.items():
        writer.insert(table, rows)
    writer.insert(
        "reports",
        [
            {
                "inspection_id": inspection_id,
                "context": f"{area_name} is a synthetic area. {SYNTHETIC}",
                "practice_study_effective": sentences(rng, 2),
                "practice_study_improvement": sentences(rng, 2),
                "next_steps": "The partnership should prepare a written statement of proposed "
                f"action. {SYNTHETIC}",
                "statement_due_on": notified + dt.timedelta(weeks=7 + 10),
                "published_at": published + dt.timedelta(seconds=count),
            }
        ],
    )
    return count
