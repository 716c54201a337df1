"""Limits on what a document may ask for, checked in time linear in the document.

strawberry's ``QueryDepthLimiter`` and ``MaxAliasesLimiter`` walk a fragment again at every spread
of it: a document of N fragments each spreading the next twice costs 2^N (22 fragments, 885
bytes: ~20 s on the event loop). Here each fragment is measured once, the fragments it spreads
first, and the measure is reused at every spread. Nothing recurses through spreads, so a long
chain of fragments cannot exhaust the stack either; chains are also capped before graphql-core's
own rules (which do recurse through them) and the executor see the document.

- ``FragmentGraph``: each fragment's spreads, an order with dependencies first, the longest chain.
- ``DocumentLimits``: the depth and alias limits as one graphql-core ``ValidationRule``, built once
  per schema so that the validation cache keys on the same rule class every request.
- ``GuardedValidation``: the cached validation step, with the chain cap in front of it.
- ``QueryCost``: the cost limit, per request since it reads the ``first``/``last`` variables.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
    get_named_type,
)
from graphql.utilities import get_operation_ast
from strawberry.extensions import AddValidationRules, SchemaExtension
from strawberry.schema.schema import validate_document

from core.graphql.base.pagination import DEFAULT_PAGE_SIZE
from core.settings import Settings


@dataclass(frozen=True, slots=True)
class FragmentGraph:
    """The document's fragments, measured without expanding a single spread."""

    definitions: dict[str, FragmentDefinitionNode]
    # Fragments with every fragment they spread before them; a fragment in a cycle comes after
    # the fragments of the cycle that it reached first (graphql-core refuses cycles anyway).
    order: list[str]
    # The longest chain of spreads that starts at a fragment (1 for a fragment spreading none).
    chain: dict[str, int]

    @property
    def longest_chain(self) -> int:
        return max(self.chain.values(), default=0)


def _spreads(selection_set: SelectionSetNode | None) -> list[str]:
    """The names of the fragments spread anywhere inside ``selection_set``, in order, once."""
    names: dict[str, None] = {}
    pending = [selection_set] if selection_set is not None else []
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                names[selection.name.value] = None
            elif isinstance(selection, (FieldNode, InlineFragmentNode)) and selection.selection_set:
                pending.append(selection.selection_set)
    return list(names)


@functools.lru_cache(maxsize=256)  # keyed by the parsed document, which the ParserCache reuses
def fragment_graph(document: DocumentNode) -> FragmentGraph:
    definitions = {
        definition.name.value: definition
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
    uses = {
        name: [used for used in _spreads(definition.selection_set) if used in definitions]
        for name, definition in definitions.items()
    }
    chain: dict[str, int] = {}
    order: list[str] = []
    for root in definitions:
        if root in chain:
            continue
        # Depth-first with an explicit stack: a chain of 400 fragments is 400 entries, not frames.
        stack = [(root, iter(uses[root]))]
        on_path = {root}
        while stack:
            name, remaining = stack[-1]
            following = next(remaining, None)
            if following is None:
                stack.pop()
                on_path.discard(name)
                chain[name] = 1 + max((chain.get(used, 0) for used in uses[name]), default=0)
                order.append(name)
            elif following not in chain and following not in on_path:
                stack.append((following, iter(uses[following])))
                on_path.add(following)
    return FragmentGraph(definitions, order, chain)


def _operations(document: DocumentNode) -> list[OperationDefinitionNode]:
    return [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]


def _depth(selection_set: SelectionSetNode | None, fragments: Mapping[str, int]) -> int:
    """How deep fields nest (a field with a selection counts 1), as QueryDepthLimiter counts.

    Fields recurse here, but a document parsed at all nests fields far less deeply than the
    interpreter's limit (the parser spends several frames per level to our one)."""
    if selection_set is None:
        return 0
    deepest = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            if selection.selection_set is None or selection.name.value.startswith("__"):
                continue  # introspection does not count, as in strawberry's limiter
            depth = 1 + _depth(selection.selection_set, fragments)
        elif isinstance(selection, InlineFragmentNode):
            depth = _depth(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            depth = fragments.get(selection.name.value, 0)
        else:
            continue
        deepest = max(deepest, depth)
    return deepest


def _aliases(selection_set: SelectionSetNode | None, fragments: Mapping[str, int]) -> int:
    """Aliased fields, each spread counting its fragment's aliases again."""
    if selection_set is None:
        return 0
    count = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            count += (selection.alias is not None) + _aliases(selection.selection_set, fragments)
        elif isinstance(selection, InlineFragmentNode):
            count += _aliases(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            count += fragments.get(selection.name.value, 0)
    return count


Measure = Callable[[SelectionSetNode | None, Mapping[str, int]], int]


def measure_operations(document: DocumentNode, measure: Measure) -> dict[str, int]:
    """``measure`` of each operation (by name; ``""`` for an anonymous one), fragments once each."""
    graph = fragment_graph(document)
    fragments: dict[str, int] = {}
    for name in graph.order:
        fragments[name] = measure(graph.definitions[name].selection_set, fragments)
    return {
        operation.name.value if operation.name else "": measure(operation.selection_set, fragments)
        for operation in _operations(document)
    }


def document_limits(max_depth: int, max_aliases: int) -> type[ValidationRule]:
    """The depth and alias limits as one validation rule class; build it once per schema."""

    class DocumentLimits(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            document = context.document
            for name, depth in measure_operations(document, _depth).items():
                if depth > max_depth:
                    label = f"Operation '{name}'" if name else "The operation"
                    context.report_error(
                        GraphQLError(
                            f"{label} nests fields {depth} deep; the most allowed is {max_depth} "
                            "(setting JTAI_MAX_QUERY_DEPTH). Ask for less at once, or start "
                            "again from a nested object with node(id:).",
                            extensions={
                                "code": "QUERY_TOO_DEEP",
                                "depth": depth,
                                "limit": max_depth,
                            },
                        )
                    )
            aliases = sum(measure_operations(document, _aliases).values())
            if aliases > max_aliases:
                context.report_error(
                    GraphQLError(
                        f"The document uses {aliases} aliases (each spread of a fragment counts "
                        f"its aliases again); the most allowed is {max_aliases} (setting "
                        "JTAI_MAX_ALIASES). Send several smaller requests.",
                        extensions={
                            "code": "TOO_MANY_ALIASES",
                            "aliases": aliases,
                            "limit": max_aliases,
                        },
                    )
                )

    return DocumentLimits


def limits_rules(settings: Settings) -> AddValidationRules:
    """The shared extension adding ``DocumentLimits``, built once for the schema."""
    return AddValidationRules([document_limits(settings.max_query_depth, settings.max_aliases)])


def _fragments_too_nested(document: DocumentNode, limit: int) -> GraphQLError | None:
    longest = fragment_graph(document).longest_chain
    if longest <= limit:
        return None
    return GraphQLError(
        f"Fragments spread one another {longest} deep; the most allowed is {limit} (setting "
        "JTAI_MAX_FRAGMENT_NESTING). Inline some of them.",
        extensions={"code": "FRAGMENTS_TOO_NESTED", "nesting": longest, "limit": limit},
    )


def _validate(
    fragment_limit: int, schema: GraphQLSchema, document: DocumentNode, rules: tuple[Any, ...]
) -> list[GraphQLError]:
    too_nested = _fragments_too_nested(document, fragment_limit)
    if too_nested is not None:
        return [too_nested]  # graphql-core's own rules would recurse through the chain
    try:
        return validate_document(schema, document, rules)
    except RecursionError:
        return [
            GraphQLError(
                "The document nests too deeply to validate. Nest fields and fragments less.",
                extensions={"code": "QUERY_TOO_DEEP"},
            )
        ]


@functools.lru_cache(maxsize=8)
def _cached_validate(fragment_limit: int, maxsize: int) -> Callable[..., list[GraphQLError]]:
    return functools.lru_cache(maxsize=maxsize)(functools.partial(_validate, fragment_limit))


class GuardedValidation(SchemaExtension):
    """strawberry's ``ValidationCache``, with fragment chains capped before validation runs.

    Share one instance: the cache is keyed by the document and the rule classes, so a rule built
    per request would never hit it.
    """

    def __init__(self, max_fragment_nesting: int, maxsize: int = 256) -> None:
        super().__init__()
        self.validate = _cached_validate(max_fragment_nesting, maxsize)

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        context.pre_execution_errors = self.validate(
            context.schema._schema, context.graphql_document, context.validation_rules
        )
        yield


# --- cost -----------------------------------------------------------------------------------

PAGE_ARGUMENTS = ("first", "last")
PAGE_FIELDS = ("edges", "nodes")  # the parts of a connection that repeat once per item


@dataclass(frozen=True, slots=True)
class Cost:
    """A selection's cost: ``fixed`` once, plus ``per_item`` for each item of the page around it."""

    fixed: int = 0
    per_item: int = 0

    def __add__(self, other: Cost) -> Cost:
        return Cost(self.fixed + other.fixed, self.per_item + other.per_item)


def _is_connection(named: GraphQLNamedType | None) -> bool:
    return isinstance(named, GraphQLObjectType) and {"edges", "pageInfo"} <= named.fields.keys()


class CostCounter:
    """Counts the fields a response may hold: each field once, times the page sizes around it.

    A connection field's ``edges``/``nodes`` count once per item of its page: ``first`` or
    ``last`` (from the document or its variables, capped at the page-size limit), else the
    default page size. Any other field with ``first``/``last`` multiplies all it selects. Every
    spread counts its fragment again, which each fragment's memoised cost makes linear.
    """

    def __init__(
        self, schema: GraphQLSchema, variables: Mapping[str, Any] | None, max_page_size: int
    ) -> None:
        self.schema = schema
        self.variables = variables or {}
        self.max_page_size = max_page_size
        self.fragments: dict[str, Cost] = {}

    def operation(self, document: DocumentNode, operation_name: str | None) -> int | None:
        """The cost of the operation that would run; ``None`` when there is none to pick."""
        operation = get_operation_ast(document, operation_name)
        if operation is None:
            return None
        graph = fragment_graph(document)
        for name in graph.order:
            definition = graph.definitions[name]
            parent = self.schema.get_type(definition.type_condition.name.value)
            self.fragments[name] = self.selection(definition.selection_set, parent)
        root = self.schema.get_root_type(operation.operation)
        return self.selection(operation.selection_set, root).fixed

    def selection(self, selection_set: SelectionSetNode | None, parent: Any) -> Cost:
        total = Cost()
        if selection_set is None:
            return total
        connection = _is_connection(parent)
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                cost = self.field(selection, parent)
                repeated = connection and selection.name.value in PAGE_FIELDS
                total += Cost(0, cost) if repeated else Cost(cost, 0)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selection(selection.selection_set, inner)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragments.get(selection.name.value, Cost())
        return total

    def field(self, node: FieldNode, parent: Any) -> int:
        if node.selection_set is None:
            return 1
        definition: GraphQLField | None = None
        if isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)):
            definition = parent.fields.get(node.name.value)
        returned = get_named_type(definition.type) if definition is not None else None
        inner = self.selection(node.selection_set, returned)
        page = self.page_size(node)
        if _is_connection(returned):
            items = min(DEFAULT_PAGE_SIZE, self.max_page_size) if page is None else page
            return 1 + inner.fixed + items * inner.per_item
        return 1 + (1 if page is None else page) * (inner.fixed + inner.per_item)

    def page_size(self, node: FieldNode) -> int | None:
        for argument in node.arguments or ():
            if argument.name.value not in PAGE_ARGUMENTS:
                continue
            value: Any = None
            if isinstance(argument.value, IntValueNode):
                value = int(argument.value.value)
            elif isinstance(argument.value, VariableNode):
                value = self.variables.get(argument.value.name.value)
            if isinstance(value, int) and not isinstance(value, bool):
                return max(0, min(value, self.max_page_size))
        return None


class QueryCost(SchemaExtension):
    """Refuse, before it runs, an operation whose cost is over the limit; report the cost when
    the request's ``extensions`` ask for it (``{"cost": true}``).

    One instance per request (it keeps the request's cost): place it after the validation step,
    whose errors it leaves alone.
    """

    def __init__(self, max_cost: int, max_page_size: int) -> None:
        super().__init__()
        self.max_cost = max_cost
        self.max_page_size = max_page_size
        self.cost: int | None = None

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if not context.pre_execution_errors and context.graphql_document is not None:
            counter = CostCounter(context.schema._schema, context.variables, self.max_page_size)
            self.cost = counter.operation(context.graphql_document, context.operation_name)
            if self.cost is not None and self.cost > self.max_cost:
                context.pre_execution_errors = [
                    GraphQLError(
                        f"The operation would cost {self.cost:,}: the fields its response may "
                        "hold, times the page sizes around them (the default page when no "
                        f"first/last is given); the most allowed is {self.max_cost:,} (setting "
                        "JTAI_MAX_QUERY_COST). Ask for smaller pages or fewer nested lists.",
                        extensions={
                            "code": "QUERY_TOO_COSTLY",
                            "cost": self.cost,
                            "limit": self.max_cost,
                            "setting": "JTAI_MAX_QUERY_COST",
                        },
                    )
                ]
        yield

    def get_results(self) -> dict[str, Any]:
        asked = self.execution_context.operation_extensions or {}
        if not isinstance(asked, dict) or asked.get("cost") is not True or self.cost is None:
            return {}
        return {"cost": {"requested": self.cost, "limit": self.max_cost}}


def query_cost(settings: Settings) -> Callable[[], QueryCost]:
    return lambda: QueryCost(settings.max_query_cost, settings.max_page_size)
