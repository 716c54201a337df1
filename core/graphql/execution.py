"""A faster path through graphql-core's executor for plain fields, with the same results.

graphql-core resolves every field the same way: a ``Path``, a ``GraphQLResolveInfo``, the
resolver, then ``complete_value``. For a page of 1,000 findings that is ~20,000 fields and most of
a request's time (BENCHMARKS.md, large read), although nearly all of them are strawberry "basic"
fields: no resolver, no extension, no arguments, just ``getattr`` on the object a resolver
returned. This executor plans each selection set once per request and, for those plain fields,
reads the attribute and coerces it directly. Everything else (resolvers, arguments, permissions,
abstract types, ``@defer``/``@stream``, middleware) goes through graphql-core unchanged.

The fast path only ever handles the case where nothing goes wrong: a null where the schema says
non-null, an exception value, a failed coercion, an object of the wrong type or a list that is not
a list or tuple hands the field back to graphql-core's ``execute_field`` before anything below it
ran, so errors, their paths and null propagation are graphql-core's own.
tests/core/test_execution.py compares the two executors on the same queries, errors included,
counts graphql-core's field calls to prove the fast path is taken, and names every graphql-core and
strawberry internal used here (both libraries are pinned in pyproject.toml to the releases it was
tested with). JTAI_PLAIN_EXECUTION=0 (core/settings.py) switches to strawberry's stock executor.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from enum import EnumMeta
from typing import Any, cast

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLID,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
    is_leaf_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Path, Undefined
from graphql.pyutils.gather_with_cancel import gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

_TYPENAME = "__typename"


# graphql-core's String, ID and Boolean return a value of exactly these types unchanged.
_UNCHANGED: dict[GraphQLLeafType, type] = {GraphQLString: str, GraphQLID: str, GraphQLBoolean: bool}


@dataclass(frozen=True, slots=True)
class _Leaf:
    coerce: Callable[[Any], Any]
    non_null: bool
    unchanged: type | None  # values of exactly this type need no coercion
    # For an enum: its Python members, each with the name it coerces to, worked out once.
    members: dict[Any, Any] | None = None
    member_type: type | None = None


@dataclass(frozen=True, slots=True)
class _Object:
    object_type: GraphQLObjectType
    fields: GroupedFieldSet  # the sub-selection, collected once for the request
    non_null: bool


@dataclass(frozen=True, slots=True)
class _List:
    item: _Leaf | _Object
    item_type: GraphQLOutputType  # for locating an item's error, as graphql-core does
    non_null: bool


@dataclass(frozen=True, slots=True)
class _Step:
    """How to complete one response key: ``attribute`` is None for the slow path."""

    response_name: str
    field_details: FieldDetailsList
    return_type: GraphQLOutputType | None = None
    attribute: str | None = None
    shape: _Leaf | _Object | _List | None = None
    typename: bool = False

    @property
    def leaf(self) -> _Leaf | None:
        return self.shape if isinstance(self.shape, _Leaf) else None


# (response name, attribute, the leaf shape if a plain scalar, the step): unpacked per field.
_PlannedStep = tuple[str, str, _Leaf | None, _Step]


class _Unplanned:
    """Marks a list shape not worked out yet (``None`` means: not plain)."""


_UNPLANNED = _Unplanned()


class _Fallback(Exception):
    """The value is not the plain case: let graphql-core complete the whole field."""


_FALLBACK = _Fallback()
_NO_INFO: Any = None


class PlainFieldExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, with plain fields completed without per-field machinery."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Keyed by the grouped field set's id; the set is kept alive with its plan so the id
        # cannot be reused within the request (graphql-core memoizes the same way).
        self._plans: dict[int, tuple[GroupedFieldSet, list[_PlannedStep]]] = {}
        self._item_shapes: dict[tuple[int, int], _Leaf | _Object | None] = {}
        self._keep_alive: list[object] = []
        # Middleware wraps every resolver: with any, every field goes through graphql-core.
        middleware = self.middleware_manager
        self._plain = middleware is None or not middleware.middlewares

    # --- planning ---------------------------------------------------------------------------

    def _plan(self, parent_type: GraphQLObjectType, fields: GroupedFieldSet) -> list[_PlannedStep]:
        cached = self._plans.get(id(fields))
        if cached is not None:
            return cached[1]
        steps = []
        for name, details in fields.items():
            step = self._step(parent_type, name, details)
            steps.append((name, step.attribute or "", step.leaf, step))
        self._plans[id(fields)] = (fields, steps)
        return steps

    def _step(
        self, parent_type: GraphQLObjectType, response_name: str, details: FieldDetailsList
    ) -> _Step:
        slow = _Step(response_name, details)
        if any(d.defer_usage is not None or d.node.directives for d in details):
            return slow
        node = details[0].node
        if node.name.value == _TYPENAME:
            return _Step(response_name, details, typename=True)
        field_def = self.schema.get_field(parent_type, node.name.value)
        if field_def is None or field_def.args or node.arguments:
            return slow
        definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
        if not (
            isinstance(definition, StrawberryField)
            and definition.is_basic_field
            and definition.default_resolver is getattr
            and getattr(field_def.resolve, "_is_default", False)
        ):
            return slow
        shape = self._shape(field_def.type, details)
        if shape is None:
            return slow
        return _Step(response_name, details, field_def.type, definition.python_name, shape)

    def _shape(
        self, return_type: GraphQLOutputType, details: FieldDetailsList
    ) -> _Leaf | _Object | _List | None:
        non_null = is_non_null_type(return_type)
        named = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
        if isinstance(named, GraphQLList):
            item = self._shape(named.of_type, details)
            if item is None or isinstance(item, _List):
                return None  # lists of lists stay with graphql-core
            return _List(item, named.of_type, non_null)
        if is_leaf_type(named):
            assert isinstance(named, GraphQLLeafType)
            return _leaf_shape(named, non_null)
        if is_object_type(named):
            assert isinstance(named, GraphQLObjectType)
            collected = self.collect_subfields(named, details)
            if collected.new_defer_usages:
                return None
            return _Object(named, collected.grouped_field_set, non_null)
        return None  # interfaces and unions resolve their runtime type through graphql-core

    # --- execution --------------------------------------------------------------------------

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        if position_context is not None or not self._plain:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        awaitable_fields: list[str] = []
        is_awaitable = self.is_awaitable
        try:
            for name, attribute, leaf, step in self._plan(parent_type, grouped_field_set):
                if leaf is not None:
                    # The commonest case, inline: a scalar attribute.
                    try:
                        value = getattr(source_value, attribute)
                        if type(value) is leaf.unchanged:
                            results[name] = value
                            continue
                        if value is None:
                            if not leaf.non_null:
                                results[name] = None
                                continue
                        else:
                            results[name] = _leaf(value, leaf)
                            continue
                    except Exception:
                        pass
                elif step.typename:
                    results[name] = parent_type.name
                    continue
                elif step.attribute is not None:
                    try:
                        result = self._complete_plain(source_value, step, path, parent_type)
                    except _Fallback:
                        pass
                    else:
                        results[name] = result
                        if is_awaitable(result):
                            awaitable_fields.append(name)
                        continue
                result = self.execute_field(
                    parent_type,
                    source_value,
                    step.field_details,
                    Path(path, name, parent_type.name),
                    position_context,
                )
                if result is not Undefined:
                    results[name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            awaited = await gather_with_cancel(*(results[field] for field in awaitable_fields))
            results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()

    def _complete_plain(
        self, source: Any, step: _Step, path: Path | None, parent_type: GraphQLObjectType
    ) -> Any:
        """The field completed from ``source``'s attribute, or ``_Fallback`` before anything below
        it ran."""
        assert step.attribute is not None and step.return_type is not None
        try:
            value = getattr(source, step.attribute)
        except Exception:
            raise _FALLBACK from None
        shape = step.shape
        if value is None:
            if not isinstance(shape, (_Object, _List)) or shape.non_null:
                raise _FALLBACK
            return None
        field_path = Path(path, step.response_name, parent_type.name)
        details = step.field_details
        if isinstance(shape, _Object):
            _check_object(value, shape)
            try:
                result = self.execute_fields(
                    shape.object_type, value, field_path, shape.fields, None
                )
            except Exception as error:
                self.handle_field_error(error, step.return_type, details, field_path)
                return None
            return self._guarded(result, step.return_type, details, field_path)
        assert isinstance(shape, _List)
        try:
            result = self._complete_items(value, shape.item, shape.item_type, details, field_path)
        except _Fallback:
            raise
        except Exception as error:
            self.handle_field_error(error, step.return_type, details, field_path)
            return None
        return self._guarded(result, step.return_type, details, field_path)

    def complete_list_value(
        self,
        return_type: GraphQLList[GraphQLOutputType],
        field_details_list: FieldDetailsList,
        info: Any,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        """A list a resolver returned (``nodes``, ``criteria``): its items through the plain path
        when they are plain, else graphql-core's own completion."""
        if position_context is None and self._plain:
            item = self._item_shape(return_type.of_type, field_details_list)
            if item is not None:
                try:
                    return self._complete_items(
                        result, item, return_type.of_type, field_details_list, path
                    )
                except _Fallback:
                    pass
        return super().complete_list_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _item_shape(
        self, item_type: GraphQLOutputType, details: FieldDetailsList
    ) -> _Leaf | _Object | None:
        key = (id(item_type), id(details))
        cached: _Leaf | _Object | _Unplanned | None = self._item_shapes.get(key, _UNPLANNED)
        if cached is _UNPLANNED:
            plain = not any(d.defer_usage is not None or d.node.directives for d in details)
            shape = self._shape(item_type, details) if plain else None
            cached = shape if not isinstance(shape, _List) else None
            self._item_shapes[key] = cached
            self._keep_alive.append(details)
        assert not isinstance(cached, (_List, _Unplanned))
        return cached

    def _complete_items(
        self,
        values: Any,
        item: _Leaf | _Object,
        item_type: GraphQLOutputType,
        details: FieldDetailsList,
        field_path: Path,
    ) -> Any:
        """As graphql-core's ``complete_iterable_value``: an item's error is located at the
        item, and nulls it or, for a non-null item type, propagates. ``_Fallback`` (before any
        item ran) when the list or an item is not the plain case."""
        if type(values) is not list and type(values) is not tuple:
            raise _FALLBACK
        if isinstance(item, _Leaf):
            return [_leaf(v, item) for v in values]
        for v in values:
            if v is None:
                if item.non_null:
                    raise _FALLBACK
            else:
                _check_object(v, item)
        completed: list[Any] = []
        awaitable_indices: list[int] = []
        is_awaitable = self.is_awaitable
        try:
            for index, value in enumerate(values):
                if value is None:
                    completed.append(None)
                    continue
                item_path = field_path.add_key(index, None)
                try:
                    result = self.execute_fields(
                        item.object_type, value, item_path, item.fields, None
                    )
                except Exception as error:
                    self.handle_field_error(error, item_type, details, item_path)
                    result = None
                if is_awaitable(result):
                    completed.append(self._await_item(result, item_type, details, item_path))
                    awaitable_indices.append(index)
                else:
                    completed.append(result)
        except Exception:
            if awaitable_indices:
                self.settle_in_background([completed[i] for i in awaitable_indices])
            raise
        if not awaitable_indices:
            return completed

        async def get_completed() -> list[Any]:
            awaited = await gather_with_cancel(*(completed[i] for i in awaitable_indices))
            for index, result in zip(awaitable_indices, awaited, strict=True):
                completed[index] = result
            return completed

        return get_completed()

    async def _await_item(
        self, result: Awaitable[Any], item_type: GraphQLOutputType, details: FieldDetailsList,
        path: Path,
    ) -> Any:  # fmt: skip
        try:
            return await result
        except Exception as error:
            self.handle_field_error(error, item_type, details, path)
            return None

    def _guarded(
        self, result: Any, field_type: GraphQLOutputType, details: FieldDetailsList, path: Path
    ) -> Any:
        """The completed field, with a failure below it handled as graphql-core's
        ``execute_field`` does: located at ``path``, nulled or propagated by nullability."""
        if not self.is_awaitable(result):
            return result

        async def await_completed() -> Any:
            try:
                return await result
            except Exception as error:
                self.handle_field_error(error, field_type, details, path)
                return None

        return await_completed()


def _leaf_shape(leaf_type: GraphQLLeafType, non_null: bool) -> _Leaf:
    coerce = leaf_type.coerce_output_value
    members: dict[Any, Any] | None = None
    enum_class = getattr(leaf_type, "wrapped_cls", None)  # strawberry's enums
    if isinstance(leaf_type, GraphQLEnumType) and isinstance(enum_class, EnumMeta):
        try:
            members = {member: coerce(member) for member in cast(Iterable[Any], enum_class)}
        except Exception:
            members, enum_class = None, None
    else:
        enum_class = None
    return _Leaf(coerce, non_null, _UNCHANGED.get(leaf_type), members, enum_class)


def _leaf(value: Any, shape: _Leaf) -> Any:
    if shape.members is not None and type(value) is shape.member_type:
        return shape.members[value]
    if value is None:
        if shape.non_null:
            raise _FALLBACK
        return None
    if isinstance(value, Exception):
        raise _FALLBACK
    try:
        coerced = shape.coerce(value)
    except Exception:
        raise _FALLBACK from None
    if coerced is None or coerced is Undefined:
        raise _FALLBACK
    return coerced


def _check_object(value: Any, shape: _Object) -> None:
    if isinstance(value, Exception):
        raise _FALLBACK
    is_type_of = shape.object_type.is_type_of
    # Strawberry's is_type_of (types with interfaces) is an isinstance check that ignores info.
    if is_type_of is not None and is_type_of(value, _NO_INFO) is not True:
        raise _FALLBACK
