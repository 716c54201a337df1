"""One inspection, written step by step from its own random stream: set-up, requests, lists,
selections and evidence (its findings and report: core.synthetic.findings)."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from core.contributions import ListSpec
from core.synthetic.areas import Area, Kid, area_agencies
from core.synthetic.catalogue import Catalogue
from core.synthetic.distributions import (
    DEFAULT_TEAM_SIZE,
    ROOTS,
    SAMPLED,
    STEMS,
    SYNTHETIC,
    TEAM_SIZE,
    Scale,
    between,
    list_sizes,
    london_time,
    size_factor,
    time_on_site,
)
from core.synthetic.errors import GenerateError
from core.synthetic.evidence import EvidenceRecords
from core.synthetic.findings import write_findings
from core.synthetic.requests import area_requests, child_requests
from core.synthetic.writer import Writer, table_named
from core.timetable import ENGLAND_AND_WALES, due_at, inspection_weeks
from core.workflow.list_problems import NO_PROBLEMS, summary_json
from core.workflow.selection import MAX_SELECTED, MAX_TRACKED, MIN_TRACKED

# --- What comes back ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GeneratedInspection:
    number: int  # 1-based, in this run
    inspection_id: int
    reference: str
    area_code: str
    lead_inspector_id: int
    size_factor: float
    children: int
    list_rows: int
    findings: int
    rows: int  # every row written for it, in every table
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@dataclass(frozen=True, slots=True)
class Run:
    catalogue: Catalogue
    seed: int
    scale: Scale
    inspectors: Mapping[str, list[int]]  # inspectorate -> ids
    dates: Sequence[dt.date]
    findings: tuple[int, int]
    focus_findings: int | None


def _check_fields(spec: ListSpec, values: Mapping[str, Any]) -> None:
    expected = {f.name for f in spec.fields}
    if set(values) != expected:
        missing = sorted(expected - set(values))
        extra = sorted(set(values) - expected)
        raise GenerateError(
            f"list {spec.code!r}: the generator writes fields that the plugin's specification "
            f"does not match (missing {missing}, unknown {extra}); update core/synthetic/areas.py."
        )


class InspectionBuilder:
    """Writes one inspection, step by step, from its own random stream."""

    def __init__(self, run: Run, number: int, writer: Writer) -> None:
        self.run = run
        self.c = run.catalogue
        self.number = number
        self.writer = writer
        self.rng = random.Random(f"jtai-generate:{run.seed}:{number}")
        self.notified = run.dates[number - 1]
        self.reference = f"JTAI-SYN{run.seed}-{number:03d}"
        self.area_code = f"ZZ-{run.seed}-{number:03d}"
        self.created = london_time(self.notified, 8)
        weeks = inspection_weeks(self.notified)
        self.fieldwork_ends = weeks[-1].ends
        days = [weeks[-1].starts + dt.timedelta(days=d) for d in range(5)]
        self.on_site = [d for d in days if ENGLAND_AND_WALES.is_working_day(d)] or days[:1]
        self.inspection_id = 0
        self.lead_id = 0
        self.team: dict[str, list[int]] = {}
        self.agencies: list[tuple[int, str]] = []  # (id, kind)
        self.list_requests: dict[str, tuple[int, dt.datetime]] = {}  # code -> (id, received)
        self.area_name = ""
        self.selected: list[Kid] = []
        self.track_due = self.created

    def _milestone(self, code: str | None, fallback_day: int) -> dt.datetime:
        deadline = self.c.milestones.get(code) if code else None
        if deadline is None:
            return london_time(self.notified + dt.timedelta(days=fallback_day), 12)
        return due_at(deadline, self.notified).astimezone(dt.UTC)

    def write(self) -> GeneratedInspection:
        started = time.perf_counter()
        rows_before = self.writer.rows
        factor = size_factor(self.rng)
        area = Area(self.c, self.rng, self.notified, list_sizes(self.run.scale, factor, self.rng))
        self._set_up()
        self._area_requests()
        list_rows = self._lists(area)
        tracked, sampled = self._selections(area)
        self._child_requests(tracked)
        evidence = self._evidence(tracked, sampled)
        focus = self.run.focus_findings
        count = (
            focus
            if self.number == 1 and focus is not None
            else between(self.rng, *self.run.findings)
        )
        findings = write_findings(
            self.writer,
            self.rng,
            self.c,
            count=count,
            inspection_id=self.inspection_id,
            team=self.team,
            agencies=self.agencies,
            area_name=self.area_name,
            notified=self.notified,
            fieldwork_ends=self.fieldwork_ends,
            final_evidence=evidence,
        )
        return GeneratedInspection(
            number=self.number,
            inspection_id=self.inspection_id,
            reference=self.reference,
            area_code=self.area_code,
            lead_inspector_id=self.lead_id,
            size_factor=factor,
            children=len(area.kids),
            list_rows=list_rows,
            findings=findings,
            rows=self.writer.rows - rows_before,
            seconds=time.perf_counter() - started,
        )

    def _set_up(self) -> None:
        """The area, its agencies, the inspection and its team."""
        rng, writer = self.rng, self.writer
        self.area_name = f"{rng.choice(ROOTS)}{rng.choice(STEMS)}"
        [area_id] = writer.insert_ids(
            "local_areas", [{"code": self.area_code, "name": f"{self.area_name} (synthetic area)"}]
        )
        agencies = area_agencies(self.area_name, rng)
        ids = writer.insert_ids(
            "agencies",
            [{"area_id": area_id, "kind": kind, "name": name} for kind, name in agencies],
        )
        self.agencies = [(i, kind) for i, (kind, _) in zip(ids, agencies, strict=True)]
        [self.inspection_id] = writer.insert_ids(
            "inspections",
            [
                {
                    "reference": self.reference,
                    "area_id": area_id,
                    "framework": self.c.framework,
                    "notification_date": self.notified,
                    "created_at": self.created,
                }
            ],
        )
        writer.insert(
            "inspection_inspectorates",
            [
                {"inspection_id": self.inspection_id, "inspectorate": code}
                for code in sorted(self.c.participants)
            ],
        )
        for code in sorted(self.c.participants):
            pool = self.run.inspectors[code]
            size = min(len(pool), TEAM_SIZE.get(code, DEFAULT_TEAM_SIZE))
            self.team[code] = rng.sample(pool, size)
        self.lead_id = self.team[self.c.lead][0]
        writer.insert(
            "team_members",
            [
                {
                    "inspection_id": self.inspection_id,
                    "inspector_id": i,
                    "is_lead": i == self.lead_id,
                }
                for code in sorted(self.team)
                for i in self.team[code]
            ],
        )

    def _area_requests(self) -> None:
        rows = area_requests(
            self.rng,
            self.c,
            inspection_id=self.inspection_id,
            notified=self.notified,
            agencies=self.agencies,
            issued=self.created,
        )
        ids = self.writer.insert_ids("issued_requests", rows)
        list_of = {reference: code for code, reference in self.c.list_requests.items()}
        for request_id, row in zip(ids, rows, strict=True):
            code = list_of.get(row["reference"])
            if code is not None and code not in self.list_requests:
                self.list_requests[code] = (request_id, row["received_at"])

    def _lists(self, area: Area) -> int:
        """The children, once each, then one upload per list with a row per child."""
        writer = self.writer
        area.draw_children()
        children = table_named("children")
        writer.insert(
            "children",
            [{"inspection_id": self.inspection_id, **area.child_row(k)} for k in area.kids],
        )
        ids = dict(
            writer.connection.execute(
                select(children.c.local_id, children.c.id).where(
                    children.c.inspection_id == self.inspection_id
                )
            ).all()
        )
        for kid in area.kids:
            kid.id = ids[kid.local_id]
        self.selected = self.rng.sample(
            [k for k in area.selectable() if k.domestic_abuse], MAX_SELECTED
        )
        values: dict[str, list[tuple[int | None, dict[str, Any]]]] = {
            code: [(k.id, area.values(code, k)) for k in area.members[code]]
            for code in (*self.c.selection_lists, *self.c.sampling_lists)
        }
        values[self.c.details_list] = [
            (k.id, area.extra_fields(k)) for k in sorted(self.selected, key=lambda k: k.local_id)
        ]
        values[self.c.meetings_list] = [
            (None, area.meeting(self.on_site, self.selected))
            for _ in range(area.sizes[self.c.meetings_list])
        ]
        uploads = []
        for code, rows in values.items():
            _check_fields(self.c.specs[code], rows[0][1])
            request_id, received = self.list_requests[code]
            digest = hashlib.sha256(f"{self.reference}:{code}:{len(rows)}".encode()).hexdigest()
            uploads.append(
                {
                    "inspection_id": self.inspection_id,
                    "request_id": request_id,
                    "list_code": code,
                    "filename": f"{code}.csv",
                    "sha256": digest,
                    "row_count": len(rows),
                    "query_summary": summary_json(NO_PROBLEMS),
                    "uploaded_at": received,
                }
            )
        upload_ids = writer.insert_ids("list_uploads", uploads)
        list_rows = [
            {
                "inspection_id": self.inspection_id,
                "child_id": child_id,
                "upload_id": upload_id,
                "list_code": code,
                "row_number": row_number,
                "values": row_values,
            }
            for upload_id, (code, rows) in zip(upload_ids, values.items(), strict=True)
            for row_number, (child_id, row_values) in enumerate(rows, start=2)  # 1: headers
        ]
        writer.insert("list_rows", list_rows)
        return len(list_rows)

    def _selections(self, area: Area) -> tuple[list[Kid], list[tuple[Kid, str]]]:
        """The 20 (all flagged 'living with domestic abuse' on a selection list), 5-7 of them
        tracked, and children sampled from the child-level lists, each on time."""
        rng = self.rng
        selected = self.selected
        tracked = rng.sample(selected, between(rng, MIN_TRACKED, MAX_TRACKED))
        sampled: list[tuple[Kid, str]] = []
        taken: set[str] = set()
        for _ in range(between(rng, *SAMPLED)):
            code = rng.choice(self.c.sampling_lists)
            kid = rng.choice(area.members[code])
            if kid.local_id not in taken:
                taken.add(kid.local_id)
                sampled.append((kid, code))
        self.track_due = self._milestone(self.c.track_milestone, 2)
        select_due = self._milestone(self.c.select_milestone, 1)
        members = [i for code in sorted(self.team) for i in self.team[code]]

        def row(kid: Kid, kind: str, at: dt.datetime, by: int, **extra: Any) -> dict[str, Any]:
            return {
                "inspection_id": self.inspection_id,
                "child_id": kid.id,
                "kind": kind,
                "chosen_at": at,
                "chosen_by_id": by,
                "late": False,
                "reason": extra.get("reason"),
                "list_code": extra.get("list_code"),
            }

        rows = [
            row(
                kid,
                "selected",
                select_due - dt.timedelta(minutes=between(rng, 30, 240)),
                self.lead_id,
                reason=None if rng.random() < 0.5 else f"Range of needs and ages. {SYNTHETIC}",
            )
            for kid in selected
        ]
        rows += [
            row(
                kid,
                "tracked",
                self.track_due - dt.timedelta(minutes=between(rng, 30, 240)),
                self.lead_id,
            )
            for kid in tracked
        ]
        rows += [
            row(
                kid,
                "sampled",
                time_on_site(self.rng, self.on_site),
                rng.choice(members),
                reason=f"Sampled from the {code} list to test thresholds. {SYNTHETIC}",
                list_code=code,
            )
            for kid, code in sampled
        ]
        self.writer.insert("child_selections", rows)
        return tracked, sampled

    def _child_requests(self, tracked: Sequence[Kid]) -> None:
        rows = child_requests(
            self.rng,
            self.c,
            inspection_id=self.inspection_id,
            notified=self.notified,
            agencies=self.agencies,
            tracked=tracked,
            issued=self.track_due,
        )
        self.writer.insert("issued_requests", rows)

    def _evidence(self, tracked: Sequence[Kid], sampled: Sequence[tuple[Kid, str]]) -> list[int]:
        """The evidence records (core.synthetic.evidence); returns the ids of the final ones."""
        rows = EvidenceRecords(
            self.rng,
            self.c,
            inspection_id=self.inspection_id,
            reference=self.reference,
            notified=self.notified,
            on_site=self.on_site,
            team=self.team,
            agencies=self.agencies,
        ).rows(tracked, sampled)
        ids = self.writer.insert_ids("evidence_records", rows)
        return [i for i, row in zip(ids, rows, strict=True) if row["status"] == "final"]
