"""The check issue 18 describes, end to end: `jtai serve --workers 2`, real `graphql-ws` clients
in Node (docs/frontend-example/scripts/live-events.mjs) subscribed as the lead inspector, a team
member of another inspectorate, an agency user of the area, an agency user of another area and an
integrator; the inspection driven through its three weeks over HTTP
(tests/helpers/live_inspection.py); one worker killed with SIGKILL mid-way (uvicorn's supervisor
starts another) and its clients reconnecting with their last cursor; then what each subscriber
received compared with what it may see: every event it should get, none it should not, no
duplicates, nothing lost.

On PostgreSQL (JTAI_TEST_POSTGRES_URL) in a database of its own; on SQLite, a lighter run across
two workers. Marked ``npm``: it needs node and the example's packages.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, make_url, text

from core.database import Database
from core.migrate import upgrade
from core.registry import Registry
from tests.helpers.environment import POSTGRES_URL
from tests.helpers.live_inspection import (
    REQUEST_KINDS,
    Drive,
    HttpGraphQL,
    Viewers,
    event_key,
    make_world,
)
from tests.helpers.node_live import LiveEvents, node_with_example_packages
from tests.helpers.server import jtai_serve

pytestmark = [pytest.mark.npm, pytest.mark.long]


# --- the server's processes ------------------------------------------------------------------


def worker_pids(supervisor: int) -> list[int]:
    """uvicorn's worker processes: the supervisor's children started by multiprocessing."""
    workers = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == supervisor and b"spawn_main" in cmdline:
            workers.append(int(entry.name))
    return sorted(workers)


def connections_on_port(pid: int, port: int) -> int:
    """How many established TCP connections the process holds on ``port`` (its clients)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = str(fd.readlink())
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            if local_port == port and fields[3] == "01" and fields[9] in inodes:  # ESTABLISHED
                count += 1
    return count


def wait_for_workers(supervisor: int, count: int, timeout: float = 60) -> list[int]:
    deadline = time.monotonic() + timeout
    while len(pids := worker_pids(supervisor)) != count:
        assert time.monotonic() < deadline, f"{pids}: not {count} workers"
        time.sleep(0.2)
    return pids


# --- databases -------------------------------------------------------------------------------


@pytest.fixture
def postgres_database() -> Iterator[Database]:
    if POSTGRES_URL is None:
        pytest.skip("set JTAI_TEST_POSTGRES_URL to run against PostgreSQL")
    server = make_url(POSTGRES_URL).set(drivername="postgresql+psycopg")
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"jtai_e2e_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    database = Database(server.set(database=name).render_as_string(hide_password=False))
    try:
        upgrade(database)
        yield database
    finally:
        database.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'e2e.db'}")
    upgrade(database)
    yield database
    database.dispose()


# --- subscribers -----------------------------------------------------------------------------


class Subscribers:
    def __init__(self, tmp_path: Path, ws_url: str) -> None:
        self.node, self.node_modules = node_with_example_packages()
        self.tmp_path = tmp_path
        self.ws_url = ws_url
        self.all: dict[str, LiveEvents] = {}

    def start(self, name: str, token: str, *args: str) -> LiveEvents:
        follower = LiveEvents(
            self.node,
            self.node_modules,
            self.tmp_path / "node",
            self.ws_url,
            token,
            list(args),
            name=name,
        )
        self.all[name] = follower
        return follower

    def stop(self) -> None:
        for follower in self.all.values():
            follower.stop()


def inspection_events(follower: LiveEvents) -> list[dict[str, Any]]:
    return [e["inspectionEvents"] for e in follower.events()]


def subscribe_after_a_probe(
    drive: Drive, subscribers: Subscribers, viewers: Viewers
) -> tuple[LiveEvents, str]:
    """The lead subscribes live and draft findings are created until it sees one (a subscribe
    has no acknowledgement); the last probe's cursor is where every comparison starts."""
    inspection = viewers.team.inspection
    lead = subscribers.start("lead", viewers.team.lead, "inspection", inspection)
    lead.wait_for("connected")
    for attempt in range(15):
        drive.probe(f"Probe {attempt}")
        try:
            lead.wait_for("event", timeout=2)
            break
        except AssertionError:
            continue
    last = drive.probes[-1]

    def has_last(events: list[dict[str, Any]]) -> bool:
        return any(e["inspectionEvents"]["finding"]["id"] == last for e in events)

    events = lead.wait_until(has_last)
    start = next(
        e["inspectionEvents"]["cursor"]
        for e in events
        if e["inspectionEvents"]["finding"] and e["inspectionEvents"]["finding"]["id"] == last
    )
    return lead, start


def after(events: list[dict[str, Any]], cursor: str) -> list[dict[str, Any]]:
    """The events after the one with ``cursor`` (the lead's own stream started before it)."""
    cursors = [e["cursor"] for e in events]
    return events[cursors.index(cursor) + 1 :] if cursor in cursors else events


def check_no_duplicates(name: str, events: list[dict[str, Any]]) -> None:
    cursors = Counter(e["cursor"] for e in events)
    assert [c for c, n in cursors.items() if n > 1] == [], f"{name} received an event twice"


def check_team_view(
    name: str, events: list[dict[str, Any]], drive: Drive, requests: dict[str, str]
) -> Counter[tuple[str, str | None]]:
    """A team member (the lead included) sees everything: every event the steps caused, each
    once, and nothing else."""
    check_no_duplicates(name, events)
    keys = Counter(event_key(e) for e in events)
    ledger = drive.ledger
    exact = {k: n for k, n in keys.items() if k[0] not in REQUEST_KINDS | {"COVERAGE_CHANGED"}}
    assert exact == dict(ledger.expected), (name, exact, dict(ledger.expected))
    issued = {k[1] for k in keys if k[0] == "REQUEST_ISSUED"}
    assert issued == set(requests), (name, "REQUEST_ISSUED", len(issued), len(requests))
    received = [str(k[1]) for k in keys.elements() if k[0] in {"REQUEST_RECEIVED", "REQUEST_LATE"}]
    assert sorted(received) == sorted(ledger.received_requests), (name, received)
    overdue = [k[1] for k in keys.elements() if k[0] == "REQUEST_OVERDUE"]
    assert len(overdue) == len(set(overdue)) and set(overdue) <= set(requests), (name, overdue)
    if any(k[0] == "EVIDENCE_RECORDED" for k in ledger.expected):
        assert keys[("COVERAGE_CHANGED", None)] >= 1, (name, "no COVERAGE_CHANGED")
    return keys


def check_agency_view(
    events: list[dict[str, Any]],
    mine: set[str],
    lead_events: list[dict[str, Any]],
) -> None:
    """An agency user of the area: its own agency's request events only, all of them."""
    check_no_duplicates("agency user", events)
    assert {e["kind"] for e in events} <= REQUEST_KINDS, {e["kind"] for e in events}
    keys = Counter(event_key(e) for e in events)
    assert {k[1] for k in keys} <= mine, "an agency user received another agency's request"
    lead_keys = Counter(event_key(e) for e in lead_events if event_key(e)[1] in mine)
    assert keys == lead_keys, (keys - lead_keys, lead_keys - keys)
    assert {k[1] for k in keys if k[0] == "REQUEST_ISSUED"} == mine


def check_refused_or_silent(name: str, follower: LiveEvents) -> None:
    """A viewer with no access: refused at subscribe time, or never sent anything."""
    assert follower.events() == [], f"{name} received {follower.events()}"
    refusals = [line for line in follower.lines if line["type"] == "refused"]
    for refusal in refusals:
        codes = {e.get("extensions", {}).get("code") for e in refusal["errors"]}
        assert codes <= {"FORBIDDEN", "NOT_FOUND"}, refusal


# --- PostgreSQL: the whole check -------------------------------------------------------------


def test_two_workers_on_postgres_deliver_what_each_viewer_may_see_across_a_killed_worker(
    postgres_database: Database, registry: Registry, tmp_path: Path
) -> None:
    database = postgres_database
    viewers = make_world(database, registry)
    inspection = viewers.team.inspection
    started: list[subprocess.Popen[bytes]] = []
    env = {"JTAI_DATABASE_URL": database.url}
    log = tmp_path / "serve.log"
    with jtai_serve(env, args=("--workers", "2"), log=log, started=started) as base:
        supervisor = started[0].pid
        port = int(base.rsplit(":", 1)[1])
        wait_for_workers(supervisor, 2)
        gql = HttpGraphQL(base)
        drive = Drive(gql, database, registry, viewers)
        subscribers = Subscribers(tmp_path, base.replace("http://", "ws://") + "/graphql")
        try:
            feed_before = drive.feed(viewers.integrator, None)
            feed_start = feed_before[-1]["cursor"] if feed_before else None
            lead, start = subscribe_after_a_probe(drive, subscribers, viewers)
            member = subscribers.start("member", viewers.member, "inspection", inspection, start)
            agency = subscribers.start(
                "agency user", viewers.agency_user, "inspection", inspection, start
            )
            elsewhere = subscribers.start(
                "other area", viewers.other_area_agency_user, "inspection", inspection, start
            )
            integrator = subscribers.start("integrator", viewers.integrator, "findings")
            # An integrator may not follow an inspection (only the published findings' feed).
            prying = subscribers.start(
                "integrator on an inspection", viewers.integrator, "inspection", inspection
            )
            for follower in (member, agency, elsewhere, integrator, prying):
                follower.wait_for("connected")
            refusal = prying.wait_for("refused")
            assert {e["extensions"]["code"] for e in refusal["errors"]} == {"FORBIDDEN"}

            # Weeks 1 and 2 on both workers.
            drive.issue_requests()
            drive.send_lists()
            drive.send_documents()
            drive.select_and_track()

            # Mid-way: the worker holding the most of these sockets dies at once.
            # (Bursts of events may have a client reconnecting: wait until all four are on.)
            workers = wait_for_workers(supervisor, 2)
            deadline = time.monotonic() + 30
            while sum(connections_on_port(pid, port) for pid in workers) < 4:
                assert time.monotonic() < deadline, "the four subscribers are not connected"
                time.sleep(0.1)
            victim = max(workers, key=lambda pid: connections_on_port(pid, port))
            mark = {name: len(f.lines) for name, f in subscribers.all.items()}
            os.kill(victim, signal.SIGKILL)
            replaced = wait_for_workers(supervisor, 2)
            assert victim not in replaced

            # Week 3 while the affected clients come back with their last cursor.
            drive.record_evidence()
            drive.findings()
            drive.publish_letter()

            # The killed worker's clients saw their socket drop (1006) and connected again.
            affected = [
                f
                for f in subscribers.all.values()
                if any(
                    line["type"] == "closed" and line["code"] == 1006
                    for line in f.lines[mark[f.name] :]
                )
            ]
            assert affected, "the killed worker had no subscriber"
            for follower in affected:
                follower.wait_for("connected", retry=True)
            for follower in (lead, member):
                follower.wait_until(
                    lambda events: any(
                        e["inspectionEvents"]["kind"] == "LETTER_PUBLISHED" for e in events
                    ),
                    timeout=60,
                )
            requests = drive.all_requests()
            mine = drive.my_requests(viewers.agency_user)
            agency.wait_until(
                lambda events: (
                    {
                        e["inspectionEvents"]["request"]["id"]
                        for e in events
                        if e["inspectionEvents"]["kind"] == "REQUEST_ISSUED"
                    }
                    >= mine
                ),
                timeout=60,
            )
            feed = drive.feed(viewers.integrator, feed_start)
            integrator.wait_until(lambda events: len(events) >= len(feed), timeout=60)
            time.sleep(1)  # room for a wrong extra event to arrive; asserted on below, not timed

            # The comparison.
            lead_events = after(inspection_events(lead), start)
            member_events = inspection_events(member)
            lead_keys = check_team_view("lead", lead_events, drive, requests)
            member_keys = check_team_view("member", member_events, drive, requests)
            assert lead_keys == member_keys
            check_agency_view(inspection_events(agency), mine, lead_events)
            check_refused_or_silent("the other area's agency user", elsewhere)
            received_feed = [e["findingChanges"] for e in integrator.events()]
            check_no_duplicates("integrator", received_feed)
            assert [e["cursor"] for e in received_feed] == [e["cursor"] for e in feed]
            changes = Counter((e["node"]["change"], e["node"]["findingId"]) for e in feed)
            for finding in drive.ledger.published:
                assert changes[("PUBLISHED", finding)] == 1, changes
            for finding in drive.ledger.withdrawn:
                assert changes[("WITHDRAWN", finding)] == 1, changes
        finally:
            subscribers.stop()
            gql.close()


# --- SQLite: two workers of one machine ------------------------------------------------------


def test_two_workers_on_sqlite_deliver_every_event_to_the_team(
    sqlite_database: Database, registry: Registry, tmp_path: Path
) -> None:
    """Lighter: the lead, a team member and an agency user follow the inspection on two SQLite
    workers through the same steps but the letter, with no worker killed."""
    database = sqlite_database
    viewers = make_world(database, registry)
    inspection = viewers.team.inspection
    env = {"JTAI_DATABASE_URL": database.url}
    with jtai_serve(env, args=("--workers", "2"), log=tmp_path / "serve.log") as base:
        gql = HttpGraphQL(base)
        drive = Drive(gql, database, registry, viewers)
        subscribers = Subscribers(tmp_path, base.replace("http://", "ws://") + "/graphql")
        try:
            lead, start = subscribe_after_a_probe(drive, subscribers, viewers)
            member = subscribers.start("member", viewers.member, "inspection", inspection, start)
            agency = subscribers.start(
                "agency user", viewers.agency_user, "inspection", inspection, start
            )
            member.wait_for("connected")
            agency.wait_for("connected")
            drive.issue_requests()
            drive.send_lists()
            drive.send_documents()
            drive.select_and_track()
            drive.record_evidence()
            drive.findings()
            for follower in (lead, member):
                follower.wait_until(
                    lambda events: any(
                        e["inspectionEvents"]["kind"] == "FINDING_WITHDRAWN"
                        and e["inspectionEvents"]["finding"]["id"] == drive.ledger.withdrawn[-1]
                        for e in events
                    ),
                    timeout=60,
                )
            requests = drive.all_requests()
            mine = drive.my_requests(viewers.agency_user)
            agency.wait_until(
                lambda events: (
                    {
                        e["inspectionEvents"]["request"]["id"]
                        for e in events
                        if e["inspectionEvents"]["kind"] == "REQUEST_ISSUED"
                    }
                    >= mine
                ),
                timeout=60,
            )
            time.sleep(1)  # room for a wrong extra event to arrive; asserted on below, not timed
            lead_events = after(inspection_events(lead), start)
            lead_keys = check_team_view("lead", lead_events, drive, requests)
            assert lead_keys == check_team_view(
                "member", inspection_events(member), drive, requests
            )
            check_agency_view(inspection_events(agency), mine, lead_events)
        finally:
            subscribers.stop()
            gql.close()
