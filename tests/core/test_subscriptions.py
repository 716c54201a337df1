"""GraphQL subscriptions over real WebSockets (graphql-transport-ws) against the app served by
uvicorn, with every change made through real HTTP mutations and uploads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette

from core.app import create_app
from core.database import Database
from core.demo import DemoInspection
from core.models import utc_now
from core.plugins import make_plugin_manager
from core.settings import Settings
from tests.helpers.environment import FIRST_PARTY
from tests.helpers.ids import gid
from tests.helpers.issued_requests import ISSUE, request_id, set_times
from tests.helpers.live import Http, LiveClient, served

EVENTS = """
subscription($id: ID!, $after: String) {
  inspectionEvents(inspectionId: $id, after: $after) {
    cursor kind occurredAt
    inspection { reference }
    request { id reference status receivedAt }
    listUpload { id }
    child { id }
    evidence { id status }
    coverage { criteriaWithoutFinalEvidence { code } }
    finding { id status }
    report { status version }
  }
}
"""

UPLOAD_DOCUMENT = """
mutation Upload($request: ID!, $file: Upload!) {
  uploadDocument(requestId: $request, file: $file) { duplicate errors { code message } }
}
"""


def live_settings(database: Database, tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database.url,
        "storage_dir": tmp_path / "documents",
        "subscription_keepalive_seconds": 0.5,
        "subscription_poll_seconds": 0.05,
        "overdue_check_seconds": 3600.0,  # a test of OVERDUE sets its own
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def live_app(database: Database, tmp_path: Path) -> Starlette:
    manager = make_plugin_manager(only=FIRST_PARTY)
    return create_app(live_settings(database, tmp_path), plugin_manager=manager, database=database)


@pytest.fixture
def base(live_app: Starlette) -> Iterator[str]:
    with served(live_app) as url:
        yield url


def test_a_lead_receives_request_received_when_a_document_is_uploaded(
    base: str, demo: DemoInspection, lead_token: str, database: Database
) -> None:
    http = Http(base)
    inspection = gid("Inspection", demo.inspection_id)
    http(ISSUE, {"id": inspection}, lead_token)
    set_times(database, due_at=utc_now() + dt.timedelta(days=7))  # none overdue yet
    request = request_id(database, "1.1")
    client = LiveClient(base)
    assert client.init(lead_token) == {"type": "connection_ack"}
    op = client.subscribe(EVENTS, {"id": inspection})
    assert client.quiet(0.3) == []  # live events only: nothing from before
    la_token = _agency_token(database, demo)
    body = http.upload(
        UPLOAD_DOCUMENT,
        {"request": gid("IssuedRequest", request)},
        la_token,
        ("minutes.pdf", b"%PDF-1.4 minutes", "application/pdf"),
    )
    assert body["data"]["uploadDocument"]["errors"] == []
    event = client.next_data(op)["inspectionEvents"]
    assert event["kind"] == "REQUEST_RECEIVED"
    assert event["request"]["id"] == gid("IssuedRequest", request)
    assert event["request"]["status"] == "RECEIVED"
    assert event["inspection"]["reference"]
    assert event["child"] is None and event["finding"] is None
    client.close()
    http.close()


def _agency_token(database: Database, demo: DemoInspection) -> str:
    from core.tokens import create_token
    from core.viewer import Role
    from tests.helpers.issued_requests import agency_id

    with database.write() as session:
        return create_token(
            session,
            role=Role.AGENCY_USER,
            label="la",
            expires_in=dt.timedelta(hours=1),
            agency_id=agency_id(database, "local_authority"),
        ).token
