"""Operations that read nothing from the database, which the HTTP view runs on the event loop.

Every other operation runs in a worker thread (its resolvers block on SQL) after taking a
connection slot; under concurrency that hop costs more than the whole of a small query such as
``{ viewer { role } }``. An operation reads nothing from the database when it is a query whose
every field is ``__typename``, a field whose resolver is marked ``metadata=no_database()`` (it
reads only the request's viewer or the registry, and returns plain objects), or, below such a
field, a plain attribute of an object type. Anything else (introspection, directives,
interfaces, unions, an unknown field) is left to the ordinary path, which also reports the errors.
A session opened anyway fails loudly (``RequestContext.session``), it never blocks the loop.
"""

from __future__ import annotations

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
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

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
