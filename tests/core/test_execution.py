"""The plain-field executor (core/graphql/execution.py) gives exactly graphql-core's results.

Every query here runs twice, once through ``PlainFieldExecutionContext`` and once through
strawberry's stock execution context, and the two responses must be identical: data, error
messages, paths and locations, including the null propagation a broken value causes. The first
half uses a small schema built to break every rule the fast path checks; the second runs real
queries over the demo through the app's own schema. Then: the fast path is really taken (counted
field calls), JTAI_PLAIN_EXECUTION=0 chooses the stock executor, and every library internal the
executor relies on is still there.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import types
from collections.abc import Callable, Iterator
from dataclasses import replace
from enum import Enum
from importlib import import_module
from importlib.metadata import version
from pathlib import Path
from typing import Any, cast

import orjson
import pytest
import strawberry
from graphql import GraphQLObjectType, get_introspection_query
from starlette.applications import Starlette
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from core import models as m
from core.app import create_app
from core.database import Database
from core.demo import DemoInspection
from core.demo_findings import load_demo_findings
from core.graphql import execution
from core.graphql.base.rows import RowBuiltList
from core.graphql.execution import PlainFieldExecutionContext
from core.graphql.integrations.published import PublishedPage
from core.registry import Registry
from core.settings import Settings, SettingsError
from core.synthetic import Scale, generate
from core.viewer import Role
from tests.helpers.graphql import GraphQLClient, TokenFactory
from tests.helpers.ids import gid

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
    stamp: dt.datetime | None = None

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


def _leaf(label: str | None, **changes: Any) -> Any:
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
        "stamp": dt.datetime(2026, 11, 24, 12, 30, 15, 250, tzinfo=dt.UTC),
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
        _thing("text-stamp", stamp="yesterday"),  # DateTime cannot serialize it
        _thing("offset-stamp", stamp=dt.datetime(2026, 1, 2, 3, tzinfo=_PLUS_ONE)),
        _thing("date-stamp", stamp=dt.date(2026, 1, 2)),  # isoformat all the same
        _thing("null-stamp", stamp=None),
    ]


_PLUS_ONE = dt.timezone(dt.timedelta(hours=1))


def _good_thing(number: int) -> Any:
    # Nulls, empty lists and tuples where the schema allows them, so they are covered too.
    return _thing(
        f"good-{number}",
        tags=[] if number % 2 else ("t", "u"),
        maybe_tags=None if number % 3 == 0 else ["x", None],
        optional_leaf=_leaf(f"o{number}", size=None, when=None) if number % 2 else None,
        optional_leaves=None if number == 1 else [None, _leaf(f"ol{number}")],
        leaves=[] if number == 2 else [_leaf(f"l{number}", colour=Colour.BLUE)],
        things=None if number % 2 else [_thing(f"child-{number}")],
        # Naive, whole seconds and microseconds: DateTime columns written in one step.
        stamp=dt.datetime(2026, 1, 1, 9, number % 60, microsecond=number * 7919 % 1_000_000)
        if number % 3
        else dt.datetime(2000 + number, 2, 29 if number % 4 == 0 else 28, tzinfo=dt.UTC),
    )


class ThingRows(RowBuiltList):
    """Things as "rows" read through the list's own readings, as a page of findings is: every
    reading gives what the node's attribute holds, through a method of the list for some."""

    node_type = Thing
    made = 0  # how many times the nodes themselves were asked for

    def __init__(self, things: list[Any]) -> None:
        self.rows = things

    @classmethod
    def reading(cls, attribute: str) -> str | None:
        if attribute in ("leaf", "leaves", "tags"):
            return f"p.read(v, {attribute!r})"
        return None if attribute == "maybe_tags" else f"v.{attribute}"

    def read(self, row: Any, attribute: str) -> Any:
        return getattr(row, attribute)

    def nodes(self) -> list[Any]:
        type(self).made += 1
        return list(self.rows)


# One leaf shared by every good thing, as a page's rows share their area's node.
_SHARED_LEAF = Leaf(name="shared", colour=Colour.BLUE, size=1, flag=False)


@strawberry.type
class Query:
    @strawberry.field
    def things(self) -> list[Thing | None]:
        return _things()

    @strawberry.field
    def thing_rows(self) -> list[Thing | None]:
        return cast(list[Thing | None], ThingRows(_things()))

    @strawberry.field
    def good_thing_rows(self, count: int = 3) -> list[Thing]:
        things = [_good_thing(n) for n in range(count)]
        for thing in things[1:]:
            thing.leaf = _SHARED_LEAF
            thing.leaves = [_SHARED_LEAF, *thing.leaves, _SHARED_LEAF]
        return cast(list[Thing], ThingRows(things))

    @strawberry.field
    def stamped_rows(self) -> list[Thing]:
        """Good things whose stamps are not all naive or UTC datetimes."""
        things = [_good_thing(n) for n in range(4)]
        odd = (dt.datetime(2026, 1, 2, 3, tzinfo=_PLUS_ONE), dt.date(2026, 1, 2), None)
        for thing, stamp in zip(things[1:], odd, strict=True):
            thing.stamp = stamp
        return cast(list[Thing], ThingRows(things))

    @strawberry.field
    def strict_things(self) -> list[Thing]:
        return _things()

    @strawberry.field
    def thing(self) -> Thing:
        return cast(Thing, _things()[0])

    @strawberry.field
    def named(self) -> list[Named]:
        return [t for t in _things() if isinstance(t, Thing)]

    @strawberry.field
    def good_things(self, count: int = 3) -> list[Thing]:
        """Nothing broken: every selection of plain fields here is built by a compiled builder."""
        return [_good_thing(n) for n in range(count)]

    @strawberry.field
    def good_thing(self) -> Thing | None:
        return cast(Thing, _good_thing(0))


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

# Only plain fields (no resolver below the root field): what the compiled builders take over, with
# aliases, fragments, inline fragments, @skip/@include by variables, __typename, nulls and empty
# lists; over the broken things, every error must come out as graphql-core's own.
_PLAIN = """
fragment LeafBits on Leaf { name size __typename }
query Plain($on: Boolean!, $off: Boolean!) {
  ROOT {
    __typename name code tags maybeTags stamp
    leaf { ...LeafBits colour flag when }
    optionalLeaf { name when @include(if: $on) size @skip(if: $off) }
    leaves { ... on Leaf { name colour } ...LeafBits @include(if: $off) }
    optionalLeaves { name flag }
    things { name code leaf { name } things { name } }
    ... @include(if: $on) { alsoName: name leaves { when } }
    ... on Thing @skip(if: $on) { optionalLeaves { colour } }
  }
}
"""
_ALIASED = """
query Aliased($n: Int) {
  ROOT {
    first: name second: name t: __typename s1: stamp s2: stamp
    a: leaf { n: name c: colour } b: leaf { s: size }
    leaves { name } leaves { colour }
    many: optionalLeaves { x: name y: name }
    code
  }
  again: ROOT { name }
  counted: goodThings(count: $n) { name leaves { name } }
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
    (_FULL.replace("things {", "thingRows {", 1), {"withTags": True}),
    ("{ goodThingRows(count: 5) { name optionalLeaves { name } leaf { name } } }", {}),
    ("{ goodThingRows(count: 5) { name shout leaf { name } } }", {}),
    ("{ stampedRows { name stamp leaf { when } } thingRows { name stamp } }", {}),
    (
        "{ goodThingRows(count: 5) { a: leaf { name } b: leaf { size colour } leaves { name } } }",
        {},
    ),
] + [
    (query, variables)
    for root in ("things", "strictThings", "goodThings", "goodThing", "thingRows", "goodThingRows")
    for query, variables in (
        (_PLAIN.replace("ROOT", root), {"on": True, "off": False}),
        (_PLAIN.replace("ROOT", root), {"on": False, "off": True}),
        (_ALIASED.replace("ROOT", root), {"n": 2}),
    )
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


def test_the_compiled_path_is_taken() -> None:
    """A selection of plain fields is built by one compiled function per list, not field by
    field: graphql-core's ``execute_fields`` runs once (the root) for 2 things as for 50."""

    class Counting(PlainFieldExecutionContext):
        calls = 0

        def execute_fields(self, *args: Any, **kwargs: Any) -> Any:
            type(self).calls += 1
            return super().execute_fields(*args, **kwargs)

    schema = _schema(Counting)
    query = _PLAIN.replace("ROOT", "goodThings")
    for _count in (1, 2):  # the second time from the compiled cache
        Counting.calls = 0
        data, errors = _run(schema, query, {"on": True, "off": False})
        assert not errors and len(data["goodThings"]) == 3
        assert Counting.calls == 1
    Counting.calls = 0
    data, errors = _run(schema, "{ goodThings(count: 50) { name leaves { name } } }", {})
    assert not errors and len(data["goodThings"]) == 50 and Counting.calls == 1
    # Guard the guard: a broken value below sends the selection field by field.
    Counting.calls = 0
    data, errors = _run(schema, query.replace("goodThings", "things"), {"on": True, "off": False})
    assert errors and Counting.calls > 1


def test_a_row_built_list_is_answered_from_its_rows() -> None:
    """A plain selection on a RowBuiltList never asks it for its nodes; a selection with a
    field its rows cannot give (a resolver, a field without a reading) or a broken row does,
    and the answers are graphql-core's (compared above). Shared nodes are built once each."""
    schema = _schema(PlainFieldExecutionContext)

    def plain(query: str) -> Any:
        ThingRows.made = 0
        data, errors = _run(schema, query, {"on": True, "off": False})
        return data, errors, ThingRows.made

    data, errors, made = plain(_PLAIN.replace("ROOT", "goodThingRows").replace(" maybeTags", ""))
    assert not errors and len(data["goodThingRows"]) == 3 and made == 0
    data, errors, made = plain(
        "{ goodThingRows(count: 40) { name leaf { name } leaves { name } } }"
    )
    assert not errors and made == 0
    assert data["goodThingRows"][5]["leaf"] == {"name": "shared"}
    # The shared leaf's answer is built once and reused, not rebuilt for each of 39 things.
    assert data["goodThingRows"][5]["leaf"] is data["goodThingRows"][6]["leaf"]
    for query in (
        "{ goodThingRows { name shout } }",  # a resolver
        "{ goodThingRows { name maybeTags } }",  # no reading
        _PLAIN.replace("ROOT", "thingRows"),  # broken rows
    ):
        data, errors, made = plain(query)
        assert made == 1, query
    # Guard the guard: the broken rows do give errors.
    assert plain(_PLAIN.replace("ROOT", "thingRows"))[1]


def test_a_datetime_column_is_written_in_one_step(monkeypatch: pytest.MonkeyPatch) -> None:
    """A row-built list's DateTime field is coerced column by column, in one step when every
    value is a naive or UTC datetime, value by value otherwise (compared with graphql-core
    above, the broken stamps included)."""
    columns: list[bool] = []
    whole = execution._isoformats

    def counted(values: list[Any]) -> list[Any] | None:
        coerced = whole(values)
        columns.append(coerced is not None)
        return coerced

    monkeypatch.setattr(execution, "_isoformats", counted)
    schema = _schema(PlainFieldExecutionContext)
    ThingRows.made = 0
    data, errors = _run(schema, "{ goodThingRows(count: 12) { name stamp s: stamp } }", {})
    assert not errors and ThingRows.made == 0 and columns == [True, True]
    assert data["goodThingRows"][1]["stamp"] == "2026-01-01T09:01:00.007919"
    assert data["goodThingRows"][3]["s"] == "2003-02-28T00:00:00+00:00"
    columns.clear()
    data, errors = _run(schema, "{ stampedRows { name stamp } }", {})
    assert not errors and ThingRows.made == 0 and columns == [False]  # then value by value
    assert [t["stamp"] for t in data["stampedRows"]] == [
        "2000-02-29T00:00:00+00:00", "2026-01-02T03:00:00+01:00", "2026-01-02", None,
    ]  # fmt: skip


_EDGE_DATETIMES = [
    dt.datetime(1, 1, 1),
    dt.datetime(1, 1, 1, tzinfo=dt.UTC),
    dt.datetime(999, 12, 31, 23, 59, 59, 1, tzinfo=dt.UTC),
    dt.datetime(9999, 12, 31, 23, 59, 59, 999_999),
    dt.datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=dt.UTC),
    dt.datetime(2024, 2, 29, 0, 0, 0, 10, tzinfo=dt.UTC),
    dt.datetime(2026, 10, 25, 1, 30, fold=1, tzinfo=dt.UTC),
    dt.datetime(2026, 10, 25, 1, 30, fold=1),
    *(
        dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=step * 7_654_321_987)
        for step in range(0, 300_000, 997)
    ),
]


def test_whole_columns_of_datetimes_are_written_as_isoformat_writes_each() -> None:
    """orjson writes a naive or UTC datetime exactly as ``isoformat`` does (the DateTime
    scalar's coercion), and ``_isoformats`` takes nothing else."""
    assert execution._isoformats(_EDGE_DATETIMES) == [d.isoformat() for d in _EDGE_DATETIMES]

    class Later(dt.datetime):
        pass

    for other in (
        dt.datetime(2026, 1, 1, tzinfo=_PLUS_ONE),
        dt.datetime(2026, 1, 1, tzinfo=dt.timezone(dt.timedelta(0), "Z")),  # UTC, not dt.UTC
        dt.date(2026, 1, 1),
        Later(2026, 1, 1),
        None,
        "2026-01-01T00:00:00",
    ):
        assert execution._isoformats([*_EDGE_DATETIMES[:3], other]) is None, other


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
    assert issubclass(original, PlainFieldExecutionContext)  # subscriptions mix in a thread hop

    def use(context_class: type) -> None:
        schema.execution_context_class = context_class

    yield use
    schema.execution_context_class = original


INSPECTION = """
query Inspection($id: ID!) {
  inspection(id: $id) {
    reference notificationDate framework { code } area { name code }
    timetable { weeks { number starts ends onSite } deadlines { reference title dueAt rule } }
    requests(first: 100) { totalCount pageInfo { hasNextPage endCursor }
      edges { cursor node { reference dueAt status agency { kind name } } } }
    children(first: 100) { totalCount nodes { id localId dateOfBirth gender { code label } isUnborn
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
    inspectionReference area { code name } agencies { kind name }
    criteria { code title lead { code name } evaluatedBy { code } } agreedBy framework { code } } }
  thematicView(framework: "da-2016") { findings totals { strengths }
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


# The integrators' page in the shapes the executor answers straight from its rows (plain fields
# only: core/graphql/integrations/published.py, PublishedPage), and one it cannot (agreedBy).
ROW_PAGES = [
    """{ findings(first: 100) { totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      nodes { __typename id kind headline title text publishedAt updatedAt inspectionReference
        frameworkCode framework { code title } area { code name __typename }
        agencies { kind name } criteria { code title } } } }""",
    """fragment F on PublishedFinding { t: title area { n: name } }
    { a: findings(first: 3) { nodes { ...F id k: kind } edges { cursor node { id } } }
      b: findings(first: 2, framework: "da-2016") { nodes { ... on PublishedFinding { id } } } }""",
    """{ findings(first: 2) { pageInfo { endCursor } nodes { id criteria { code } agreedBy } } }""",
    """{ findings(first: 9) { nodes { id criteria { code lead { code } } } } }""",
]


def _without_request_ids(body: Any) -> Any:
    """The body with each error's request id (different for every request) blanked."""
    text = orjson.dumps(body).decode()
    for error in body.get("errors") or ():
        request_id = (error.get("extensions") or {}).get("requestId")
        if request_id:
            text = text.replace(request_id, "<request id>")
    return orjson.loads(text)


def test_the_findings_page_answers_the_same_from_its_rows(
    gql: GraphQLClient,
    database: Database,
    registry: Registry,
    demo: DemoInspection,
    make_token: TokenFactory,
    stock_and_plain: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The page built straight from rows against graphql-core over the nodes: on the demo's
    findings, the page after a cursor, and once the inspection names a framework no plugin
    provides (every finding's ``framework`` then fails: errors, paths and nulls as
    graphql-core's)."""
    with database.write() as session:
        assert load_demo_findings(session, registry, demo) == 4
    _publish_findings(database, demo, 5)
    integrator = make_token(Role.INTEGRATOR)

    def same(query: str, variables: dict[str, Any]) -> Any:
        stock_and_plain(StrawberryGraphQLCoreExecutionContext)
        stock = gql(query, variables, integrator)
        stock_and_plain(PlainFieldExecutionContext)
        plain = gql(query, variables, integrator)
        assert plain.status == stock.status == 200
        assert _without_request_ids(plain.body) == _without_request_ids(stock.body)
        return plain

    for query in ROW_PAGES:
        answer = same(query, {})
        assert not answer.errors, answer.errors
    # The plain shapes are really answered from the rows: the page's nodes are never made.
    made: list[PublishedPage] = []
    nodes = PublishedPage.nodes

    def counted(page: PublishedPage) -> list[Any]:
        made.append(page)
        return nodes(page)

    monkeypatch.setattr(PublishedPage, "nodes", counted)
    stock_and_plain(PlainFieldExecutionContext)
    for query, making in zip(ROW_PAGES, (0, 1, 1, 1), strict=True):
        made.clear()
        gql(query, {}, integrator).ok()
        assert len(made) == making, query  # edges and resolvers (agreedBy, lead) need the nodes
    monkeypatch.undo()
    first = same(ROW_PAGES[0], {}).ok()["findings"]
    assert first["totalCount"] == len(first["nodes"]) == 9
    assert any(node["criteria"] and node["agencies"] for node in first["nodes"])
    after = first["nodes"][3]["id"]
    cursor = gql("{ findings(first: 4) { pageInfo { endCursor } } }", {}, integrator).ok()
    paged = same(
        ROW_PAGES[0].replace(
            "first: 100", f'first: 3, after: "{cursor["findings"]["pageInfo"]["endCursor"]}"'
        ),
        {},
    ).ok()["findings"]
    assert paged["totalCount"] == 9 and paged["nodes"][0]["id"] != after
    assert paged["pageInfo"]["hasNextPage"] and len(paged["nodes"]) == 3
    with database.write() as session:
        inspection = session.get(m.Inspection, demo.inspection_id)
        assert inspection is not None
        inspection.framework = "gone-2030"
    broken = same(ROW_PAGES[0], {})
    # findings is non-null: the error nulls the whole answer, in both.
    assert broken.errors and broken.data is None
    assert broken.errors[0]["path"] == ["findings", "nodes", 0, "framework"]


# The dashboard's lists on generated data (the demo issues no requests and selects no children):
# the tracker's page with each request's status and joined agency, the chosen children with who
# chose them; and a request read on its own, whose agency is loaded when the field is read.
GENERATED = """
query Generated($id: ID!) {
  inspection(id: $id) {
    requests(first: 50) { totalCount nodes { id reference dueAt status agency { kind name } } }
    selectedChildren { child { localId } late reason chosenAt chosenBy { name } }
    trackedChildren { child { localId } late chosenAt chosenBy { name inspectorate { code } } }
    team { isLead inspector { name inspectorate { code shortName } } }
  }
}
"""
ONE_REQUEST = """
query One($id: ID!) { node(id: $id) { ... on IssuedRequest { reference status agency { name } } } }
"""


def test_generated_lists_answer_the_same_through_either_executor(
    gql: GraphQLClient,
    database: Database,
    registry: Registry,
    make_token: TokenFactory,
    stock_and_plain: Any,
) -> None:
    first = generate(database, registry, inspections=1, seed=7, scale=Scale.SMALL).inspections[0]
    lead = make_token(Role.INSPECTOR, inspector_id=first.lead_inspector_id)
    variables = {"id": gid("Inspection", first.inspection_id)}
    seen = gql(GENERATED, variables, lead).ok()["inspection"]
    assert seen["requests"]["nodes"] and seen["selectedChildren"] and seen["trackedChildren"]
    assert {node["status"] for node in seen["requests"]["nodes"]} >= {"RECEIVED", "OVERDUE"}
    request = {"id": seen["requests"]["nodes"][0]["id"]}
    for query, asked in ((GENERATED, variables), (ONE_REQUEST, request)):
        stock_and_plain(StrawberryGraphQLCoreExecutionContext)
        stock = gql(query, asked, lead)
        stock_and_plain(PlainFieldExecutionContext)
        plain = gql(query, asked, lead)
        assert plain.status == stock.status == 200
        assert not plain.errors, plain.errors
        assert plain.body == stock.body
    one = gql(ONE_REQUEST, request, lead).ok()["node"]
    assert one["agency"]["name"] == seen["requests"]["nodes"][0]["agency"]["name"]


# --- the plain path is really taken, and can be switched off ---------------------------------


class _Counting:
    """Counts graphql-core's per-field calls: the plain path makes none for a plain field."""

    calls = 0

    def execute_field(self, *args: Any, **kwargs: Any) -> Any:
        type(self).calls += 1
        return super().execute_field(*args, **kwargs)  # type: ignore[misc]


class CountingPlain(_Counting, PlainFieldExecutionContext):
    calls = 0


class CountingStock(_Counting, StrawberryGraphQLCoreExecutionContext):
    calls = 0


PLAIN_PAGE = """query($first: Int) {
  findings(first: $first) { nodes { id kind title text publishedAt area { code } } } }"""


def _publish_findings(database: Database, demo: DemoInspection, count: int) -> None:
    with database.write() as session:
        session.add_all(
            m.Finding(
                inspection_id=demo.inspection_id,
                kind="strength",
                title=f"Finding {number}",
                text="Partners share information about children promptly.",
                status="published",
                created_by_id=demo.lead_inspector_id,
                published_at=dt.datetime(2026, 11, 24, 12, tzinfo=dt.UTC),
            )
            for number in range(count)
        )


def test_the_plain_path_is_taken(
    gql: GraphQLClient,
    database: Database,
    demo: DemoInspection,
    make_token: TokenFactory,
    stock_and_plain: Any,
) -> None:
    """A page of plain fields costs graphql-core the same number of field calls for 10 rows as
    for 100: the fast path completes the rows. Fails when it silently stops being used (a
    renamed strawberry internal, a middleware, a field extension on these fields)."""
    _publish_findings(database, demo, 100)
    integrator = make_token(Role.INTEGRATOR)

    def calls(context_class: type[_Counting], first: int) -> int:
        stock_and_plain(context_class)
        context_class.calls = 0
        nodes = gql(PLAIN_PAGE, {"first": first}, integrator).ok()["findings"]["nodes"]
        assert len(nodes) == first
        return context_class.calls

    assert calls(CountingPlain, 10) == calls(CountingPlain, 100)
    # Guard the guard: the counter counts. graphql-core alone makes 7 calls per row here.
    assert calls(CountingStock, 100) - calls(CountingStock, 10) == 90 * 7


def test_the_switch_chooses_the_stock_executor_with_the_same_results(
    app: Starlette,
    database: Database,
    registry: Registry,
    demo: DemoInspection,
    lead_token: str,
    make_token: TokenFactory,
    tmp_path: Path,
) -> None:
    settings = Settings.from_env({"JTAI_DATABASE_URL": database.url, "JTAI_PLAIN_EXECUTION": "0"})
    assert settings.plain_execution is False
    assert Settings.from_env({}).plain_execution is True
    stock_app = create_app(
        replace(settings, max_page_size=100, storage_dir=tmp_path), database=database
    )
    # Both mix in only the subscriptions' thread hop (core/graphql/subscriptions.py).
    stock_class = stock_app.state.schema.schema.execution_context_class
    assert issubclass(stock_class, StrawberryGraphQLCoreExecutionContext)
    assert not issubclass(stock_class, PlainFieldExecutionContext)
    assert issubclass(app.state.schema.schema.execution_context_class, PlainFieldExecutionContext)
    with database.write() as session:
        assert load_demo_findings(session, registry, demo) == 4
    _publish_findings(database, demo, 20)
    plain, stock = GraphQLClient(app, database), GraphQLClient(stock_app, database)
    integrator = make_token(Role.INTEGRATOR)
    inspection_id = plain("{ inspections { nodes { id } } }", {}, lead_token).ok()
    for query, variables, token in [
        (INSPECTION, {"id": inspection_id["inspections"]["nodes"][0]["id"]}, lead_token),
        (FINDINGS, {}, integrator),
        (PLAIN_PAGE, {"first": 30}, integrator),
    ]:
        expected = stock(query, variables, token)
        assert not expected.errors, expected.errors
        assert plain(query, variables, token).body == expected.body


@pytest.mark.parametrize("value", ["yes", "2", "off"])
def test_the_switch_takes_only_one_or_zero(value: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"JTAI_PLAIN_EXECUTION": value})
    assert str(raised.value) == (
        f"JTAI_PLAIN_EXECUTION has value {value!r}. Use 1 (on) or 0 (off)."
    )


# --- the library internals execution.py is written against ----------------------------------


def _parameters(function: Any) -> list[str]:
    return list(inspect.signature(function).parameters)


def _basic_field_definition() -> tuple[Any, Any]:
    """A basic strawberry field (``Leaf.name``) as graphql-core sees it, and an enum type."""
    leaf_type = _schema(StrawberryGraphQLCoreExecutionContext)._schema.get_type("Leaf")
    assert isinstance(leaf_type, GraphQLObjectType)
    return leaf_type.fields["name"], leaf_type.fields["colour"].type.of_type


def _internals() -> dict[str, Callable[[], object]]:
    """Each internal core/graphql/execution.py uses, with a check that it is still there."""
    from graphql.execution import collect_fields
    from graphql.pyutils import Path as GraphQLPath
    from strawberry.schema.schema_converter import GraphQLCoreConverter
    from strawberry.types.field import StrawberryField

    context = StrawberryGraphQLCoreExecutionContext

    def backref() -> bool:
        field, _ = _basic_field_definition()
        definition = field.extensions[GraphQLCoreConverter.DEFINITION_BACKREF]
        return isinstance(definition, StrawberryField) and definition.default_resolver is getattr

    return {
        "graphql-core: collect_fields.FieldDetailsList": lambda: (
            collect_fields.FieldDetailsList is not None
        ),
        "graphql-core: collect_fields.GroupedFieldSet": lambda: (
            collect_fields.GroupedFieldSet is not None
        ),
        "graphql-core: FieldDetails.node and .defer_usage": lambda: (
            {"node", "defer_usage"} <= set(collect_fields.FieldDetails._fields)
        ),
        "graphql-core: collect_subfields(...).new_defer_usages and .grouped_field_set": lambda: (
            _parameters(context.collect_subfields) == ["self", "return_type", "field_details_list"]
            and {"new_defer_usages", "grouped_field_set"}
            <= set(collect_fields.CollectedFields._fields)
        ),
        "graphql-core: pyutils.gather_with_cancel.gather_with_cancel": lambda: callable(
            import_module("graphql.pyutils.gather_with_cancel").gather_with_cancel
        ),
        "graphql-core: handle_field_error(raw_error, return_type, field_details_list, path)": (
            lambda: (
                _parameters(context.handle_field_error)
                == ["self", "raw_error", "return_type", "field_details_list", "path"]
            )
        ),
        "graphql-core: execute_fields(..., grouped_field_set, position_context)": lambda: (
            _parameters(context.execute_fields)
            == [
                "self",
                "parent_type",
                "source_value",
                "path",
                "grouped_field_set",
                "position_context",
            ]
        ),
        "graphql-core: execute_field(..., field_details_list, path, position_context)": lambda: (
            _parameters(context.execute_field)
            == ["self", "parent_type", "source", "field_details_list", "path", "position_context"]
        ),
        "graphql-core: complete_list_value(..., result, position_context)": lambda: (
            _parameters(context.complete_list_value)
            == [
                "self",
                "return_type",
                "field_details_list",
                "info",
                "path",
                "result",
                "position_context",
            ]
        ),
        "graphql-core: settle_in_background(awaitables)": lambda: (
            _parameters(context.settle_in_background) == ["self", "awaitables"]
        ),
        "graphql-core: Path(prev, key, typename).add_key(key, typename)": lambda: (
            GraphQLPath(None, "a", "T").add_key(0, None).as_list() == ["a", 0]
        ),
        "strawberry: schema.schema.StrawberryGraphQLCoreExecutionContext": lambda: (
            import_module("strawberry.schema.schema").StrawberryGraphQLCoreExecutionContext
            is context
        ),
        "strawberry: GraphQLCoreConverter.DEFINITION_BACKREF to the StrawberryField": backref,
        "strawberry: StrawberryField.is_basic_field": lambda: (
            _basic_field_definition()[0]
            .extensions[GraphQLCoreConverter.DEFINITION_BACKREF]
            .is_basic_field
            is True
        ),
        "strawberry: _is_default on a basic field's resolver": lambda: (
            getattr(_basic_field_definition()[0].resolve, "_is_default", None) is True
        ),
        "strawberry: an enum type's wrapped_cls": lambda: (
            _basic_field_definition()[1].wrapped_cls is Colour
        ),
        "strawberry: DateTime coerced by schema.types.base_scalars.isoformat": lambda: (
            strawberry.Schema(query=Query)._schema.get_type("DateTime").coerce_output_value  # type: ignore[union-attr]
            is import_module("strawberry.schema.types.base_scalars").isoformat
        ),
    }


def test_the_library_internals_execution_py_relies_on_are_there() -> None:
    """An upgrade of graphql-core or strawberry that drops one fails here, by name, rather than
    turning the fast path off unnoticed or stopping the app at import."""
    missing = []
    for name, check in _internals().items():
        try:
            problem = None if check() is True else "changed"
        except Exception as error:
            problem = f"{type(error).__name__}: {error}"
        if problem is not None:
            missing.append(f"{name} ({problem})")
    assert not missing, (
        "core/graphql/execution.py relies on internals that graphql-core "
        f"{version('graphql-core')} / strawberry-graphql {version('strawberry-graphql')} no "
        f"longer provide: {'; '.join(missing)}. Adapt execution.py to the new release (or keep "
        "the pins in pyproject.toml)."
    )
