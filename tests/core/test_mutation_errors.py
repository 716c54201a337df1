"""Mutation errors by domain: every payload's errors are a domain type whose code is an enum with
the common codes; every reason a service gives is a member of an enum; every error's ``field``
names an argument or input field its mutation really has (checked on every mutation the tests
send, by tests/helpers/graphql.py; the checker itself is tested here)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import GraphQLEnumType, GraphQLList, GraphQLObjectType, get_named_type

from core.graphql.base.domain_errors import COMMON_CODES, DOMAIN_ERRORS, code_enum
from core.graphql.schema import BuiltSchema, build_schema
from core.registry import Registry
from core.workflow.rules import Rule
from tests.helpers.graphql import error_field_problem

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def built(registry: Registry) -> BuiltSchema:
    return build_schema(registry)


def test_every_payload_has_errors_of_a_domain_type(built: BuiltSchema) -> None:
    schema = built.schema._schema
    assert schema.mutation_type is not None
    generic = []
    for name, field in schema.mutation_type.fields.items():
        payload = get_named_type(field.type)
        assert isinstance(payload, GraphQLObjectType), name
        errors = payload.fields["errors"].type
        item = get_named_type(errors)
        assert isinstance(get_named_type(errors), GraphQLObjectType)
        assert isinstance(getattr(errors, "of_type", None), GraphQLList), name
        interfaces = (
            [i.name for i in item.interfaces] if isinstance(item, GraphQLObjectType) else []
        )
        assert "MutationError" in interfaces, name
        if item.name == "UserError":
            generic.append(name)
        code = (
            get_named_type(item.fields["code"].type)
            if isinstance(item, GraphQLObjectType)
            else None
        )
        assert isinstance(code, GraphQLEnumType) and set(COMMON_CODES) <= set(code.values), name
    assert generic == [], (
        f"{generic} report UserError: declare `errors: list[<Domain>Error]` on the payload and "
        "pass `errors=<Domain>Error` to run_service (core/graphql/base/domain_errors.py)."
    )


def test_every_reason_a_service_gives_is_a_code_of_a_domain() -> None:
    """A reason no enum has would fall back to its common code: a reason the UI never sees."""
    codes = {member for kind in DOMAIN_ERRORS for member in code_enum(kind).__members__}
    assert {rule.name for rule in Rule} - {"WORKING_DAY"} <= codes  # WORKING_DAY dates, no refusal
    given: set[str] = set()
    sources = [
        *ROOT.joinpath("core/workflow").glob("*.py"),
        *ROOT.joinpath("core/graphql").rglob("*.py"),
    ]
    for source in sources:
        text = source.read_text()
        given |= set(re.findall(r'\b(?:code|reason)="([A-Z][A-Z_]+)"', text))
        if source.parent.name == "workflow":  # reason constants: WRONG_STATUS = "WRONG_STATUS"
            given |= set(re.findall(r'^([A-Z][A-Z_]+) = "\1"', text, re.MULTILINE))
    assert {"WRONG_STATUS", "ALREADY_EXISTS", "TOO_LARGE", "INVALID_ID"} <= given  # the scan works
    assert given <= codes, given - codes


@pytest.mark.parametrize(
    ("mutation", "path", "problem"),
    [
        ("publishFinding", "findingId", None),
        ("publishFinding", "input.agencyIds", "'input' is not an argument"),
        ("selectChildren", "input.childIds[2]", None),
        ("selectChildren", "input.childIds", None),
        ("selectChildren", "input.childId", "has no field 'childId'"),
        ("selectChildren", "input.inspectionId[0]", "which is not a list"),
        ("createFinding", "input.agencyIds[0]", None),
        ("createFinding", "input.kind.code", "which has no fields"),
    ],
)
def test_the_field_path_check_tells_real_fields_from_others(
    built: BuiltSchema, mutation: str, path: str, problem: str | None
) -> None:
    mutation_type = built.schema._schema.mutation_type
    assert mutation_type is not None
    found = error_field_problem(mutation_type.fields[mutation], path)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found
