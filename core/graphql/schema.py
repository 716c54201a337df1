"""Builds the one GraphQL schema: core types plus the types generated from the plugins' forms.

Built once at start-up from the registry. Before strawberry sees anything, this module checks what
strawberry would not: that no generated name collides with a core name (strawberry would merge or
reject them with a message naming neither plugin) and that every root field has an access rule.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import GraphQLSchema
from strawberry.extensions import (
    DisableIntrospection,
    MaxTokensLimiter,
    ParserCache,
    SchemaExtension,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.base import get_object_definition, has_object_definition
from strawberry.types.field import StrawberryField

from core.graphql import (
    fieldwork,
    findings,
    inspection,
    integrations,
    nodes,
    queries,
    reference,
    requests,
    selection,
    setup,
    subscriptions,
)
from core.graphql.base import enums, errors, pagination
from core.graphql.base.permissions import has_rule
from core.graphql.evidence import EvidenceCatalog, RecordEvidencePayload
from core.graphql.execution import PlainFieldExecutionContext
from core.graphql.extensions import AuditTrail, HideSuggestions, MaskUnexpectedErrors
from core.graphql.fieldwork import FieldworkMutations
from core.graphql.findings import FindingMutations
from core.graphql.integrations import IntegrationMutations
from core.graphql.requests import RequestMutations
from core.graphql.scalars import SCALAR_OVERRIDES
from core.graphql.selection import SelectionMutations
from core.graphql.setup import SetupMutations, TokenNode
from core.graphql.validation import GuardedValidation, limits_rules, query_cost
from core.registry import PluginContractError, Registry
from core.settings import Settings

_CORE_MODULES = (
    fieldwork,
    enums,
    errors,
    findings,
    inspection,
    integrations,
    nodes,
    pagination,
    queries,
    reference,
    requests,
    selection,
    setup,
    subscriptions,
    sys.modules[__name__],
)
# Core's mutations, by concern; the schema's Mutation type inherits them all.
MUTATIONS = (
    SetupMutations,
    RequestMutations,
    SelectionMutations,
    FieldworkMutations,
    FindingMutations,
    IntegrationMutations,
)
_RESERVED_NAMES = {"Query", "Mutation", "Subscription", "Node", "PageInfo", "UserError"}


class Schema(strawberry.Schema):
    """Strawberry's schema, minus its own error logging.

    Strawberry logs every error with the query text, which can hold personal data typed in as
    literals; ``MaskUnexpectedErrors`` logs the unexpected ones instead, without it.
    """

    def process_errors(self, errors: Any, execution_context: Any = None) -> None:
        return None


class _LivePlainExecution(subscriptions.EventsOffTheLoop, PlainFieldExecutionContext):
    """The plain-field executor, subscription events run in a worker thread."""


class _LiveStockExecution(subscriptions.EventsOffTheLoop, StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor (JTAI_PLAIN_EXECUTION=0), subscription events in a worker thread."""


@dataclass(frozen=True)
class BuiltSchema:
    schema: strawberry.Schema
    evidence_types: EvidenceCatalog


def _core_type_names() -> set[str]:
    names = set(_RESERVED_NAMES)
    for module in _CORE_MODULES:
        for value in vars(module).values():
            definition = getattr(value, "__strawberry_definition__", None)
            if definition is not None and hasattr(definition, "name"):
                names.add(definition.name)
            enum_definition = getattr(value, "__strawberry_enum_definition__", None)
            if enum_definition is None:
                enum_definition = getattr(value, "_enum_definition", None)
            if enum_definition is not None:
                names.add(enum_definition.name)
    names.add("RecordEvidencePayload")
    return names


def _check_names(catalog: EvidenceCatalog) -> None:
    core_names = _core_type_names()
    for name, plugin in sorted(catalog.type_names().items()):
        if name in core_names:
            raise PluginContractError(
                plugin,
                f"GraphQL type {name}",
                "the name is already a core type",
                "rename the form (or the question whose choices make this enum)",
            )


def _check_rules(root: type, kind: str) -> None:
    definition = getattr(root, "__strawberry_definition__", None)
    assert definition is not None
    for field in definition.fields:
        if not isinstance(field, StrawberryField) or not has_rule(field):
            raise TypeError(
                f"{kind}.{field.python_name} has no access rule. Fix: pass extensions="
                "signed_in() or roles(...) (core/graphql/base/permissions.py) to the field."
            )


def _mutation_type(catalog: EvidenceCatalog) -> type:
    fields: dict[str, Any] = dict(sorted(catalog.mutations().items()))
    core_fields = {
        f.python_name for base in MUTATIONS for f in get_object_definition(base, strict=True).fields
    }
    for name in fields:
        if name in core_fields:
            raise TypeError(f"generated mutation {name} clashes with a core mutation")
    namespace: dict[str, Any] = {"__module__": __name__, "__qualname__": "Mutation", **fields}
    namespace["__annotations__"] = {}
    return strawberry.type(type("Mutation", MUTATIONS, namespace))


def _shared(extension: SchemaExtension) -> Callable[[], SchemaExtension]:
    return lambda: extension


def build_schema(registry: Registry, settings: Settings | None = None) -> BuiltSchema:
    settings = settings or Settings()
    catalog = EvidenceCatalog(registry)
    _check_names(catalog)
    mutation = _mutation_type(catalog)
    _check_rules(queries.Query, "Query")
    _check_rules(mutation, "Mutation")
    # Shared instances: a new validation rule per request would never hit the validation cache.
    # Depth and aliases are our own rules (core/graphql/validation.py): strawberry's expand every
    # fragment spread afresh, exponential in the document.
    limits: list[SchemaExtension] = [
        MaxTokensLimiter(max_token_count=settings.max_tokens),
        limits_rules(settings),
    ]
    hints: list[type[SchemaExtension]] = []
    if settings.production:
        limits.append(DisableIntrospection())
        hints.append(HideSuggestions)
    caches: list[SchemaExtension] = [
        ParserCache(maxsize=256),
        GuardedValidation(settings.max_fragment_nesting, maxsize=256),
    ]
    shared = [*limits, *caches]
    schema = Schema(
        query=queries.Query,
        mutation=mutation,
        subscription=subscriptions.Subscription,
        # Token is reachable only through node(id:).
        types=[*catalog.output_types, RecordEvidencePayload, TokenNode],
        extensions=[
            *(_shared(extension) for extension in shared),
            query_cost(settings),  # after validation, per request: it reads the variables
            *hints,
            MaskUnexpectedErrors,
            AuditTrail,
        ],
        config=StrawberryConfig(
            auto_camel_case=True, disable_field_suggestions=settings.production
        ),
        execution_context_class=(
            _LivePlainExecution if settings.plain_execution else _LiveStockExecution
        ),
        scalar_overrides=SCALAR_OVERRIDES,  # dates within core.dates' range
    )
    return BuiltSchema(schema=schema, evidence_types=catalog)


def print_schema(built: BuiltSchema) -> str:
    return built.schema.as_str() + "\n"


__all__ = ["BuiltSchema", "GraphQLSchema", "build_schema", "has_object_definition", "print_schema"]
