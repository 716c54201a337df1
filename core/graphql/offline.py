"""Operations that read nothing from the database, which the HTTP view runs on the event loop.

Every other operation runs in a worker thread (its resolvers block on SQL) after taking a
connection slot; under concurrency that hop costs more than the whole of a small query such as
``{ viewer { role } }``. An operation reads nothing from the database when it is a query whose
every field is ``__typename``, a field whose resolver is marked ``metadata=no_database()`` (it
reads only the request's viewer or the registry, and returns plain objects), or, below such a
field, a plain attribute of an object type. Anything else (introspection, directives,
interfaces, unions, an unknown field) is left to the ordinary path, which also reports the errors.
A session opened anyway fails loudly (``RequestContext.session``), it never blocks the loop.

Once such a query has run cleanly through the whole of strawberry (the HTTP view calls it
proven), ``compile_offline`` plans it: each root field's resolver called directly, with the
resolve info graphql-core's executor would give it, and its value completed by the compiled
builders of core/graphql/execution.py. That is graphql-core's execution of the operation without
its per-request set-up (the executor, the field collection, a path and an info per field), for
root fields whose resolvers are synchronous and take no arguments, with only plain fields below
them. ``OfflinePlan.run`` raises wherever graphql-core would do more (an error, a null where the
schema says non-null): the view then runs the operation through graphql-core, then strawberry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
)
from graphql.execution.collect_fields import collect_fields
from graphql.pyutils import Path
from graphql.type import GraphQLSchema
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

from core.graphql.execution import PlainFieldExecutionContext, plain_completion

NO_DATABASE = "jtai_no_database"


def no_database() -> dict[str, bool]:
    """``strawberry.field(metadata=no_database())``: this resolver reads nothing from the
    database, and neither do the plain attributes of what it returns."""
    return {NO_DATABASE: True}


def reads_no_database(
    query_type: GraphQLObjectType,
    document: DocumentNode,
    operation_name: str | None,
    max_depth: int,
) -> bool:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1 or operations[0].operation is not OperationType.QUERY:
        return False
    (operation,) = operations
    if operation.directives or operation.variable_definitions:
        return False
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    walk = _Walk(fragments, max_depth)
    return walk.selection(query_type, operation.selection_set, root=True, depth=0)


class _Walk:
    def __init__(self, fragments: dict[str, FragmentDefinitionNode], max_depth: int) -> None:
        self.fragments = fragments
        self.max_depth = max_depth

    def selection(
        self, parent: GraphQLObjectType, selections: SelectionSetNode, root: bool, depth: int
    ) -> bool:
        if depth > self.max_depth:
            return False
        for node in selections.selections:
            if node.directives:
                return False
            if isinstance(node, FieldNode):
                if not self.field(parent, node, root, depth):
                    return False
                continue
            if isinstance(node, InlineFragmentNode):
                condition = node.type_condition
                inner = node.selection_set
            else:
                assert isinstance(node, FragmentSpreadNode)
                fragment = self.fragments.get(node.name.value)
                if fragment is None:
                    return False
                condition = fragment.type_condition
                inner = fragment.selection_set
            if condition is not None and condition.name.value != parent.name:
                return False
            if not self.selection(parent, inner, root, depth + 1):
                return False
        return True

    def field(self, parent: GraphQLObjectType, node: FieldNode, root: bool, depth: int) -> bool:
        name = node.name.value
        if name == "__typename":
            return True
        field = parent.fields.get(name)
        if field is None:
            return False
        definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
        if not isinstance(definition, StrawberryField):
            return False
        marked = definition.metadata.get(NO_DATABASE) is True
        plain = not root and definition.base_resolver is None and not node.arguments
        if not (marked or plain):
            return False
        if node.selection_set is None:
            return True
        named = get_named_type(field.type)
        if not isinstance(named, GraphQLObjectType):
            return False
        return self.selection(named, node.selection_set, False, depth + 1)


@dataclass(frozen=True, slots=True)
class _RootField:
    key: str  # the response key
    typename: str | None  # for ``__typename``, the answer; else None
    resolve: Callable[..., Any]
    info_type: Callable[..., Any]
    info: tuple[Any, ...]  # the resolve info graphql-core would build, but for the context
    context_at: int  # where the context goes in it
    complete: Callable[[Any], Any]


class OfflinePlan:
    """A proven offline query, planned once: see the module's docstring."""

    def __init__(self, fields: list[_RootField]) -> None:
        self.fields = fields

    def run(self, context: Any) -> dict[str, Any]:
        """The operation's data, as graphql-core's executor gives it; raises wherever graphql-core
        would do more than resolve, read, coerce and nest."""
        data: dict[str, Any] = {}
        for field in self.fields:
            if field.typename is not None:
                data[field.key] = field.typename
                continue
            at, info = field.context_at, field.info
            value = field.resolve(None, field.info_type(*info[:at], context, *info[at + 1 :]))
            data[field.key] = field.complete(value)
        return data


def compile_offline(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None
) -> OfflinePlan | None:
    """The plan of a query ``reads_no_database`` accepted, or None when a root field is not
    planned (a resolver that is asynchronous or takes arguments, an abstract type, a resolver
    below): graphql-core's executor runs those."""
    query_type = schema.query_type
    execution = PlainFieldExecutionContext.build(
        schema, document, operation_name=operation_name, operation_extensions=None
    )
    if query_type is None or not isinstance(execution, PlainFieldExecutionContext):
        return None
    collected = collect_fields(
        schema, execution.fragments, execution.variable_values, query_type, execution.operation
    )
    if collected.new_defer_usages:
        return None
    fields: list[_RootField] = []
    for key, details in collected.grouped_field_set.items():
        node = details[0].node
        if node.name.value == "__typename":
            fields.append(_RootField(key, query_type.name, _unused, _unused, (), 0, _unused))
            continue
        field = schema.get_field(query_type, node.name.value)
        if field is None or field.args or node.arguments or field.resolve is None:
            return None
        definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
        if not isinstance(definition, StrawberryField) or definition.is_async:
            return None
        complete = plain_completion(execution, field.type, details)
        if complete is None:
            return None
        path = Path(None, key, query_type.name)
        info = execution.build_resolve_info(field, [d.node for d in details], query_type, path)
        context_at = type(info)._fields.index("context")
        fields.append(
            _RootField(key, None, field.resolve, type(info), tuple(info), context_at, complete)
        )
    return OfflinePlan(fields)


def _unused(*args: Any) -> Any:  # pragma: no cover
    raise AssertionError("__typename has no resolver")
