"""Signed webhooks, delivered over real HTTP to a receiver on 127.0.0.1: registration, signatures
checked with the snippet in docs/integrators.md, retries with backoff, the log, redelivery."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from starlette.datastructures import Headers

from core.app import create_app
from core.cli import main
from core.database import Database
from core.demo import DemoInspection
from core.ids import MAX_ROW_ID, global_id
from core.integrations import webhooks
from core.integrations.feed import PUBLISHED_FINDING_SELECTION
from core.models import WebhookDelivery
from core.settings import Settings
from core.viewer import Role
from tests.helpers.environment import REPO_ROOT
from tests.helpers.findings_world import (
    EVIDENCE_TEXT,
    WITHDRAW,
    Team,
    publish_new,
    record_final_evidence,
    team_of,
)
from tests.helpers.graphql import GraphQLClient, TokenFactory

REGISTER = """
mutation($input: RegisterWebhookInput!) { registerWebhook(input: $input) {
  webhook { id url label active } secret errors { field code message } } }
"""
LOG = """
query($status: WebhookDeliveryStatus) { webhookDeliveries(status: $status) { totalCount nodes {
  id webhookId event status attempts nextAttemptAt lastStatusCode lastError deliveredAt body } } }
"""
REDELIVER = """
mutation($id: ID!) { redeliverWebhook(deliveryId: $id) {
  delivery { id status attempts body } errors { field code message } } }
"""


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A real HTTP server on 127.0.0.1 that answers with the given status codes, in turn."""

    url: str
    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            state.received.append(Received(dict(self.headers.items()), body))
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep the test output quiet

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/jtai"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def docs_verify() -> Any:
    """The signature check from docs/integrators.md, run exactly as written there."""
    text = (REPO_ROOT / "docs" / "integrators.md").read_text(encoding="utf-8")
    [snippet] = [
        b for b in re.findall(r"```python\n(.*?)```", text, flags=re.S) if "def verify" in b
    ]
    namespace: dict[str, Any] = {}
    exec(compile(snippet, "docs/integrators.md", "exec"), namespace)
    return namespace["verify"]


@pytest.fixture
def team(
    gql: GraphQLClient,
    database: Database,
    demo: DemoInspection,
    make_token: TokenFactory,
    lead_token: str,
) -> Team:
    team = team_of(database, demo.inspection_id, make_token, lead_token)
    record_final_evidence(gql, database, team)
    return team


def at(moment: dt.datetime) -> Callable[[], dt.datetime]:
    """A clock stopped at ``moment``."""
    return lambda: moment


def register(gql: GraphQLClient, token: str, url: str) -> dict[str, Any]:
    payload: dict[str, Any] = gql(
        REGISTER, {"input": {"url": url, "label": "Test receiver"}}, token
    ).ok()["registerWebhook"]
    return payload


def test_a_published_finding_is_pushed_signed_and_the_docs_snippet_verifies_it(
    gql: GraphQLClient,
    database: Database,
    team: Team,
    make_token: TokenFactory,
    receiver: Receiver,
) -> None:
    admin = make_token(Role.ADMIN)
    registered = register(gql, admin, receiver.url)
    assert registered["errors"] == [] and registered["webhook"]["active"] is True
    secret = registered["secret"]
    assert secret.startswith("whsec_")
    # The secret is shown once: the list of webhooks never carries it.
    listed = gql("{ webhooks { id url label active } }", token=admin).ok()["webhooks"]
    assert listed == [registered["webhook"]] and secret not in json.dumps(listed)

    finding = publish_new(gql, team)
    run = webhooks.deliver_due(database)
    assert run.summary() == "1 due: 1 delivered, 0 to retry, 0 failed for good"
    [request] = receiver.received
    verify = docs_verify()
    assert verify(secret, request.headers, request.body) is True
    assert request.headers["X-JTAI-Event"] == "finding.published"
    body = json.loads(request.body)
    assert body["event"] == "finding.published" and body["findingId"] == finding["id"]
    assert body["finding"]["title"] == finding["title"]
    assert body["finding"]["agreedBy"] == ["cqc", "hmicfrs", "hmip", "ofsted"]
    # Nothing about a child, no evidence, in what is pushed.
    raw = request.body.decode()
    assert EVIDENCE_TEXT not in raw and "DEMO0" not in raw and "Child" not in raw
    # A tampered body, another secret, or an old timestamp (a replay) fail the check.
    assert verify(secret, request.headers, request.body.replace(b"Police", b"Polite")) is False
    assert verify("whsec_other", request.headers, request.body) is False
    later = int(request.headers["X-JTAI-Timestamp"]) + 301
    assert verify(secret, request.headers, request.body, now=later) is False
    # The cursor in the body resumes the feed after this change.
    integrator = make_token(Role.INTEGRATOR)
    after = gql(
        "query($after: String) { findingChanges(after: $after) { totalCount } }",
        {"after": body["cursor"]},
        integrator,
    ).ok()
    assert after == {"findingChanges": {"totalCount": 0}}


def test_a_failing_receiver_is_retried_with_backoff_then_succeeds(
    gql: GraphQLClient,
    database: Database,
    team: Team,
    make_token: TokenFactory,
    receiver: Receiver,
) -> None:
    admin = make_token(Role.ADMIN)
    register(gql, admin, receiver.url)
    publish_new(gql, team)
    receiver.statuses = [500, 503]
    t0 = dt.datetime(2030, 1, 1, 9, 0, tzinfo=dt.UTC)

    first = webhooks.deliver_due(database, clock=at(t0))
    [outcome] = first.outcomes
    assert (outcome.status, outcome.attempts, outcome.status_code) == ("pending", 1, 500)
    assert outcome.next_attempt_at == t0 + dt.timedelta(minutes=1)
    # Not due again before the backoff has passed.
    assert webhooks.deliver_due(database, clock=at(t0 + dt.timedelta(seconds=30))).outcomes == []
    second = webhooks.deliver_due(database, clock=at(t0 + dt.timedelta(minutes=1)))
    assert second.outcomes[0].next_attempt_at == t0 + dt.timedelta(minutes=3)  # then 2 minutes
    log = gql(LOG, {}, admin).ok()["webhookDeliveries"]["nodes"]
    assert [(d["status"], d["attempts"], d["lastStatusCode"]) for d in log] == [("PENDING", 2, 503)]
    assert log[0]["lastError"] == "HTTP 503 from the receiver"
    third = webhooks.deliver_due(database, clock=at(t0 + dt.timedelta(minutes=3)))
    assert third.outcomes[0].status == "delivered"
    assert len(receiver.received) == 3
    # Every attempt sent the same body, each signed at its own time.
    assert len({r.body for r in receiver.received}) == 1
    assert len({r.headers["X-JTAI-Signature"] for r in receiver.received}) == 3
    assert len({r.headers["X-JTAI-Delivery"] for r in receiver.received}) == 1
    delivered = gql(LOG, {"status": "DELIVERED"}, admin).ok()["webhookDeliveries"]["nodes"]
    assert delivered[0]["attempts"] == 3 and delivered[0]["deliveredAt"]
    assert delivered[0]["nextAttemptAt"] is None


def test_backoff_doubles_to_a_cap_and_a_delivery_fails_for_good(
    gql: GraphQLClient, database: Database, team: Team, make_token: TokenFactory
) -> None:
    assert [webhooks.backoff(n).total_seconds() / 60 for n in range(1, 6)] == [1, 2, 4, 8, 16]
    assert webhooks.backoff(30) == dt.timedelta(hours=6)
    register(gql, make_token(Role.ADMIN), "http://127.0.0.1:9/never-reached")
    publish_new(gql, team)
    sent: list[str] = []

    def refuse(url: str, headers: Mapping[str, str], body: bytes) -> int:
        sent.append(url)
        raise ConnectionRefusedError("nothing listens there")

    now = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    for _ in range(webhooks.MAX_ATTEMPTS):
        [outcome] = webhooks.deliver_due(database, clock=at(now), send=refuse).outcomes
        now = outcome.next_attempt_at or now
    assert outcome.status == "failed" and outcome.attempts == webhooks.MAX_ATTEMPTS
    assert outcome.error == "ConnectionRefusedError: nothing listens there"
    assert (
        webhooks.deliver_due(database, clock=at(now + dt.timedelta(days=1)), send=refuse).outcomes
        == []
    )
    assert len(sent) == webhooks.MAX_ATTEMPTS


def test_redelivery_queues_a_copy_and_keeps_the_log(
    gql: GraphQLClient,
    database: Database,
    team: Team,
    make_token: TokenFactory,
    receiver: Receiver,
) -> None:
    admin = make_token(Role.ADMIN)
    hook = register(gql, admin, receiver.url)["webhook"]
    finding = publish_new(gql, team)
    gql(WITHDRAW, {"id": finding["id"]}, team.lead).ok()
    webhooks.deliver_due(database)
    assert [r.headers["X-JTAI-Event"] for r in receiver.received] == [
        "finding.published",
        "finding.withdrawn",
    ]
    assert json.loads(receiver.received[1].body)["finding"] is None  # withdrawn: id only
    log = gql(LOG, {}, admin).ok()["webhookDeliveries"]["nodes"]
    published = next(d for d in log if d["event"] == "FINDING_PUBLISHED")
    assert published["webhookId"] == hook["id"]

    copy = gql(REDELIVER, {"id": published["id"]}, admin).ok()["redeliverWebhook"]
    assert copy["errors"] == [] and copy["delivery"]["status"] == "PENDING"
    assert copy["delivery"]["id"] != published["id"]
    assert copy["delivery"]["body"] == published["body"]
    webhooks.deliver_due(database)
    assert receiver.received[2].body == receiver.received[0].body
    assert gql(LOG, {}, admin).ok()["webhookDeliveries"]["totalCount"] == 3
    # The log filtered by the webhook's global ID; a delivery's ID is no webhook's.
    by_hook = "query($w: ID) { webhookDeliveries(webhookId: $w) { totalCount } }"
    assert gql(by_hook, {"w": hook["id"]}, admin).ok()["webhookDeliveries"]["totalCount"] == 3
    wrong_hook = gql(by_hook, {"w": published["id"]}, admin)
    assert wrong_hook.data is None
    assert "is not the ID of a Webhook" in wrong_hook.errors[0]["message"]

    missing_id = global_id("WebhookDelivery", 999_999)
    missing = gql(REDELIVER, {"id": missing_id}, admin).ok()["redeliverWebhook"]
    assert missing["errors"][0]["field"] == "deliveryId"
    assert repr(missing_id) in missing["errors"][0]["message"]
    # A webhook's id is not a delivery's.
    wrong = gql(REDELIVER, {"id": hook["id"]}, admin).ok()["redeliverWebhook"]
    assert wrong["errors"][0]["code"] == "INVALID_ID"
    assert "is not the ID of a WebhookDelivery" in wrong["errors"][0]["message"]
    refused = gql(REDELIVER, {"id": published["id"]}, team.lead).ok()["redeliverWebhook"]
    assert refused["errors"][0]["code"] == "NOT_ALLOWED"


def test_only_admins_register_and_urls_are_checked(
    gql: GraphQLClient, database: Database, team: Team, make_token: TokenFactory
) -> None:
    for token in (make_token(Role.INTEGRATOR), team.lead):
        refused = register(gql, token, "https://receiver.example.org/jtai")
        assert refused["webhook"] is None and refused["errors"][0]["code"] == "NOT_ALLOWED"
    admin = make_token(Role.ADMIN)
    for url, words in [
        ("ftp://receiver.example.org/", "give an absolute https or http URL"),
        ("https://user:pass@receiver.example.org/", "no credentials"),
        ("not a url", "no spaces or control characters"),
        ("receiver.example.org/jtai", "give an absolute"),
    ]:
        bad = register(gql, admin, url)
        assert bad["errors"][0]["field"] == "input.url" and words in bad["errors"][0]["message"]
    assert gql("{ webhooks { id } }", token=team.lead).errors[0]["extensions"]["code"] == (
        "FORBIDDEN"
    )
    # A deactivated webhook gets nothing.
    hook = register(gql, admin, "https://receiver.example.org/jtai")["webhook"]
    gql(
        "mutation($id: ID!) { deactivateWebhook(webhookId: $id) { webhook { active } } }",
        {"id": hook["id"]},
        admin,
    ).ok()
    publish_new(gql, team)
    with database.session() as session:
        assert session.scalars(select(WebhookDelivery)).all() == []
    # A webhook that does not exist is named, as not found.
    missing = gql(
        "mutation($id: ID!) { deactivateWebhook(webhookId: $id) { errors { field code } } }",
        {"id": global_id("Webhook", MAX_ROW_ID)},
        admin,
    ).ok()["deactivateWebhook"]
    assert missing["errors"] == [{"field": "webhookId", "code": "NOT_FOUND"}]


def test_two_runs_at_once_never_send_a_delivery_twice(
    gql: GraphQLClient, database: Database, team: Team, make_token: TokenFactory
) -> None:
    register(gql, make_token(Role.ADMIN), "https://receiver.example.org/jtai")
    publish_new(gql, team)
    inner_runs: list[int] = []

    def send(url: str, headers: Mapping[str, str], body: bytes) -> int:
        # While this delivery is being sent, another run starts: it must find nothing due.
        inner_runs.append(len(webhooks.deliver_due(database, send=send).outcomes))
        return 200

    outer = webhooks.deliver_due(database, send=send)
    assert [o.status for o in outer.outcomes] == ["delivered"] and inner_runs == [0]


def test_jtai_webhooks_deliver_sends_what_is_due(
    gql: GraphQLClient,
    database: Database,
    team: Team,
    make_token: TokenFactory,
    receiver: Receiver,
) -> None:
    register(gql, make_token(Role.ADMIN), receiver.url)
    publish_new(gql, team)
    result = CliRunner().invoke(
        main, ["webhooks", "deliver"], env={"JTAI_DATABASE_URL": database.url}
    )
    assert result.exit_code == 0, result.output
    assert "delivered (HTTP 200)" in result.output
    assert "1 due: 1 delivered, 0 to retry, 0 failed for good" in result.output
    assert len(receiver.received) == 1


@dataclass
class SlowReceivers:
    """Four registered receivers, each taking two minutes to answer, on a clock the test moves:
    one run sends four deliveries over eight minutes, longer than the five-minute lease."""

    clock: dt.datetime
    secrets: dict[str, str]
    sent: list[tuple[str, int]] = field(default_factory=list)  # (delivery id, clock at send)
    fresh: list[bool] = field(default_factory=list)  # the documented verify() at send time

    def now(self) -> dt.datetime:
        return self.clock

    def send(self, url: str, headers: Mapping[str, str], body: bytes) -> int:
        at_send = int(self.clock.timestamp())
        self.sent.append((headers["X-JTAI-Delivery"], at_send))
        self.fresh.append(docs_verify()(self.secrets[url], headers, body, now=at_send))
        self.clock += dt.timedelta(minutes=2)
        return 200


@pytest.fixture
def slow(
    gql: GraphQLClient,
    team: Team,
    make_token: TokenFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> SlowReceivers:
    admin = make_token(Role.ADMIN)
    secrets = {}
    for n in range(4):
        url = f"https://receiver-{n}.example.org/jtai"
        secrets[url] = register(gql, admin, url)["secret"]
    publish_new(gql, team)  # one change: a delivery to each receiver, due now
    receivers = SlowReceivers(
        clock=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1), secrets=secrets
    )
    monkeypatch.setattr(webhooks, "utc_now", receivers.now)  # the time every step reads
    return receivers


def test_a_run_longer_than_the_lease_signs_each_delivery_when_it_is_sent(
    database: Database, slow: SlowReceivers
) -> None:
    run = webhooks.deliver_due(database, send=slow.send)
    assert run.count("delivered") == 4 and len(slow.sent) == 4
    assert slow.fresh == [True, True, True, True]  # the last one is sent six minutes in


def test_a_run_longer_than_the_lease_never_sends_a_delivery_twice(
    database: Database, slow: SlowReceivers
) -> None:
    started = slow.clock
    cron_ran: list[int] = []

    def send_while_cron_fires(url: str, headers: Mapping[str, str], body: bytes) -> int:
        status = slow.send(url, headers, body)
        if not cron_ran and slow.clock - started > webhooks.LEASE:
            # Cron starts the next run while this one is still sending (its third delivery).
            cron_ran.append(len(webhooks.deliver_due(database, send=slow.send).outcomes))
        return status

    outer = webhooks.deliver_due(database, send=send_while_cron_fires)
    sent_ids = [delivery for delivery, _ in slow.sent]
    assert sorted(sent_ids) == sorted(set(sent_ids)) and len(sent_ids) == 4, slow.sent
    assert len(outer.outcomes) + cron_ran[0] == 4
    assert all(slow.fresh)


def docs_graphql_block(name: str) -> str:
    """The GraphQL operation ``name`` as docs/integrators.md prints it."""
    text = (REPO_ROOT / "docs" / "integrators.md").read_text(encoding="utf-8")
    blocks: list[str] = re.findall(r"```graphql\n(.*?)```", text, flags=re.S)
    [block] = [b for b in blocks if f"query {name}" in b]
    return block


def test_the_pushed_finding_is_the_graphs_answer_for_the_documented_selection(
    gql: GraphQLClient,
    database: Database,
    team: Team,
    make_token: TokenFactory,
    receiver: Receiver,
) -> None:
    admin, integrator = make_token(Role.ADMIN), make_token(Role.INTEGRATOR)
    register(gql, admin, receiver.url)
    publish_new(gql, team)
    webhooks.deliver_due(database)
    [request] = receiver.received
    pushed = json.loads(request.body)["finding"]

    query = docs_graphql_block("PushedFinding")
    # The docs print the selection the code promises, word for word.
    assert " ".join(PUBLISHED_FINDING_SELECTION.split()) in " ".join(query.split())
    [graph] = gql(query, token=integrator).ok()["findings"]["nodes"]
    assert pushed == graph  # same keys, nesting and values
    assert pushed["criteria"][0]["lead"] == {"code": "ofsted"}
    assert pushed["framework"] == {"code": "da-2016"} and "status" not in pushed
    exported = gql.request(
        "GET", "/exports/findings.json", headers={"Authorization": f"Bearer {integrator}"}
    ).json()
    assert exported["findings"] == [graph]


def test_redelivery_keeps_the_documented_dedupe_key(
    gql: GraphQLClient,
    database: Database,
    team: Team,
    make_token: TokenFactory,
    receiver: Receiver,
) -> None:
    admin = make_token(Role.ADMIN)
    register(gql, admin, receiver.url)
    publish_new(gql, team)
    receiver.statuses = [500]  # the first attempt fails: a retry follows
    t0 = dt.datetime.now(dt.UTC)
    webhooks.deliver_due(database, clock=at(t0))
    webhooks.deliver_due(database, clock=at(t0 + dt.timedelta(minutes=1)))
    [original] = gql(LOG, {}, admin).ok()["webhookDeliveries"]["nodes"]
    gql(REDELIVER, {"id": original["id"]}, admin).ok()
    webhooks.deliver_due(database, clock=at(t0 + dt.timedelta(minutes=2)))
    first, retry, redelivery = receiver.received
    cursor = json.loads(first.body)["cursor"]
    # X-JTAI-Change, the key the docs say to deduplicate on, is the body's cursor every time;
    # the delivery id changes with a redelivery.
    assert [r.headers["X-JTAI-Change"] for r in receiver.received] == [cursor] * 3
    assert first.headers["X-JTAI-Delivery"] == retry.headers["X-JTAI-Delivery"]
    assert redelivery.headers["X-JTAI-Delivery"] != first.headers["X-JTAI-Delivery"]
    assert first.body == retry.body == redelivery.body
    docs = (REPO_ROOT / "docs" / "integrators.md").read_text(encoding="utf-8")
    assert "Deduplicate on `X-JTAI-Change`" in docs


def test_the_docs_verify_reads_header_names_in_any_case(
    gql: GraphQLClient,
    database: Database,
    team: Team,
    make_token: TokenFactory,
    receiver: Receiver,
) -> None:
    secret = register(gql, make_token(Role.ADMIN), receiver.url)["secret"]
    publish_new(gql, team)
    webhooks.deliver_due(database)
    [request] = receiver.received
    verify = docs_verify()
    lowered = {name.lower(): value for name, value in request.headers.items()}
    upper = {name.upper(): value for name, value in request.headers.items()}
    as_asgi = Headers(raw=[(k.encode(), v.encode()) for k, v in lowered.items()])
    for headers in (request.headers, lowered, upper, as_asgi):
        assert verify(secret, headers, request.body) is True
        assert verify("whsec_other", headers, request.body) is False


def test_production_takes_only_https_webhook_urls_and_says_so(
    database: Database, make_token: TokenFactory
) -> None:
    production = GraphQLClient(
        create_app(Settings(database_url=database.url, production=True), database=database),
        database,
    )
    admin = make_token(Role.ADMIN)
    refused = register(production, admin, "http://receiver.example.org/jtai")
    assert refused["webhook"] is None
    [error] = refused["errors"]
    assert error["field"] == "input.url"
    assert "JTAI_ENV=production" in error["message"] and "https://" in error["message"]
    accepted = register(production, admin, "https://receiver.example.org/jtai")
    assert accepted["errors"] == [] and accepted["webhook"]["active"] is True
