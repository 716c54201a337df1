"""An inspection driven through its three weeks over real HTTP against a running `jtai serve`,
recording what each step did (the ground truth subscribers are compared with), and the rules of
what each viewer may receive (tests/test_subscriptions_e2e.py).

The steps are the demo timeline's (core/demo_timeline.py): the same synthetic lists through the
real upload, the same selection rules, and the findings tests' helpers
(tests/helpers/findings_world.py), but every change is a GraphQL request to the server, so the
server announces it. Synthetic data only.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, cast

import httpx
from sqlalchemy import select

from core.database import Database
from core.demo import load_demo
from core.demo_timeline import DEMO_SELECTED, DEMO_TRACKED, SEED, demo_notification
from core.models import Agency, Child, Inspection, IssuedRequest, LocalArea
from core.registry import Registry
from core.synthetic.areas import Area
from core.synthetic.catalogue import read_catalogue
from core.synthetic.distributions import MINIMUM_ROWS
from core.synthetic.lists import list_csv
from core.tokens import create_token
from core.viewer import Role
from core.workflow import selection as sel
from tests.helpers.council_files import broken_list
from tests.helpers.findings_world import (
    AGREE,
    CREATE,
    EVIDENCE_FORM_OF,
    FORMS_QUERY,
    INSPECTORATES,
    PUBLISH,
    WITHDRAW,
    Team,
    answers_for,
    team_of,
)
from tests.helpers.graphql import GraphQLClient, Response
from tests.helpers.ids import gid
from tests.helpers.lists_world import post_list, uploaded

ISSUE = """mutation Issue($id: ID!) { issueDocumentRequests(inspectionId: $id) {
  issuedCount errors { field code message } } }"""
REQUESTS = """query Requests($id: ID!, $after: String) { inspection(id: $id) {
  requests(first: 100, after: $after) {
    pageInfo { hasNextPage endCursor } nodes { id agency { id } } } } }"""
MY_REQUESTS = """query Mine($after: String) { myRequests(first: 100, after: $after) {
  pageInfo { hasNextPage endCursor } nodes { id inspection { id } } } }"""
UPLOAD_DOCUMENT = """mutation ($r: ID!, $f: Upload!) { uploadDocument(requestId: $r, file: $f) {
  document { sha256 } errors { field code message } } }"""
SELECT = """mutation Select($input: SelectChildrenInput!) { selectChildren(input: $input) {
  errors { field code message } selected { child { id } } } }"""
TRACK = """mutation Track($input: TrackChildrenInput!) { trackChildren(input: $input) {
  errors { field code message } tracked { child { id } } } }"""
UPDATE_REPORT = """mutation Context($input: UpdateReportInput!) { updateReport(input: $input) {
  errors { field code message } } }"""
PUBLISH_REPORT = """mutation Letter($id: ID!) { publishReport(inspectionId: $id) {
  errors { field code message } report { status } } }"""
FEED = """query Feed($after: String) { findingChanges(first: 100, after: $after) {
  pageInfo { hasNextPage endCursor } edges { cursor node { change findingId } } } }"""


class HttpGraphQL:
    """tests/helpers/graphql.py's client over a real socket: the helpers take either."""

    def __init__(self, base: str) -> None:
        # A new connection per request: the server's workers then hold only the subscribers'
        # sockets between requests (the end-to-end check kills the worker holding most).
        self.client = httpx.Client(
            base_url=base, timeout=60, limits=httpx.Limits(max_keepalive_connections=0)
        )

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self.client.request(method, url, **kwargs)

    def __call__(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        answer = self.client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
        return Response(answer.status_code, answer.json())

    def close(self) -> None:
        self.client.close()


@dataclass
class Viewers:
    """The subscribers' tokens, and the tokens the steps are taken with."""

    team: Team
    member: str  # a team member of another inspectorate (CQC)
    agency_user: str  # the area's local authority
    agency_id: int
    other_area_agency_user: str
    integrator: str
    agency_users: dict[int, str]  # every agency of the area, by id: they send what is asked


def make_world(database: Database, registry: Registry) -> Viewers:
    """The demo inspection, notified as the demo timeline does (so lists are due and the 20 may
    be selected today), with nothing issued yet; tokens for every viewer."""
    now = dt.datetime.now(dt.UTC)
    with database.write() as session:
        demo = load_demo(session, notified=demo_notification(now.date()))
        other = LocalArea(code="ZZ-OTHER", name="Elsewhere (synthetic)")
        session.add(other)
        session.flush()
        other_agency = Agency(area_id=other.id, kind="local_authority", name="Elsewhere council")
        session.add(other_agency)
        session.flush()
        other_agency_id = other_agency.id

    def token(role: Role, **bound: int) -> str:
        with database.write() as session:
            return create_token(
                session,
                role=role,
                label=f"e2e {role.value}",
                expires_in=dt.timedelta(hours=2),
                **bound,
            ).token

    team = team_of(database, demo.inspection_id, lambda role, **kw: token(role, **kw))
    agency_users = {
        agency: token(Role.AGENCY_USER, agency_id=agency)
        for agencies in team.agencies.values()
        for agency in agencies
    }
    local_authority = team.agencies["local_authority"][0]
    return Viewers(
        team=team,
        member=team.by_inspectorate["cqc"],
        agency_user=agency_users[local_authority],
        agency_id=local_authority,
        other_area_agency_user=token(Role.AGENCY_USER, agency_id=other_agency_id),
        integrator=token(Role.INTEGRATOR),
        agency_users=agency_users,
    )


@dataclass
class Ledger:
    """What the steps did, as the events they should cause: ``(kind, id)`` keys."""

    expected: Counter[tuple[str, str | None]] = field(default_factory=Counter)
    received_requests: set[str] = field(default_factory=set)  # RECEIVED or LATE: either
    selected: list[str] = field(default_factory=list)
    tracked: list[str] = field(default_factory=list)
    published: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)

    def add(self, kind: str, key: str | None, times: int = 1) -> None:
        self.expected[(kind, key)] += times


def _ok(response: Response, name: str) -> dict[str, Any]:
    data = response.ok()[name]
    assert data["errors"] == [], (name, data["errors"])
    payload: dict[str, Any] = data
    return payload


class Drive:
    """The inspection's steps, each over HTTP; the ledger grows with each."""

    def __init__(
        self, gql: HttpGraphQL, database: Database, registry: Registry, viewers: Viewers
    ) -> None:
        self.gql = gql
        self.database = database
        self.registry = registry
        self.viewers = viewers
        self.team = viewers.team
        self.ledger = Ledger()
        # The helpers are typed for the in-process client; this one has the same two methods.
        self.as_client = cast(GraphQLClient, gql)
        self.probes: list[str] = []

    # --- week 1: requests and what the area sends ---------------------------------------------

    def issue_requests(self) -> None:
        issued = _ok(
            self.gql(ISSUE, {"id": self.team.inspection}, self.team.lead), "issueDocumentRequests"
        )
        assert issued["issuedCount"] > 0

    def all_requests(self) -> dict[str, str]:
        """Every request of the inspection: its id and its agency's, as the lead reads them."""
        found: dict[str, str] = {}
        after = None
        while True:
            page = self.gql(
                REQUESTS, {"id": self.team.inspection, "after": after}, self.team.lead
            ).ok()["inspection"]["requests"]
            found.update({n["id"]: n["agency"]["id"] for n in page["nodes"]})
            if not page["pageInfo"]["hasNextPage"]:
                return found
            after = page["pageInfo"]["endCursor"]

    def my_requests(self, token: str) -> set[str]:
        """The requests an agency user reads with myRequests, in this inspection."""
        found: set[str] = set()
        after = None
        while True:
            page = self.gql(MY_REQUESTS, {"after": after}, token).ok()["myRequests"]
            found |= {
                n["id"] for n in page["nodes"] if n["inspection"]["id"] == self.team.inspection
            }
            if not page["pageInfo"]["hasNextPage"]:
                return found
            after = page["pageInfo"]["endCursor"]

    def _agency_token(self, request_id: int) -> str:
        with self.database.session() as session:
            request = session.get(IssuedRequest, request_id)
            assert request is not None
            return self.viewers.agency_users[request.agency_id]

    def send_lists(self) -> None:
        """The selection and sampling lists, as the demo draws them, each uploaded by the agency
        asked for it; one refused upload first (a list with errors)."""
        with self.database.session() as session:
            inspection = session.get(Inspection, self.team.inspection_id)
            assert inspection is not None
            framework, notified = inspection.framework, inspection.notification_date
            requests = session.scalars(
                select(IssuedRequest)
                .where(IssuedRequest.inspection_id == inspection.id)
                .order_by(IssuedRequest.due_at, IssuedRequest.reference)
            ).all()
            asked = [
                (r.id, self.registry.document_request(framework, r.reference)) for r in requests
            ]
        catalogue = read_catalogue(self.registry, framework)
        area = Area(catalogue, random.Random(SEED), notified, dict(MINIMUM_ROWS))
        area.draw_children()
        wanted = {
            *(spec.code for spec in sel.selection_lists(self.registry, framework)),
            *sel.sampling_lists(self.registry, framework),
        }
        refused_once = False
        for request_id, document in asked:
            spec = document.item.list_spec if document is not None else None
            if spec is None or spec.code not in wanted:
                continue
            token = self._agency_token(request_id)
            if not refused_once:
                refusal = post_list(
                    self.as_client,
                    token,
                    request_id,
                    broken_list().council.data,
                    filename="broken.csv",
                )
                assert refusal.status_code == 200, refusal.text
                assert refusal.json()["data"]["uploadList"]["accepted"] is False, refusal.text
                self.ledger.add("LIST_REFUSED", None)
                refused_once = True
            data = list_csv(spec, [area.values(spec.code, kid) for kid in area.members[spec.code]])
            response = post_list(
                self.as_client,
                token,
                request_id,
                data,
                filename=f"northvale-{spec.code}.csv",
            )
            result = uploaded(response)
            assert result["accepted"], result["problemSummary"]
            self.ledger.received_requests.add(gid("IssuedRequest", request_id))
            self.ledger.add("LIST_ACCEPTED", None)

    def send_documents(self, count: int = 3) -> None:
        """Documents for the first requests that ask for no list, from the agencies asked."""
        with self.database.session() as session:
            inspection = session.get(Inspection, self.team.inspection_id)
            assert inspection is not None
            requests = session.scalars(
                select(IssuedRequest)
                .where(
                    IssuedRequest.inspection_id == inspection.id, IssuedRequest.child_id.is_(None)
                )
                .order_by(IssuedRequest.due_at, IssuedRequest.reference)
            ).all()
            plain = [
                r.id
                for r in requests
                if (d := self.registry.document_request(inspection.framework, r.reference))
                is not None
                and d.item.list_spec is None
            ]
        for number, request_id in enumerate(plain[:count]):
            operations = {
                "query": UPLOAD_DOCUMENT,
                "variables": {"r": gid("IssuedRequest", request_id), "f": None},
            }
            response = self.gql.request(
                "POST",
                "/graphql",
                data={
                    "operations": json.dumps(operations),
                    "map": json.dumps({"0": ["variables.f"]}),
                },
                files={
                    "0": (
                        f"policy-{number}.txt",
                        f"Synthetic policy {number}\n".encode(),
                        "text/plain",
                    )
                },
                headers={
                    "Authorization": f"Bearer {self._agency_token(request_id)}",
                    "GraphQL-Require-Preflight": "1",
                },
            )
            assert response.status_code == 200, response.text
            answer = response.json()["data"]["uploadDocument"]
            assert answer["errors"] == [], answer
            self.ledger.received_requests.add(gid("IssuedRequest", request_id))

    # --- week 2: the 20 children and the tracked ones ----------------------------------------

    def select_and_track(self) -> None:
        with self.database.session() as session:
            inspection = session.get(Inspection, self.team.inspection_id)
            assert inspection is not None
            memberships = sel.selection_memberships(session, self.registry, inspection)
            children = session.scalars(
                select(Child).where(Child.id.in_(list(memberships))).order_by(Child.local_id)
            ).all()
            allowed = [
                child.id
                for child in children
                if not sel.child_problems(
                    self.registry, inspection, child, memberships[child.id], "childIds"
                )
            ][:DEMO_SELECTED]
        assert len(allowed) == DEMO_SELECTED
        ids = [gid("Child", c) for c in allowed]
        selected = _ok(
            self.gql(
                SELECT,
                {"input": {"inspectionId": self.team.inspection, "childIds": ids}},
                self.team.lead,
            ),
            "selectChildren",
        )
        assert len(selected["selected"]) == DEMO_SELECTED
        self.ledger.selected = ids
        for child in ids:
            self.ledger.add("CHILD_SELECTED", child)
        tracked_ids = ids[:DEMO_TRACKED]
        _ok(
            self.gql(
                TRACK,
                {"input": {"inspectionId": self.team.inspection, "childIds": tracked_ids}},
                self.team.lead,
            ),
            "trackChildren",
        )
        self.ledger.tracked = tracked_ids
        for child in tracked_ids:
            self.ledger.add("CHILD_TRACKED", child)

    # --- week 3: evidence, findings, the letter -----------------------------------------------

    def record_evidence(self) -> None:
        """Each inspectorate's evidence as a DRAFT, then finished as FINAL in place."""
        forms = self.gql(FORMS_QUERY, {"code": "da-2016"}, self.team.lead).ok()
        forms = forms["framework"]["evidenceForms"]
        wanted = EVIDENCE_FORM_OF
        for code, (form_code, agency_kind) in wanted.items():
            form = next(f for f in forms if f["code"] == form_code)
            type_name = form["graphqlTypeName"]
            data: dict[str, Any] = {"inspectionId": self.team.inspection, **answers_for(form)}
            if agency_kind is None:
                data["childId"] = self.ledger.tracked[0]
            else:
                data["agencyId"] = self.team.agency_ids(agency_kind)[0]
            mutation = (
                f"mutation($input: {type_name}Input!) {{ record{type_name}(input: $input) "
                "{ errors { field code message } evidence { id status } } }"
            )
            token = self.team.by_inspectorate[code]
            draft = _ok(
                self.gql(mutation, {"input": {**data, "status": "DRAFT"}}, token),
                f"record{type_name}",
            )["evidence"]
            self.ledger.add("EVIDENCE_RECORDED", draft["id"])
            final = _ok(
                self.gql(
                    mutation,
                    {"input": {**data, "status": "FINAL", "evidenceId": draft["id"]}},
                    token,
                ),
                f"record{type_name}",
            )["evidence"]
            assert final["id"] == draft["id"] and final["status"] == "FINAL"
            self.ledger.add("EVIDENCE_RECORDED", final["id"])
            self.team.evidence[code] = final["id"]

    def probe(self, title: str) -> str:
        """A draft finding (withdrawn again by ``findings``): an event the lead sees, to learn that
        its subscription is in place and to take a cursor from."""
        created = _ok(
            self.gql(
                CREATE,
                {
                    "input": {
                        "inspectionId": self.team.inspection,
                        "kind": "STRENGTH",
                        "title": title,
                        "text": "A synthetic probe.",
                        "criteria": ["ESN-01"],
                    }
                },
                self.team.lead,
            ),
            "createFinding",
        )["finding"]
        finding: str = created["id"]
        self.probes.append(finding)
        return finding

    def findings(self) -> None:
        """Two findings drafted and agreed by all four inspectorates and published; one then
        withdrawn."""
        for number, kind in enumerate(("AREA_FOR_IMPROVEMENT", "STRENGTH")):
            created = _ok(
                self.gql(
                    CREATE,
                    {
                        "input": {
                            "inspectionId": self.team.inspection,
                            "kind": kind,
                            "title": f"Synthetic live finding {number}",
                            "text": "A synthetic finding written for the subscriptions check.",
                            "criteria": ["ESN-31", "ESN-23"],
                            "agencyIds": self.team.agency_ids("police"),
                            "evidenceIds": [
                                self.team.evidence["hmicfrs"],
                                self.team.evidence["ofsted"],
                            ],
                        }
                    },
                    self.team.lead,
                ),
                "createFinding",
            )["finding"]
            finding = created["id"]
            self.ledger.add("FINDING_CREATED", finding)
            for code in INSPECTORATES:
                _ok(
                    self.gql(AGREE, {"id": finding}, self.team.by_inspectorate[code]),
                    "agreeFinding",
                )
                self.ledger.add("FINDING_AGREED", finding)
            _ok(self.gql(PUBLISH, {"id": finding}, self.team.lead), "publishFinding")
            self.ledger.add("FINDING_PUBLISHED", finding)
            self.ledger.published.append(finding)
        for probe in self.probes:  # drafts: the letter waits for none
            _ok(self.gql(WITHDRAW, {"id": probe}, self.team.lead), "withdrawFinding")
            self.ledger.add("FINDING_WITHDRAWN", probe)
        withdrawn = self.ledger.published[0]
        _ok(self.gql(WITHDRAW, {"id": withdrawn}, self.team.lead), "withdrawFinding")
        self.ledger.add("FINDING_WITHDRAWN", withdrawn)
        self.ledger.withdrawn.append(withdrawn)

    def publish_letter(self) -> None:
        due = (dt.date.today() + dt.timedelta(days=70)).isoformat()
        context = "Northvale is a synthetic area; this letter was written by a test."
        _ok(
            self.gql(
                UPDATE_REPORT,
                {
                    "input": {
                        "inspectionId": self.team.inspection,
                        "context": context,
                        "statementDueOn": due,
                    }
                },
                self.team.lead,
            ),
            "updateReport",
        )
        _ok(self.gql(PUBLISH_REPORT, {"id": self.team.inspection}, self.team.lead), "publishReport")
        self.ledger.add("LETTER_PUBLISHED", None)

    def feed(self, token: str, after: str | None) -> list[dict[str, Any]]:
        """Query.findingChanges after ``after``, every page: the integrator's ground truth."""
        edges: list[dict[str, Any]] = []
        while True:
            page = self.gql(FEED, {"after": after}, token).ok()["findingChanges"]
            edges += page["edges"]
            if not page["pageInfo"]["hasNextPage"]:
                return edges
            after = page["pageInfo"]["endCursor"]


# --- what a subscriber received, as keys -----------------------------------------------------

REQUEST_KINDS = {"REQUEST_ISSUED", "REQUEST_RECEIVED", "REQUEST_LATE", "REQUEST_OVERDUE"}


def event_key(event: dict[str, Any]) -> tuple[str, str | None]:
    """An inspection event as ``(kind, id)``: the id of the object the kind is about."""
    kind = event["kind"]
    if kind in REQUEST_KINDS:
        return kind, (event["request"] or {}).get("id")
    if kind.startswith("LIST_"):  # counted: a refused upload may leave no ListUpload
        return kind, None
    if kind.startswith("CHILD_"):
        return kind, (event["child"] or {}).get("id")
    if kind == "EVIDENCE_RECORDED":  # the evidence as it is now: a DRAFT may be FINAL by then
        return kind, (event["evidence"] or {}).get("id")
    if kind.startswith("FINDING_"):
        return kind, (event["finding"] or {}).get("id")
    return kind, None
