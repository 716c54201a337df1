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
from core.graphql.execution import PlainFieldExecutionContext
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
    )


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
    __typename name code tags maybeTags
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
    first: name second: name t: __typename
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
] + [
    (query, variables)
    for root in ("things", "strictThings", "goodThings", "goodThing")
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
