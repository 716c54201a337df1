"""The plain-field executor (core/graphql/execution.py) gives exactly graphql-core's results.

Every query here runs twice, once through ``PlainFieldExecutionContext`` and once through
strawberry's stock execution context, and the two responses must be identical: data, error
messages, paths and locations, including the null propagation a broken value causes. The first
half uses a small schema built to break every rule the fast path checks; the second runs real
queries over the demo through the app's own schema.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import types
from collections.abc import Iterator
from enum import Enum
from typing import Any

import pytest
import strawberry
from graphql import get_introspection_query
from starlette.applications import Starlette
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from core.database import Database
from core.demo import DemoInspection
from core.demo_findings import load_demo_findings
from core.graphql.execution import PlainFieldExecutionContext
from core.registry import Registry
from core.viewer import Role
from tests.conftest import GraphQLClient, TokenFactory

# --- a schema that breaks every rule --------------------------------------------------------


@strawberry.enum
class Colour(Enum):
    RED = "red"
    BLUE = "blue"


class OtherColour(Enum):
    RED = "red"


@strawberry.type
class Leaf:
    name: str
    colour: Colour
    size: int | None
    flag: bool
    when: dt.datetime | None = None


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Thing(Named):
    name: str
    code: strawberry.ID
    tags: list[str]
    maybe_tags: list[str | None] | None
    leaf: Leaf
    optional_leaf: Leaf | None
    leaves: list[Leaf]
    optional_leaves: list[Leaf | None] | None
    things: list[Thing] | None = None

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()

    @strawberry.field
    async def later(self) -> str:
        await asyncio.sleep(0)
        return self.name + "!"

    @strawberry.field
    async def later_leaves(self) -> list[Leaf]:
        await asyncio.sleep(0)
        return list(self.leaves)

    @strawberry.field
    def fails(self) -> str | None:
        raise ValueError(f"{self.name} fails")

    @strawberry.field
    def fails_non_null(self) -> str:
        raise ValueError(f"{self.name} fails, non-null")

    @strawberry.field
    def returned_leaves(self, first: int = 10) -> list[Leaf | None]:
        return list(self.optional_leaves or [])[:first]


def _leaf(label: str, **changes: Any) -> Any:
    values: dict[str, Any] = {
        "name": label,
        "colour": Colour.RED,
        "size": 3,
        "flag": True,
        "when": dt.datetime(2026, 11, 24, 12, tzinfo=dt.UTC),
    }
    values.update(changes)
    return Leaf(**values)


def _thing(label: str, **changes: Any) -> Any:
    name = label
    values: dict[str, Any] = {
        "name": label,
        "code": strawberry.ID(f"T-{label}"),
        "tags": ["a", "b"],
        "maybe_tags": ["x", None],
        "leaf": _leaf(f"{name}-leaf"),
        "optional_leaf": None,
        "leaves": [_leaf(f"{name}-1"), _leaf(f"{name}-2", colour=Colour.BLUE, size=None)],
        "optional_leaves": [_leaf(f"{name}-o"), None],
    }
    values.update(changes)
    return Thing(**values)


def _things() -> list[Any]:
    class NotAThing:
        name = "impostor"

    return [
        _thing("plain", things=[_thing("child")]),
        _thing("null-name", name=None),  # non-null String is null
        _thing("bad-size", leaf=_leaf("bad", size="seven")),  # Int cannot represent
        _thing("bad-colour", leaf=_leaf("odd", colour="green")),  # not an enum value
        _thing("null-leaf", leaf=None),  # non-null object is null
        _thing("null-in-list", leaves=[_leaf("ok"), None]),  # non-null item is null
        _thing("null-tag", tags=["a", None]),  # non-null scalar item is null
        _thing("broken-optional-item", optional_leaves=[_leaf("ok"), _leaf(None)]),  # item nulled
        _thing("broken-item", leaves=[_leaf("ok"), _leaf("bad", flag=None)]),  # list nulled
        _thing("tuple-leaves", leaves=(_leaf("t1"), _leaf("t2"))),
        _thing("generator-leaves", leaves=(_leaf(f"g{n}") for n in range(2))),
        _thing("not-a-list", tags="abc"),
        _thing("exception-value", leaf=ValueError("stored error")),
        _thing("wrong-type", things=[NotAThing()]),  # Thing implements Named: is_type_of fails
        types.SimpleNamespace(name="namespace", code="N-1"),  # attributes missing
        _thing("number-name", name=42, code=7),  # String and ID from numbers
        _thing("bool-size", leaf=_leaf("b", size=True, flag=1)),
        _thing("foreign-enum", leaf=_leaf("f", colour=OtherColour.RED)),  # another enum's member
        _thing("raw-enum-value", leaf=_leaf("r", colour="blue")),  # the value, not the member
    ]


@strawberry.type
class Query:
    @strawberry.field
    def things(self) -> list[Thing | None]:
        return _things()

    @strawberry.field
    def strict_things(self) -> list[Thing]:
        return _things()

    @strawberry.field
    def thing(self) -> Thing:
        return _things()[0]

    @strawberry.field
    def named(self) -> list[Named]:
        return [t for t in _things() if isinstance(t, Thing)]


_FULL = """
fragment LeafFields on Leaf { name colour size flag when __typename }
query Everything($withTags: Boolean!) {
  things {
    __typename name code shout later fails
    tags @include(if: $withTags)
    maybeTags
    leaf { ...LeafFields }
    optionalLeaf { name }
    leaves { ...LeafFields alias: name }
    optionalLeaves { name colour }
    things { name leaf { name size } ... on Named { name } }
    returnedLeaves(first: 1) { name }
    laterLeaves { name colour }
  }
}
"""

QUERIES = [
    (_FULL, {"withTags": True}),
    (_FULL, {"withTags": False}),
    ("{ strictThings { name leaf { size colour } } }", {}),
    ("{ things { name failsNonNull } }", {}),
    ("{ strictThings { name failsNonNull } }", {}),
    ("{ things { leaves { name size } tags } }", {}),
    ("{ thing { name n2: name leaf { name } leaf { size } } }", {}),
    ("{ named { __typename name ... on Thing { code leaf { name } } } }", {}),
    ("{ things { ... @skip(if: true) { name } code } }", {}),
]


def _schema(context_class: type) -> strawberry.Schema:
    return strawberry.Schema(query=Query, execution_context_class=context_class)


def _run(schema: strawberry.Schema, query: str, variables: dict[str, Any]) -> Any:
    result = asyncio.run(schema.execute(query, variable_values=variables))
    errors = [(e.message, e.path, e.locations) for e in result.errors or []]
    return result.data, errors


@pytest.mark.parametrize(("query", "variables"), QUERIES)
def test_the_plain_path_answers_as_graphql_core_does(query: str, variables: dict[str, Any]) -> None:
    plain = _run(_schema(PlainFieldExecutionContext), query, variables)
    stock = _run(_schema(StrawberryGraphQLCoreExecutionContext), query, variables)
    assert plain == stock


def test_the_broken_values_really_are_errors() -> None:
    """Guard the guard: the comparison above is only worth something if errors happen."""
    data, errors = _run(_schema(PlainFieldExecutionContext), _FULL, {"withTags": True})
    messages = " | ".join(message for message, _path, _locations in errors)
    for expected in (
        "Cannot return null for non-nullable field Thing.name.",
        "Int cannot represent non-integer value: 'seven'",
        "Enum 'Colour' cannot represent value: 'green'",
        "Cannot return null for non-nullable field Thing.leaf.",
        "Expected Iterable",
        "stored error",
        "Expected value of type 'Thing' but got:",
        "plain fails",
    ):
        assert expected in messages
    assert data["things"][0]["leaves"][1] == {
        "name": "plain-2",
        "colour": "BLUE",
        "size": None,
        "flag": True,
        "when": "2026-11-24T12:00:00+00:00",
        "__typename": "Leaf",
        "alias": "plain-2",
    }
    assert [t and t["name"] for t in data["things"]][:2] == ["plain", None]


# --- the app's own schema, over HTTP --------------------------------------------------------


@pytest.fixture
def stock_and_plain(app: Starlette) -> Iterator[Any]:
    """Switch the app's schema between the two execution contexts."""
    schema = app.state.schema.schema
    original = schema.execution_context_class
    assert original is PlainFieldExecutionContext

    def use(context_class: type) -> None:
        schema.execution_context_class = context_class

    yield use
    schema.execution_context_class = original


INSPECTION = """
query Inspection($id: ID!) {
  inspection(id: $id) {
    reference notificationDate frameworkCode area { name code }
    timetable { weeks { number starts ends onSite } deadlines { reference title dueAt rule } }
    requests(first: 100) { totalCount pageInfo { hasNextPage endCursor }
      edges { cursor node { reference dueAt status agency { kind name } } } }
    children(first: 100) { totalCount nodes { id localId dateOfBirth gender isUnborn
      lists { listCode rowNumber values { name label } } } }
    selectedChildren { child { localId } late reason chosenBy { name } }
    trackedChildren { child { localId } }
    evidence(first: 100) { nodes { __typename id status citedCriteria inspectorate { code } } }
    evidenceCoverage { evidenceCount criteria { criterion { code title lead { code } } } }
    findings { kind title status criteria { code } agreements { inspectorate { code } } }
    team { isLead inspector { name inspectorate { code shortName } } }
  }
}
"""
FINDINGS = """
{ findings(first: 100) { totalCount nodes { id kind headline title text publishedAt updatedAt
    inspectionReference frameworkCode area { code name } agencies { kind name }
    criteria { code title lead { code name } evaluatedBy { code } } agreedBy framework { code } } }
  thematicView(frameworkCode: "da-2016") { findings totals { strengths }
    byCriterion { criterion { code } counts { strengths areas } } } }
"""
REFERENCE = """
{ frameworks { code title criteria { code title text referenceOnly lead { code } }
    documentRequests { reference title } } plugins { name version } }
"""


def test_the_app_answers_the_same_through_either_executor(
    gql: GraphQLClient,
    database: Database,
    registry: Registry,
    demo: DemoInspection,
    lead_token: str,
    make_token: TokenFactory,
    stock_and_plain: Any,
) -> None:
    with database.write() as session:
        assert load_demo_findings(session, registry, demo) == 4
    integrator = make_token(Role.INTEGRATOR)
    inspection_id = gql("{ inspections { nodes { id } } }", {}, lead_token).ok()["inspections"]
    cases = [
        (INSPECTION, {"id": inspection_id["nodes"][0]["id"]}, lead_token),
        (FINDINGS, {}, integrator),
        (REFERENCE, {}, lead_token),
        (get_introspection_query(descriptions=True), {}, lead_token),
    ]
    for query, variables, token in cases:
        stock_and_plain(StrawberryGraphQLCoreExecutionContext)
        stock = gql(query, variables, token)
        stock_and_plain(PlainFieldExecutionContext)
        plain = gql(query, variables, token)
        assert plain.status == stock.status == 200
        assert not plain.errors, plain.errors
        assert plain.body == stock.body
    # The comparison covered real content, not empty lists.
    inspection = gql(INSPECTION, cases[0][1], lead_token).ok()["inspection"]
    assert inspection["children"]["totalCount"] > 0 and inspection["evidenceCoverage"]["criteria"]
    assert gql(FINDINGS, {}, integrator).ok()["findings"]["totalCount"] > 0
