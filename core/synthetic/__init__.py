"""Synthetic data at national scale, seeded and reproducible: ``jtai generate``.

Nothing generated describes a real place or person: areas are named '... (synthetic area)' with
codes starting ``ZZ-`` (never an ONS code), inspectors are placeholder names at example.org,
children are random facts under IDs starting ``SYN``, postcodes are in the non-existent ZZ area,
and every free text says it is synthetic.

Each inspection is one area with agencies of every kind and a team from every inspectorate taking
part in the framework (da-2016, the framework whose Annex A lists the plugins specify), and:

- the Annex A lists, sized like a real local authority (DOMAIN.md section 8: on average about
  2,600 children in need, 330 on plans, 1,000 referrals and 6,000-8,000 contacts in three months,
  plus early help, assessments and section 47 enquiries). Areas vary about 50-fold, so each draws
  a size factor from a log-normal distribution with mean 1 (``Scale.SMALL`` divides everything by
  40 for tests and CI; ``Scale.LARGE`` multiplies it by 3). A child is one ``Child`` row per
  inspection however many lists it is on, and the lists overlap the way they do in life (most
  children on plans are also children in need, referrals lead to assessments, and so on). Every
  row's values are built from the list's field specification, with codes from the registry's code
  sets (the DfE census codes), so a renamed field or code fails here loudly;
- the request tracker: every request of the framework issued to every agency it addresses (and
  the per-child ones for tracked children), most received on time, some late, some outstanding;
- selections within the rules of ``core.workflow.selection``: 20 children flagged 'living with
  domestic abuse' on the lists of children in need or on a plan, 5-7 of them tracked, and some
  children sampled from the child-level lists;
- evidence recorded with the plugins' real forms (answers built from each form's questions:
  required ones always answered, choices from the form's choices, final records complete);
- 5-15 published findings citing criteria, agencies and final evidence, agreed by an inspector of
  every inspectorate taking part, with their 'published' change-feed rows and a published report.

Random draws come from ``random.Random`` seeded by the seed and the inspection's number, so the
same seed writes the same rows on SQLite and PostgreSQL, and inspection N does not depend on how
many others are generated. Rows are written in bulk (SQLAlchemy Core inserts, the driver's
executemany for the big tables on SQLite, COPY on PostgreSQL), one transaction per inspection, so a
run that stops leaves whole inspections only. Running twice into one database needs two seeds: the
seed is part of every reference. Write into a database nothing else is writing to meanwhile.

Speed on a shared 2-core machine (BENCHMARKS.md): 150 inspections at ``Scale.REAL`` are ~3.7
million rows, written to SQLite in 1.5-2.5 minutes (24,000-41,000 rows/s; the largest area,
117,000 rows, in 6 s) and to PostgreSQL in 2.5 minutes; ``Scale.SMALL`` writes 150 in ~10 s.

The package: ``distributions`` (sizes, weights, names, seeded draws), ``catalogue`` (the registry's
contributions), ``areas`` (children and list rows), ``evidence`` (answers from the forms),
``writer`` (COPY / executemany), ``inspection`` and ``findings`` (one inspection's rows),
``lists`` (one list on its own, for benchmarks and tests); this module is the entry point.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from core.database import Database, begin_write
from core.ids import global_id
from core.models import Inspection
from core.registry import Registry
from core.synthetic.catalogue import FRAMEWORK, Catalogue, read_catalogue
from core.synthetic.distributions import (
    DEFAULT_TEAM_SIZE,
    FINDINGS,
    FIRST_NAMES,
    SURNAMES,
    TEAM_SIZE,
    Scale,
    notification_dates,
)
from core.synthetic.errors import GenerateError
from core.synthetic.inspection import GeneratedInspection, InspectionBuilder, Run
from core.synthetic.writer import Writer, table_named

__all__ = ["GenerateError", "GeneratedInspection", "Generation", "Scale", "generate"]

MAX_SEED = 999_999  # the seed is part of area codes, which hold 16 characters
MAX_INSPECTIONS = 999


@dataclass(slots=True)
class Generation:
    seed: int
    scale: Scale
    inspections: list[GeneratedInspection] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # table name -> rows written
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        lines = [
            f"Generated {len(self.inspections)} synthetic inspection(s), seed {self.seed}, "
            f"scale {self.scale.value}: {self.rows:,} rows in {self.seconds:.1f} s "
            f"({self.rows_per_second:,.0f} rows/s)."
        ]
        lines += [f"  {table:22} {count:>12,}" for table, count in sorted(self.counts.items())]
        if self.inspections:
            largest = max(self.inspections, key=lambda i: i.rows)
            lines.append(
                f"Largest area: {largest.reference} (size factor {largest.size_factor:.2f}), "
                f"{largest.children:,} children, {largest.list_rows:,} list rows, "
                f"{largest.rows:,} rows in {largest.seconds:.2f} s "
                f"({largest.rows_per_second:,.0f} rows/s)."
            )
            first = self.inspections[0]
            inspection_id = global_id("Inspection", first.inspection_id)
            lead_id = global_id("Inspector", first.lead_inspector_id)
            lines.append(
                f"First inspection: {first.reference} (id {inspection_id}), lead inspector "
                f"id {lead_id}: jtai token create --role inspector --inspector {lead_id}"
            )
        return "\n".join(lines)


def _inspectors(
    catalogue: Catalogue, seed: int, inspections: int, rng: random.Random
) -> list[dict[str, Any]]:
    rows = []
    for code in sorted(catalogue.participants):
        per_team = TEAM_SIZE.get(code, DEFAULT_TEAM_SIZE)
        for number in range(1, per_team * (inspections // 6 + 2) + 1):
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
            rows.append(
                {
                    "name": name,
                    "email": f"syn{seed}.{code}.{number:03d}@example.org",
                    "inspectorate": code,
                }
            )
    return rows


# --- The entry point ------------------------------------------------------------------------------


def generate(
    database: Database,
    registry: Registry,
    *,
    inspections: int,
    seed: int,
    scale: Scale = Scale.REAL,
    findings: tuple[int, int] = FINDINGS,
    focus_findings: int | None = None,
    progress: Callable[[GeneratedInspection], None] | None = None,
) -> Generation:
    """Write ``inspections`` synthetic inspections into a migrated database (see the module
    docstring). ``focus_findings``, if given, is how many published findings the first inspection
    gets instead of 5-15 (the scale benchmark reads a 1,000-finding page of one inspection).
    One transaction per inspection; ``progress`` is called after each commits."""
    if not 1 <= inspections <= MAX_INSPECTIONS:
        raise GenerateError(f"inspections must be 1 to {MAX_INSPECTIONS}, not {inspections}.")
    if not 0 <= seed <= MAX_SEED:
        raise GenerateError(f"the seed must be 0 to {MAX_SEED}, not {seed}.")
    if not 1 <= findings[0] <= findings[1]:
        raise GenerateError(f"findings must be a range of at least 1, not {findings}.")
    started = time.perf_counter()
    catalogue = read_catalogue(registry, FRAMEWORK)
    framework = registry.framework(FRAMEWORK)
    assert framework is not None
    generation = Generation(seed=seed, scale=scale)
    prefix = f"JTAI-SYN{seed}-"
    with database.session() as session:
        clash = session.scalar(
            select(func.count())
            .select_from(Inspection)
            .where(Inspection.reference.startswith(prefix))
        )
    if clash:
        raise GenerateError(
            f"this database holds {clash} inspection(s) generated with seed {seed} already "
            f"({prefix}...). Use another --seed, or a fresh database."
        )
    end = framework.period_end or framework.period_start + dt.timedelta(days=365)
    dates = notification_dates(
        inspections, framework.period_start, end, framework.notification_weekday.value
    )
    rng = random.Random(f"jtai-generate:{seed}:inspectors")
    with database.session() as session, begin_write(session):
        writer = Writer(session.connection(), generation.counts)
        rows = _inspectors(catalogue, seed, inspections, rng)
        ids = writer.insert_ids("inspectors", rows)
    pools: dict[str, list[int]] = {}
    for inspector_id, row in zip(ids, rows, strict=True):
        pools.setdefault(str(row["inspectorate"]), []).append(inspector_id)
    run = Run(catalogue, seed, scale, pools, dates, findings, focus_findings)
    for number in range(1, inspections + 1):
        with database.session() as session, begin_write(session):
            writer = Writer(session.connection(), generation.counts)
            done = InspectionBuilder(run, number, writer).write()
        generation.inspections.append(done)
        if progress is not None:
            progress(done)
    # Fresh statistics for the planner: SQLite keeps none until ANALYZE, and without them it
    # picks, e.g., a scan of every published finding for one area's page.
    with database.engine.connect() as connection:
        connection.execute(text("ANALYZE"))
        connection.commit()
    generation.seconds = time.perf_counter() - started
    return generation


def lead_inspectors(session: Session, references: Iterable[str]) -> dict[str, int]:
    """The lead inspector's id of each inspection named (for tokens in benchmarks and tests)."""
    team = table_named("team_members")
    inspections = table_named("inspections")
    rows = session.execute(
        select(inspections.c.reference, team.c.inspector_id)
        .join(team, team.c.inspection_id == inspections.c.id)
        .where(inspections.c.reference.in_(list(references)), team.c.is_lead)
    ).all()
    return {str(reference): int(inspector_id) for reference, inspector_id in rows}
