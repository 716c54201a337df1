"""Every GraphQL query in README.md, run as the demo's lead inspector against a fresh demo loaded
as `jtai demo` loads it: each answers without errors, and every part of each answer has something
in it (no empty list, no null, no total of zero): the demo shows every section of the dashboard.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from core.contributions import RequestScope
from core.database import Database
from core.demo import AGENCIES as DEMO_AGENCIES
from core.demo import DEMO_FRAMEWORK
from core.demo_timeline import DEMO_WORKING_DAY, demo_notification, load_demo_weeks
from core.registry import Registry
from core.timetable import WorkingCalendar
from core.viewer import Role
from tests.helpers.environment import REPO_ROOT
from tests.helpers.graphql import GraphQLClient, TokenFactory

QUERIES = re.findall(
    r"^```graphql\n(.*?)^```", (REPO_ROOT / "README.md").read_text(encoding="utf-8"), re.M | re.S
)


def empty_parts(value: Any, path: str = "data") -> list[str]:
    """Where the answer has nothing: a null, an empty list, or a count of zero."""
    if value is None:
        return [path]
    if isinstance(value, list):
        if not value:
            return [path]
        return [p for n, item in enumerate(value) for p in empty_parts(item, f"{path}[{n}]")]
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in empty_parts(item, f"{path}.{key}")]
    if path.endswith(("totalCount", "evidenceCoverage.evidenceCount")) and value == 0:
        return [path]
    return []


def test_the_readme_has_the_dashboard_query() -> None:
    assert len(QUERIES) >= 2 and any("selectedChildren" in q for q in QUERIES)


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.split("\n")[0][:40])
def test_each_readme_query_shows_something_in_every_part_of_the_demo(
    gql: GraphQLClient, database: Database, registry: Registry, make_token: TokenFactory, query: str
) -> None:
    with database.write() as session:
        weeks = load_demo_weeks(session, registry)
    lead = make_token(Role.INSPECTOR, inspector_id=weeks.demo.lead_inspector_id)
    data = gql(query, token=lead).ok()
    assert empty_parts(data) == []


def test_the_demo_is_late_by_construction_only(database: Database, registry: Registry) -> None:
    now = dt.datetime(2026, 12, 3, 14, 0, tzinfo=dt.UTC)  # a Thursday
    with database.write() as session:
        weeks = load_demo_weeks(session, registry, now=now)
    # Every once-per-area request of the framework, to each agency of the kinds it addresses.
    kinds = [kind for kind, _ in DEMO_AGENCIES]
    expected = sum(
        sum(kinds.count(kind) for kind in o.item.addressed_to)
        for o in registry.document_requests_of(DEMO_FRAMEWORK)
        if o.item.scope is not RequestScope.TRACKED_CHILD
    )
    assert (weeks.requests, weeks.lists, weeks.selected, weeks.tracked) == (expected, 7, 20, 6)
    assert weeks.findings == 4
    with database.write() as session:
        again = load_demo_weeks(session, registry, now=now)
    assert not again.demo.created and (again.requests, again.findings) == (0, 0)


def test_the_demo_is_notified_six_working_days_ago_counting_bank_holidays() -> None:
    assert DEMO_WORKING_DAY == 6
    # Thursday 3 December 2026: back over one weekend.
    assert demo_notification(dt.date(2026, 12, 3)) == dt.date(2026, 11, 25)
    # Wednesday 30 December 2026: Christmas Day (Friday) and Boxing Day's substitute (Monday 28).
    assert demo_notification(dt.date(2026, 12, 30)) == dt.date(2026, 12, 18)
    closed = WorkingCalendar.with_closures([dt.date(2026, 12, 2)])
    assert demo_notification(dt.date(2026, 12, 3), closed) == dt.date(2026, 11, 24)
