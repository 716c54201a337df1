"""A list's problems as a person can act on them, over real multipart HTTP: every problem counted
and grouped by what to fix (severity, code, column), then read a page at a time, with the stored
queries of an accepted list capped by JTAI_MAX_LIST_QUERIES and paged the same way."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette

from core.app import create_app
from core.database import Database
from core.demo import DemoInspection
from core.models import Child, ListQuery, ListRow, ListUpload
from core.settings import Settings
from core.viewer import Role
from tests.helpers.annex_a_rows import BORN, cin_csv, cin_row, cp_row, cp_xlsx, uk
from tests.helpers.graphql import GraphQLClient, StatementCounter, TokenFactory
from tests.helpers.ids import gid
from tests.helpers.issued_requests import ISSUE, agency_id, request_id
from tests.helpers.lists_world import post_list, uploaded

LIST_UPLOADS = """
query($id: ID!, $first: Int, $after: String) { inspection(id: $id) { listUploads {
  current
  querySummary { total queryCount groupCount groups { code column count firstRows message } }
  queries(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } nodes { row code }
  }
} } }
"""


@pytest.fixture
def issued(gql: GraphQLClient, lead_token: str, demo: DemoInspection) -> None:
    result = gql(ISSUE, {"id": gid("Inspection", demo.inspection_id)}, lead_token).ok()
    assert result["issueDocumentRequests"]["errors"] == []


@pytest.fixture
def la_token(make_token: TokenFactory, database: Database, demo: DemoInspection) -> str:
    return make_token(Role.AGENCY_USER, agency_id=agency_id(database, "local_authority"))


def group(summary: dict[str, Any], code: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [g for g in summary["groups"] if g["code"] == code]
    assert len(found) == 1, code
    return found[0]


def rows_of(page: dict[str, Any]) -> list[int]:
    return [node["row"] for node in page["nodes"]]


def bad_dates(count: int) -> bytes:
    """``count`` rows whose date of birth is no date: one fix, ``count`` problems."""
    return cin_csv(
        *(cin_row(f"BAD{n:05d}", BORN).replace(uk(BORN), "31/02/2019") for n in range(count))
    )


def test_twenty_five_thousand_bad_rows_come_back_as_one_group_and_a_page(
    gql: GraphQLClient, database: Database, la_token: str, issued: None
) -> None:
    asked = request_id(database, "list.children-in-need")
    content = bad_dates(25_000)
    response = post_list(gql, la_token, asked, content)

    # The whole answer is a summary and one page: not 25,000 problem objects (45 MB before).
    assert len(response.content) < 200_000, len(response.content)
    result = uploaded(response)
    assert result["accepted"] is False
    summary = result["problemSummary"]
    assert summary["errorCount"] == 25_000
    assert summary["total"] == summary["errorCount"] + summary["queryCount"]
    dates = group(summary, "invalid_date")
    assert (dates["severity"], dates["column"], dates["field"]) == ("ERROR", "DOB", "date_of_birth")
    assert dates["count"] == 25_000
    assert dates["firstRows"] == list(range(2, 12))
    assert dates["message"].startswith("Column 'DOB': 25,000 rows (2, 3, 4")
    assert "31/02/2019" in dates["message"]  # the first problem's own message: what to write
    assert summary["groups"][0]["severity"] == "ERROR"  # what refuses the file comes first
    assert summary["groups"][-1]["code"] == "unknown_column"  # the QUERY 'Notes' after
    assert "see problemSummary" in result["errors"][0]["message"]

    page = result["problems"]
    assert page["totalCount"] == summary["total"]
    assert len(page["nodes"]) == 50  # the default page
    assert page["pageInfo"]["hasNextPage"] is True

    # The same file sent again, with the cursor, gives the next page: the same problems in the
    # same order (nothing of a refused file is kept between requests).
    again = uploaded(
        post_list(gql, la_token, asked, content, first=100, after=page["pageInfo"]["endCursor"])
    )
    dates_first = [n["row"] for n in page["nodes"] if n["code"] == "invalid_date"]
    assert dates_first == list(range(2, 2 + len(dates_first))) and len(dates_first) >= 49
    assert len(again["problems"]["nodes"]) == 100
    assert rows_of(again["problems"])[:2] == [dates_first[-1] + 1, dates_first[-1] + 2]
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(ListUpload)) == 0
        assert session.scalar(select(func.count()).select_from(ListRow)) == 0


def test_a_page_larger_than_the_cap_is_refused_naming_it(
    gql: GraphQLClient, database: Database, la_token: str, issued: None
) -> None:
    response = post_list(
        gql, la_token, request_id(database, "list.children-in-need"), bad_dates(3), first=101
    )
    body = response.json()
    assert response.status_code == 200
    [error] = body["errors"]
    assert "first: 101 is outside 0..100" in error["message"]


def test_a_broken_lists_summary_groups_each_fix_once(
    gql: GraphQLClient, database: Database, la_token: str, issued: None
) -> None:
    broken = cin_csv(
        cin_row("CIN-1", BORN).replace(uk(BORN), "31/02/2019"),
        cin_row("CIN-2", BORN, da="Maybe"),
        cin_row("CIN-3", BORN).replace(uk(BORN), "2019-13-45"),
        cin_row("CIN-4", BORN, da="Perhaps"),
    )
    result = uploaded(
        post_list(gql, la_token, request_id(database, "list.children-in-need"), broken)
    )
    summary = result["problemSummary"]
    assert summary["errorCount"] == 4
    keyed = {(g["severity"], g["code"], g["column"]): g for g in summary["groups"]}
    assert keyed[("ERROR", "invalid_date", "DOB")]["firstRows"] == [2, 4]
    assert keyed[("ERROR", "invalid_yes_no", "DA flag")]["firstRows"] == [3, 5]
    assert keyed[("QUERY", "unknown_column", "Notes")]["count"] == 1
    assert summary["groupCount"] == len(summary["groups"]) == 3
    assert result["problems"]["totalCount"] == summary["total"] == 5


@pytest.fixture
def capped_app(database: Database, tmp_path_factory: pytest.TempPathFactory) -> Starlette:
    settings = Settings(
        database_url=database.url,
        max_page_size=100,
        max_list_queries=30,
        storage_dir=tmp_path_factory.mktemp("capped-documents"),
    )
    return create_app(settings, database=database)


def test_an_accepted_lists_queries_are_kept_up_to_the_cap_and_counted_in_full(
    capped_app: Starlette,
    database: Database,
    la_token: str,
    lead_token: str,
    demo: DemoInspection,
    issued: None,
) -> None:
    gql = GraphQLClient(capped_app, database)
    asked = request_id(database, "list.children-in-need")
    # One child listed on 100 rows: 99 QUERYs 'duplicate_child_id', and the ignored 'Notes'.
    listed = cin_csv(*(cin_row("DUP-1", BORN) for _ in range(100)))
    result = uploaded(post_list(gql, la_token, asked, listed, first=20))
    assert result["accepted"] is True and result["childrenAdded"] == 1
    summary = result["problemSummary"]
    assert (summary["total"], summary["errorCount"], summary["queryCount"]) == (100, 0, 100)
    assert group(summary, "duplicate_child_id")["count"] == 99
    assert group(summary, "duplicate_child_id")["firstRows"] == list(range(3, 13))

    # The first 30 are kept, paged by the stored rows' cursors.
    first = result["problems"]
    assert (first["totalCount"], len(first["nodes"])) == (30, 20)
    assert first["pageInfo"]["hasNextPage"] is True
    variables = {"id": gid("Inspection", demo.inspection_id), "first": 20}
    [listed_upload] = gql(LIST_UPLOADS, variables, lead_token).ok()["inspection"]["listUploads"]
    assert listed_upload["querySummary"]["queryCount"] == 100
    assert listed_upload["queries"]["nodes"] == [
        {"row": n["row"], "code": n["code"]} for n in first["nodes"]
    ]
    rest = gql(
        LIST_UPLOADS, {**variables, "after": first["pageInfo"]["endCursor"]}, lead_token
    ).ok()["inspection"]["listUploads"][0]["queries"]
    assert len(rest["nodes"]) == 10 and rest["pageInfo"]["hasNextPage"] is False
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(ListQuery)) == 30

    # Sent again, the same bytes show what was recorded: the same summary and the same page.
    duplicate = uploaded(post_list(gql, la_token, asked, listed, first=20))
    assert duplicate["problemSummary"] == summary
    assert duplicate["problems"] == first


def test_a_replaced_lists_queries_go_and_its_summary_keeps_only_counts(
    gql: GraphQLClient,
    database: Database,
    la_token: str,
    lead_token: str,
    demo: DemoInspection,
    issued: None,
) -> None:
    asked = request_id(database, "list.children-in-need")
    first = uploaded(
        post_list(gql, la_token, asked, cin_csv(cin_row("R-1", BORN), cin_row("R-1", BORN)))
    )
    assert first["accepted"] is True
    uploaded(post_list(gql, la_token, asked, cin_csv(cin_row("R-2", BORN))))

    variables = {"id": gid("Inspection", demo.inspection_id)}
    earlier, current = gql(LIST_UPLOADS, variables, lead_token).ok()["inspection"]["listUploads"]
    assert (earlier["current"], current["current"]) == (False, True)
    assert earlier["queries"] == {
        "totalCount": 0,
        "pageInfo": {"hasNextPage": False, "endCursor": None},
        "nodes": [],
    }
    duplicated = group(earlier["querySummary"], "duplicate_child_id")
    assert (duplicated["count"], duplicated["firstRows"]) == (1, [3])
    assert "R-1" not in duplicated["message"]  # the cell it quoted went with the rows
    assert "went when the list was replaced" in duplicated["message"]
    assert current["queries"]["totalCount"] == 1  # 'Notes'
    with database.session() as session:
        assert session.scalar(select(Child.id).where(Child.local_id == "R-1")) is None


def test_the_queries_of_many_lists_cost_the_same_statements_as_of_one(
    gql: GraphQLClient,
    database: Database,
    la_token: str,
    lead_token: str,
    demo: DemoInspection,
    issued: None,
) -> None:
    variables = {"id": gid("Inspection", demo.inspection_id)}

    def statements() -> tuple[int, int]:
        counter = StatementCounter()
        uploads = gql(LIST_UPLOADS, variables, lead_token, counter).ok()["inspection"]
        return counter.count, len(uploads["listUploads"])

    cin = cin_csv(cin_row("S-1", BORN), cin_row("S-1", BORN))
    uploaded(post_list(gql, la_token, request_id(database, "list.children-in-need"), cin))
    with_one = statements()
    plans = cp_xlsx([cp_row("S-2", BORN), cp_row("S-2", BORN)])
    sent = post_list(
        gql, la_token, request_id(database, "list.child-protection-plans"), plans, "cp.xlsx"
    )
    assert uploaded(sent)["accepted"] is True
    with_two = statements()
    assert (with_one[1], with_two[1]) == (1, 2)
    assert with_two[0] == with_one[0]
