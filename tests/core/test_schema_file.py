"""schema.graphql is exactly the schema the code builds with the four first-party plugins
(whatever else is installed: the snapshot is the first-party schema)."""

from __future__ import annotations

import re

from click.testing import CliRunner
from graphql import build_schema as parse_sdl
from graphql import get_introspection_query, graphql_sync

from core.cli import main
from core.graphql.schema import build_schema, print_schema
from core.registry import Registry, form_type_name
from tests.helpers.environment import FIRST_PARTY, REPO_ROOT
from tests.helpers.graphql import GraphQLClient

REGENERATE = "jtai schema > schema.graphql"


def test_schema_graphql_is_up_to_date(registry: Registry) -> None:
    committed = (REPO_ROOT / "schema.graphql").read_text(encoding="utf-8")
    built = print_schema(build_schema(registry))
    assert committed == built, f"schema.graphql is stale. Regenerate it: {REGENERATE}"


def test_jtai_schema_prints_the_same_sdl(registry: Registry) -> None:
    result = CliRunner().invoke(main, ["schema"], env={"JTAI_PLUGINS": ",".join(FIRST_PARTY)})
    assert result.exit_code == 0, result.output
    assert result.output == print_schema(build_schema(registry))


def test_live_introspection_matches_the_committed_sdl(gql: GraphQLClient, lead_token: str) -> None:
    # A reference implementation (graphql-core) parses the committed file; its introspection must
    # equal what the running server answers.
    committed = parse_sdl((REPO_ROOT / "schema.graphql").read_text(encoding="utf-8"))
    expected = graphql_sync(committed, get_introspection_query()).data
    assert expected is not None
    live = gql(get_introspection_query(), token=lead_token).ok()
    assert _types(live) == _types(expected)


def _types(introspection: dict[str, object]) -> dict[str, object]:
    schema = introspection["__schema"]
    assert isinstance(schema, dict)
    types = {}
    for graphql_type in schema["types"]:
        # Implementations of an interface are a set; their order is the builder's business.
        possible = graphql_type.get("possibleTypes")
        if possible:
            graphql_type = {**graphql_type, "possibleTypes": sorted(possible, key=str)}
        types[graphql_type["name"]] = graphql_type
    return types


def test_every_form_has_typed_output_and_input_and_a_mutation(registry: Registry) -> None:
    sdl = (REPO_ROOT / "schema.graphql").read_text(encoding="utf-8")
    names = set()
    for owned in registry.evidence_forms:
        inspectorate = registry.inspectorate(owned.owner)
        assert inspectorate is not None
        type_name = form_type_name(inspectorate, owned.item)
        assert f"input {type_name}Input {{" in sdl
        assert f"record{type_name}(input: {type_name}Input!): RecordEvidencePayload!" in sdl
        names.add(type_name)
    # One evidence type per form, and no other.
    assert set(re.findall(r"^type (\w+) implements Evidence & Node \{", sdl, re.MULTILINE)) == names
    assert len(names) == len(registry.evidence_forms) >= 5


def test_choices_are_enums_and_required_questions_are_non_null() -> None:
    sdl = (REPO_ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert "enum OfstedCaseTrackingEvidencePartnershipEvaluation {" in sdl
    assert "partnershipEvaluation: OfstedCaseTrackingEvidencePartnershipEvaluation!" in sdl
    assert "referralTimely: String!" in sdl
    assert "individualNeeds: String\n" in sdl
