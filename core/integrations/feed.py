"""Published findings as integrators receive them, the filters they pull with, and the change feed.

Everything an integrator gets (the ``findings`` connection, the change feed, webhook bodies, the
CSV and JSON exports) is built here, from statements that admit published findings only and read
their inspection, area, criteria, agencies and agreeing inspectorates: never a child, never an
evidence record. Keeping one builder means the four channels cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    and_,
    bindparam,
    exists,
    false,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from core.contributions import AgencyKind
from core.ids import global_id
from core.models import (
    Agency,
    Finding,
    FindingAgency,
    FindingAgreement,
    FindingChange,
    FindingCriterion,
    Inspection,
    LocalArea,
)
from core.registry import Registry

PUBLISHED = "published"


class FilterError(ValueError):
    """A filter the client must change; the message names the argument and the fix."""


def finding_global_id(finding_id: int) -> str:
    """The finding's global ID, as the graph's ``Finding.id`` and ``node(id:)`` know it."""
    return global_id("Finding", finding_id)


@dataclass(frozen=True, slots=True)
class FindingFilters:
    """How integrators narrow published findings; every given filter must hold."""

    framework: str | None = None
    criterion: str | None = None
    inspectorate: str | None = None  # findings citing a criterion this inspectorate leads
    agency_kind: str | None = None  # findings concerning an agency of this kind
    area: str | None = None  # the local area's code
    published_from: dt.date | None = None  # first published on or after (UTC day)
    published_to: dt.date | None = None  # first published on or before (UTC day)


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def filter_clauses(registry: Registry, filters: FindingFilters) -> list[ColumnElement[bool]]:
    """SQL for ``filters`` over ``Finding`` joined to ``Inspection`` and ``LocalArea``.

    Raises ``FilterError`` for a filter that can match nothing because it names no such thing.
    """
    clauses: list[ColumnElement[bool]] = []
    framework = filters.framework
    if framework is not None:
        if registry.framework(framework) is None:
            known = ", ".join(f.code for f in registry.frameworks)
            raise FilterError(f"framework: {framework!r} is not a framework; use one of {known}.")
        clauses.append(Inspection.framework == framework)
    if filters.criterion is not None:
        code = filters.criterion
        frameworks = [framework] if framework else [f.code for f in registry.frameworks]
        if not any(registry.criterion(f, code) for f in frameworks):
            where = f"framework {framework!r}" if framework else "any framework"
            raise FilterError(
                f"criterion: {code!r} is not a criterion of {where}. Use a code from "
                "framework(code:) { criteria { code } }."
            )
        clauses.append(
            exists(
                select(FindingCriterion.finding_id).where(
                    FindingCriterion.finding_id == Finding.id,
                    FindingCriterion.criterion_code == code,
                )
            )
        )
    if filters.inspectorate is not None:
        code = filters.inspectorate
        if registry.inspectorate(code) is None:
            known = ", ".join(i.code for i in registry.inspectorates)
            raise FilterError(f"inspectorate: {code!r} is not an inspectorate; use one of {known}.")
        led: dict[str, list[str]] = defaultdict(list)
        for owned in registry.criteria:
            if owned.owner == code and framework in (None, owned.item.framework):
                led[owned.item.framework].append(owned.item.code)
        clauses.append(
            exists(
                select(FindingCriterion.finding_id).where(
                    FindingCriterion.finding_id == Finding.id,
                    or_(
                        false(),  # an inspectorate that leads no criterion matches nothing
                        *(
                            and_(
                                Inspection.framework == led_framework,
                                FindingCriterion.criterion_code.in_(codes),
                            )
                            for led_framework, codes in sorted(led.items())
                        ),
                    ),
                )
            )
        )
    if filters.agency_kind is not None:
        try:
            kind = AgencyKind(filters.agency_kind.lower())
        except ValueError:
            known = ", ".join(k.name for k in AgencyKind)
            raise FilterError(
                f"agencyKind: {filters.agency_kind!r} is not a kind of agency; use one of {known}."
            ) from None
        clauses.append(
            exists(
                select(FindingAgency.finding_id)
                .join(Agency, Agency.id == FindingAgency.agency_id)
                .where(FindingAgency.finding_id == Finding.id, Agency.kind == kind.value)
            )
        )
    if filters.area is not None:
        if len(filters.area) > 16 or not filters.area.isprintable():
            raise FilterError(f"area: {filters.area!r} is not an area code (e.g. ZZ-DEMO-1).")
        clauses.append(LocalArea.code == filters.area)
    start, end = filters.published_from, filters.published_to
    if start is not None and end is not None and start > end:
        raise FilterError(
            f"publishedFrom: {start.isoformat()} is after publishedTo {end.isoformat()}. "
            "Swap them, or leave one out."
        )
    if start is not None:
        clauses.append(Finding.published_at >= _day_start(start))
    if end is not None:
        clauses.append(Finding.published_at < _day_start(end + dt.timedelta(days=1)))
    return clauses


def published(*clauses: ColumnElement[bool]) -> Select[Any]:
    """Ids of published findings meeting ``clauses``, in id order: the one gate for integrators."""
    return (
        select(Finding.id)
        .join(Inspection, Inspection.id == Finding.inspection_id)
        .join(LocalArea, LocalArea.id == Inspection.area_id)
        .where(Finding.status == PUBLISHED, *clauses)
        .order_by(Finding.id)
    )


PUBLISHED_FINDING_SELECTION = """
  id kind headline title text publishedAt updatedAt inspectionReference
  framework { code }
  area { code name }
  criteria { code title lead { code } }
  agencies { kind name }
  agreedBy
"""
"""The selection on the graph's ``PublishedFinding`` whose answer ``PublicFinding.as_json`` gives
(docs/integrators.md quotes it; tests/core/test_webhook_shape.py compares the two)."""


@dataclass(frozen=True, slots=True)
class CriterionRef:
    code: str
    title: str
    lead: str  # the code of the inspectorate leading it


@dataclass(frozen=True, slots=True)
class AgencyRef:
    kind: AgencyKind
    name: str


@dataclass(frozen=True, slots=True)
class PublicFinding:
    """A published finding with nothing about any child: what every integrator channel carries."""

    id: int
    kind: str  # strength | area_for_improvement | priority_action
    title: str
    text: str
    headline: bool
    published_at: dt.datetime
    updated_at: dt.datetime
    inspection_reference: str
    framework: str
    area_code: str
    area_name: str
    criteria: tuple[CriterionRef, ...]
    agencies: tuple[AgencyRef, ...]
    # Inspectorate codes; None when read without them (the graph loads them only when asked).
    agreed_by: tuple[str, ...] | None

    @property
    def global_id(self) -> str:
        return finding_global_id(self.id)

    @property
    def agreements(self) -> tuple[str, ...]:
        if self.agreed_by is None:
            raise ValueError(f"finding {self.id} was read without its agreements")
        return self.agreed_by

    def as_json(self) -> dict[str, Any]:
        """The JSON form (webhook bodies, the JSON export): exactly the graph's answer for
        ``PUBLISHED_FINDING_SELECTION`` on ``PublishedFinding``."""
        return {
            "id": self.global_id,
            "kind": self.kind.upper(),
            "headline": self.headline,
            "title": self.title,
            "text": self.text,
            "publishedAt": self.published_at.isoformat(),
            "updatedAt": self.updated_at.isoformat(),
            "inspectionReference": self.inspection_reference,
            "framework": {"code": self.framework},
            "area": {"code": self.area_code, "name": self.area_name},
            # As in the graph, a criterion its framework no longer has (no lead) is left out.
            "criteria": [
                {"code": c.code, "title": c.title, "lead": {"code": c.lead}}
                for c in self.criteria
                if c.lead
            ],
            "agencies": [{"kind": a.kind.name, "name": a.name} for a in self.agencies],
            "agreedBy": list(self.agreements),
        }


# The columns a PublicFinding is built from, in this order; read as plain rows, not ORM objects.
FINDING_COLUMNS = (
    Finding.id,
    Finding.kind,
    Finding.title,
    Finding.text,
    Finding.headline,
    Finding.published_at,
    Finding.updated_at,
    Inspection.reference,
    Inspection.framework,
    LocalArea.code,
    LocalArea.name,
)


def public_findings(
    session: Session, registry: Registry, ids: Iterable[int], with_agreements: bool = True
) -> dict[int, PublicFinding]:
    """The published ones among ``ids``, with their criteria, agencies and agreements: four
    statements however many findings."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    found = _build(session, registry, published(Finding.id.in_(wanted)), with_agreements)
    return {f.id: f for f in found}


def agreements_of(session: Session, chosen: Select[Any]) -> dict[int, tuple[str, ...]]:
    """The inspectorates that agreed each finding ``chosen`` selects (a statement of ids)."""
    ids = chosen.subquery()
    agreed: dict[int, list[str]] = defaultdict(list)
    for finding_id, inspectorate in session.connection().execute(
        select(FindingAgreement.finding_id, FindingAgreement.inspectorate)
        .join(ids, ids.c.id == FindingAgreement.finding_id)
        .order_by(FindingAgreement.inspectorate)
    ):
        agreed[finding_id].append(inspectorate)
    return {finding_id: tuple(codes) for finding_id, codes in agreed.items()}


@dataclass(frozen=True, slots=True)
class PublishedRows:
    """Published findings as read: each row's columns in ``FINDING_COLUMNS`` order, and their
    links by finding id (criteria codes as stored, agencies in order, agreements if read)."""

    rows: Sequence[Any]
    criteria: dict[int, list[str]]
    agencies: dict[int, list[AgencyRef]]
    agreed: dict[int, tuple[str, ...]] | None


_Statement = Select[*tuple[Any, ...]] | CompoundSelect[*tuple[Any, ...]]


def _fetched(
    connection: Connection, statement: _Statement, parameters: dict[str, Any] | None = None
) -> Sequence[Sequence[Any]]:
    """All of ``statement``'s rows as the driver returns them, each value the column's type
    converts (SQLAlchemy's own result processors: SQLite's booleans and datetimes, UTC on
    PostgreSQL) converted, and no other: SQLAlchemy's ``Row`` for each of a page's 1,000 rows
    cost more than reading them (BENCHMARKS.md, 4 December 2026)."""
    result = connection.execute(statement, parameters)
    try:
        cursor = result.cursor
        rows: Sequence[Any] = cursor.fetchall()
        described = cursor.description or ()
    finally:
        result.close()
    dialect = connection.dialect
    converting = [
        (index, processor, getattr(column.type, "column_processor", None))
        for index, (column, description) in enumerate(
            zip(statement.selected_columns, described, strict=True)
        )
        if (
            processor := column.type.dialect_impl(dialect).result_processor(dialect, description[1])
        )
    ]
    if not converting or not rows:
        return rows
    # Column by column: a type's whole-column conversion where it has one (models.UtcDateTime
    # on SQLite), else one ``map`` per converted column instead of a loop per value.
    columns: list[Any] = list(zip(*rows, strict=True))
    for index, processor, column_processor in converting:
        coltype = described[index][1]
        whole = column_processor(dialect, coltype) if column_processor is not None else None
        if whole is not None:
            try:
                columns[index] = whole(columns[index])
                continue
            except (TypeError, ValueError, AttributeError):  # not the plain case: one by one
                pass
        columns[index] = map(processor, columns[index])
    return list(zip(*columns, strict=True))


def _read(
    session: Session, chosen: Select[Any], with_agreements: bool = True
) -> PublishedRows | None:
    """Published findings whose ids ``chosen`` selects, in its order, with their links; None if
    there are none.

    ``chosen`` (a ``published(...)`` statement, perhaps with a limit) is run once for the rows and
    used as a subquery for the links, so no statement carries a list of a thousand ids.
    """
    reading = _reading(chosen, session.connection().dialect.name)
    return _read_with(session, reading, {}, chosen if with_agreements else None)


@dataclass(frozen=True, slots=True)
class _Reading:
    """The statements reading the findings a statement of ids chooses: their rows, then their
    links (on SQLite criteria and agencies apart, elsewhere both in one union)."""

    rows: _Statement
    links: tuple[_Statement, ...]


def _reading(chosen: Select[Any], dialect: str) -> _Reading:
    ids = chosen.subquery()
    if dialect == "sqlite":
        # In process, two statements cost less than one union sorted whole.
        criteria_of = select(FindingCriterion.finding_id, FindingCriterion.criterion_code).join(
            ids, ids.c.id == FindingCriterion.finding_id
        )
        agencies_of = (
            select(FindingAgency.finding_id, Agency.kind, Agency.name)
            .join(ids, ids.c.id == FindingAgency.finding_id)
            .join(Agency, Agency.id == FindingAgency.agency_id)
            .order_by(Agency.kind, Agency.name)
        )
        return _Reading(chosen.with_only_columns(*FINDING_COLUMNS), (criteria_of, agencies_of))
    # Over the network, one round trip fewer: both links in one statement, criteria first,
    # then agencies in order.
    both: CompoundSelect[*tuple[Any, ...]] = union_all(
        select(
            FindingCriterion.finding_id,
            literal(0).label("link"),
            FindingCriterion.criterion_code.label("first"),
            null().label("second"),
        ).join(ids, ids.c.id == FindingCriterion.finding_id),
        select(FindingAgency.finding_id, literal(1), Agency.kind, Agency.name)
        .join(ids, ids.c.id == FindingAgency.finding_id)
        .join(Agency, Agency.id == FindingAgency.agency_id),
    ).order_by("link", "first", "second")
    return _Reading(chosen.with_only_columns(*FINDING_COLUMNS), (both,))


def _read_with(
    session: Session,
    reading: _Reading,
    parameters: dict[str, Any],
    agreements_for: Select[Any] | None,
) -> PublishedRows | None:
    """``reading``'s findings and links with ``parameters`` bound; their agreements too when
    ``agreements_for`` (the statement of ids) is given."""
    # The driver's rows on the session's connection: no ORM identity or loading work per row,
    # and only the values whose type needs it converted (see ``_fetched``).
    connection = session.connection()
    rows = _fetched(connection, reading.rows, parameters)
    if not rows:
        return None
    criteria: dict[int, list[str]] = defaultdict(list)
    agencies: dict[int, list[AgencyRef]] = defaultdict(list)
    refs: dict[tuple[str, str], AgencyRef] = {}  # one per agency: a page has few of them
    known = refs.get
    # The loops below inline: a page has ~4,000 links, and a call per link cost ~0.2 ms.
    if len(reading.links) == 2:
        criteria_of, agencies_of = reading.links
        for finding_id, code in _fetched(connection, criteria_of, parameters):
            criteria[finding_id].append(code)
        for finding_id, kind, name in _fetched(connection, agencies_of, parameters):
            ref = known((kind, name))
            if ref is None:
                ref = refs[(kind, name)] = AgencyRef(_AGENCY_KINDS[kind], name)
            agencies[finding_id].append(ref)
    else:
        (both,) = reading.links
        for finding_id, link, first, second in _fetched(connection, both, parameters):
            if link == 0:
                criteria[finding_id].append(first)
                continue
            ref = known((first, second))
            if ref is None:
                ref = refs[(first, second)] = AgencyRef(_AGENCY_KINDS[first], second)
            agencies[finding_id].append(ref)
    agreed = agreements_of(session, agreements_for) if agreements_for is not None else None
    return PublishedRows(rows, criteria, agencies, agreed)


def _build(
    session: Session, registry: Registry, chosen: Select[Any], with_agreements: bool = True
) -> list[PublicFinding]:
    """``_read``'s findings as ``PublicFinding``s (exports, webhooks, the change feed)."""
    found = _read(session, chosen, with_agreements)
    if found is None:
        return []
    criteria, agencies, agreed = found.criteria, found.agencies, found.agreed
    result = []
    for row in found.rows:
        finding_id, kind, title, text, headline, published_at, updated_at = row[:7]
        reference, framework, area_code, area_name = row[7:]
        assert published_at is not None
        result.append(
            PublicFinding(
                id=finding_id,
                kind=kind,
                title=title,
                text=text,
                headline=headline,
                published_at=published_at,
                updated_at=updated_at,
                inspection_reference=reference,
                framework=framework,
                area_code=area_code,
                area_name=area_name,
                criteria=ordered_criteria(
                    criterion_refs(registry, framework), criteria[finding_id]
                ),
                agencies=tuple(agencies.get(finding_id, ())),
                agreed_by=None if agreed is None else agreed.get(finding_id, ()),
            )
        )
    return result


_AGENCY_KINDS = {kind.value: kind for kind in AgencyKind}

# Per registry and framework: each criterion's place in the framework's order and its reference,
# made once (the registry never changes) rather than for every finding that cites it.
_REFS: WeakKeyDictionary[Registry, dict[str, dict[str, tuple[int, CriterionRef]]]]
_REFS = WeakKeyDictionary()


def criterion_refs(registry: Registry, framework: str) -> dict[str, tuple[int, CriterionRef]]:
    by_framework = _REFS.setdefault(registry, {})
    refs = by_framework.get(framework)
    if refs is None:
        refs = {
            o.item.code: (n, CriterionRef(code=o.item.code, title=o.item.title, lead=o.owner))
            for n, o in enumerate(registry.criteria_of(framework))
        }
        by_framework[framework] = refs
    return refs


def ordered_criteria(
    refs: dict[str, tuple[int, CriterionRef]], codes: Sequence[str]
) -> tuple[CriterionRef, ...]:
    # The framework's own order (ESN-01 before ESN-10), not the database's; a code the framework
    # no longer has comes last, as itself.
    found = [refs.get(code) or (len(refs), CriterionRef(code, code, "")) for code in codes]
    found.sort(key=itemgetter(0))
    return tuple(ref for _position, ref in found)


@dataclass(frozen=True, slots=True)
class FindingsPage:
    findings: list[PublicFinding]  # up to limit + 1: one more than asked means another page
    total: int


def page_of_published(
    session: Session,
    registry: Registry,
    filters: FindingFilters,
    after_id: int | None,
    limit: int,
    with_agreements: bool = True,
) -> FindingsPage:
    clauses = filter_clauses(registry, filters)
    statement = published(*clauses)
    if after_id is not None:
        statement = statement.where(Finding.id > after_id)
    total = session.scalar(select(func.count()).select_from(published(*clauses).subquery()))
    page = _build(session, registry, statement.limit(limit + 1), with_agreements)
    return FindingsPage(page, total or 0)


def page_rows_of_published(
    session: Session, registry: Registry, filters: FindingFilters, after_id: int | None, limit: int
) -> tuple[PublishedRows | None, int]:
    """As ``page_of_published`` without agreements, as read (up to ``limit + 1`` rows, and the
    total): the graph builds its nodes straight from them. The first page, when it holds the
    whole list, is its own count: one statement fewer."""
    page = _page_statements(session, registry, filters, after_id is None)
    parameters = {"page_limit": limit + 1}
    if after_id is not None:
        parameters["after_id"] = after_id
    found = _read_with(session, page.reading, parameters, None)
    shown = len(found.rows) if found is not None else 0
    if after_id is None and shown <= limit:
        return found, shown
    total = session.scalar(page.count)
    return found, total or 0


@dataclass(frozen=True, slots=True)
class _PageStatements:
    reading: _Reading  # the cursor and the limit bound as ``after_id`` and ``page_limit``
    count: Select[Any]


# A page's statements, built once per process for each registry, backend, set of filters and
# first page or not: building them cost ~0.6 ms a request (BENCHMARKS.md, "4 December 2026:
# the large read, third shift"). The filters are checked when built; they never change for a
# registry. Bounded: the filters are the client's, so past this many the set starts afresh.
_PAGES: WeakKeyDictionary[Registry, dict[tuple[str, FindingFilters, bool], _PageStatements]]
_PAGES = WeakKeyDictionary()
_MOST_PAGE_STATEMENTS = 256


def _page_statements(
    session: Session, registry: Registry, filters: FindingFilters, first: bool
) -> _PageStatements:
    dialect = session.connection().dialect.name
    built = _PAGES.setdefault(registry, {})
    key = (dialect, filters, first)
    page = built.get(key)
    if page is None:
        clauses = filter_clauses(registry, filters)  # raises FilterError: nothing kept
        chosen = published(*clauses)
        if not first:
            chosen = chosen.where(Finding.id > bindparam("after_id", type_=Integer))
        chosen = chosen.limit(bindparam("page_limit", type_=Integer))
        count = select(func.count()).select_from(published(*clauses).subquery())
        page = _PageStatements(_reading(chosen, dialect), count)
        if len(built) >= _MOST_PAGE_STATEMENTS:
            built.clear()
        built[key] = page
    return page


def all_published(
    session: Session, registry: Registry, filters: FindingFilters, chunk: int = 500
) -> Iterable[PublicFinding]:
    """Every published finding meeting ``filters``, fetched in keyset chunks (for exports)."""
    clauses = filter_clauses(registry, filters)
    after = 0
    while True:
        found = _build(
            session, registry, published(*clauses).where(Finding.id > after).limit(chunk)
        )
        if not found:
            return
        yield from found
        after = found[-1].id


def changes_after(
    session: Session, after_id: int | None, limit: int
) -> tuple[list[FindingChange], int]:
    """The feed after a cursor, oldest first (up to ``limit + 1`` rows), and how many follow it."""
    statement = select(FindingChange).order_by(FindingChange.id)
    count = select(func.count()).select_from(FindingChange)
    if after_id is not None:
        statement = statement.where(FindingChange.id > after_id)
        count = count.where(FindingChange.id > after_id)
    return list(session.scalars(statement.limit(limit + 1))), session.scalar(count) or 0
