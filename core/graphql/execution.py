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

A selection set made only of such fields, all the way down (``__typename``, aliases, fragments and
``@skip``/``@include``, which collecting the fields has already applied), is compiled once into
Python source: one function per object level that reads, coerces and nests in a single call, and
one per list item. Compiled builders are cached per schema by the selection's shape (which
response key reads which field, recursively), so every request making that selection shares one.
A builder raises wherever graphql-core would do more than read and coerce (the cases above); the
caller then discards its partial result and completes the selection field by field, as before:
reading a plain attribute twice is harmless, and nothing else ran.
A resolver may return a ``RowBuiltList`` (core/graphql/base/rows.py) instead of its nodes: for a
plain selection whose top-level fields the list can read from its rows, the builder is compiled to
read the rows instead of the nodes' attributes, so a page of 1,000 findings is answered without
making the nodes; the objects and lists its rows share are built once per list, and a DateTime
column is written in one step (orjson gives exactly ``isoformat``'s text for naive and UTC
datetimes). Anything else, or a row that is not the plain case, gets the list's nodes, completed
as above.
tests/core/test_execution.py compares the two executors on the same queries, errors included,
counts graphql-core's field calls to prove the fast path is taken, and names every graphql-core and
strawberry internal used here (both libraries are pinned in pyproject.toml to the releases it was
tested with). JTAI_PLAIN_EXECUTION=0 (core/settings.py) switches to strawberry's stock executor.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from enum import EnumMeta
from typing import Any, cast
from weakref import WeakKeyDictionary

import orjson
from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLID,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
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
from strawberry.schema.types.base_scalars import isoformat as strawberry_isoformat
from strawberry.types.field import StrawberryField

from core.graphql.base.rows import RowBuiltList

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
    # A whole column's coercion in one step, or None where a value is not its plain case.
    bulk: Callable[[list[Any]], list[Any] | None] | None = None


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
        self._builders: dict[int, _Builder | None] = {}
        self._row_builders: dict[tuple[int, int, type], _Builder | None] = {}
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
        if not _plain_details(details):
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

    # --- compiled selections ------------------------------------------------------------------

    def _builder(self, parent_type: GraphQLObjectType, fields: GroupedFieldSet) -> _Builder | None:
        """The compiled builder of a selection made only of plain fields, else None."""
        key = id(fields)
        found = self._builders.get(key, _UNPLANNED)
        if isinstance(found, _Unplanned):
            found = None
            signature = self._signature(parent_type, fields)
            if signature is not None:
                found = _compiled(
                    self.schema, signature, lambda: self._compile(parent_type, fields)
                )
            self._builders[key] = found
        return found

    def _signature(self, parent_type: GraphQLObjectType, fields: GroupedFieldSet) -> Any:
        """What a builder depends on: each response key, its field and what is selected below
        it (the schema fixes the rest), or None if anything in it is not a plain field."""
        parts: list[tuple[Any, ...]] = []
        for name, attribute, _leaf_shape, step in self._plan(parent_type, fields):
            if step.typename:
                parts.append((name,))
                continue
            shape = step.shape
            if shape is None or not attribute.isidentifier():
                return None
            field_name = step.field_details[0].node.name.value
            item = shape.item if isinstance(shape, _List) else shape
            if isinstance(item, _Leaf):
                parts.append((name, field_name))
                continue
            below = self._signature(item.object_type, item.fields)
            if below is None:
                return None
            parts.append((name, field_name, below))
        return (parent_type.name, tuple(parts))

    def _compile(
        self,
        parent_type: GraphQLObjectType,
        fields: GroupedFieldSet,
        rows: type[RowBuiltList] | None = None,
    ) -> _Builder:
        """Python source building the selection's result dict from an object in one call,
        raising (``_Fallback`` or whatever an attribute raised) wherever graphql-core would do
        anything but read, coerce and nest: the caller then completes it field by field. With
        ``rows``, the top level reads a row ``v`` of a ``RowBuiltList`` ``p`` by its readings
        (the builder returned makes, for a list ``p``, the function of its rows)."""
        source: list[str] = []
        names: dict[str, Any] = {
            "_leaf": _leaf, "_check": _check_object, "_FALLBACK": _FALLBACK, "_list": list,
            "_tuple": tuple, "_Exception": Exception, "_Undefined": Undefined, "_map": map,
            "_column": _coerced_column,
        }  # fmt: skip
        counter = itertools.count()

        def constant(value: Any) -> str:
            name = f"_c{next(counter)}"
            names[name] = value
            return name

        # With ``rows``, the rows' results are made per list by ``_make(p)``, holding the row
        # builder as a closure over the list ``p`` and one memo per nested object or list field:
        # the objects and lists a RowBuiltList gives (its shared area, agency and criterion
        # nodes, the lists of them that many rows share) are built once per list, and their
        # result reused (the very object, kept in the memo so its id cannot be reused
        # meanwhile). A leaf whose scalar coerces a whole column at once (DateTime) is read and
        # coerced column by column first and handed to the row builder as an argument.
        inner: list[str] = []
        memos: list[str] = []
        columns: list[tuple[str, str]] = []  # (argument, the coerced column's expression)

        def memoized(var: str, lines: list[str]) -> list[str]:
            """``lines`` (computing ``var`` from itself) run once per distinct object: a hit
            skips them, checks included (they hold for the same object)."""
            built = f"m{len(memos)}"
            memos.append(built)
            return [
                f"h = {built}.get(id({var}))",
                f"if h is not None and h[0] is {var}:",
                f"    {var} = h[1]",
                "else:",
                f"    k = {var}",
                *(f"    {line}" for line in lines),
                f"    {built}[id(k)] = (k, {var})",
            ]

        def nested(shape: _Object, value: str, memo: bool) -> list[str]:
            build = builder_of(shape.object_type, shape.fields)
            origin = constant(_origin(shape.object_type))
            lines = [
                f"if type({value}) is not {origin}:",
                f"    _check({value}, {constant(shape)})",
                f"{value} = {build}({value})",
            ]
            return memoized(value, lines) if memo else lines

        def value_lines(var: str, shape: _Leaf | _Object | _List, memo: bool = False) -> list[str]:
            if isinstance(shape, _Leaf):
                # The common cases inline (a value of the exact type, an enum member, a value
                # to coerce), anything else through ``_leaf``, which raises where it must.
                slow = f"{var} = _leaf({var}, {constant(shape)})"
                if shape.unchanged is not None:
                    return [f"if type({var}) is not {constant(shape.unchanged)}: {slow}"]
                if shape.members is not None:
                    members, member_type = constant(shape.members), constant(shape.member_type)
                    return [
                        f"if type({var}) is {member_type}: {var} = {members}[{var}]",
                        f"else: {slow}",
                    ]
                return [
                    f"if {var} is None or isinstance({var}, _Exception): {slow}",
                    "else:",
                    f"    {var} = {constant(shape.coerce)}({var})",
                    f"    if {var} is None or {var} is _Undefined: raise _FALLBACK",
                ]
            lines = [f"if {var} is None:"]
            lines.append("    raise _FALLBACK" if shape.non_null else "    pass")
            lines.append("else:")
            if isinstance(shape, _Object):
                lines += [f"    {line}" for line in nested(shape, var, False)]
                return memoized(var, lines) if memo else lines
            lines.append(f"    if type({var}) is not _list and type({var}) is not _tuple:")
            lines.append("        raise _FALLBACK")
            item = shape.item
            if isinstance(item, _Leaf):
                each = ["i = _i", *value_lines("i", item)]
            else:
                each = ["i = _i", "if i is None:"]
                each.append("    raise _FALLBACK" if item.non_null else "    return None")
                each += nested(item, "i", memo)  # an object in many lists is built once too
            one = f"_e{next(counter)}"
            into = inner if memo else source
            into.append(f"def {one}(_i):")
            into.extend(f"    {line}" for line in [*each, "return i"])
            lines.append(f"    {var} = [{one}(_i) for _i in {var}]")
            return memoized(var, lines) if memo else lines  # a list many rows share, once

        def builder_of(
            object_type: GraphQLObjectType,
            selected: GroupedFieldSet,
            rows: type[RowBuiltList] | None = None,
        ) -> str:
            name = f"_b{next(counter)}"
            body: list[str] = []
            entries: list[str] = []
            arguments = ["v"]
            for key, attribute, leaf_shape, step in self._plan(object_type, selected):
                if step.typename:
                    entries.append(f"{key!r}: {object_type.name!r}")
                    continue
                assert step.shape is not None
                var = f"x{len(entries)}"
                read = rows.reading(attribute) if rows is not None else f"v.{attribute}"
                assert read is not None  # checked by the caller
                entries.append(f"{key!r}: {var}")
                if rows is not None and leaf_shape is not None and leaf_shape.bulk is not None:
                    coerced = f"_column({constant(leaf_shape)}, [{read} for v in p.rows])"
                    columns.append((var, coerced))
                    arguments.append(var)
                    continue
                body.append(f"{var} = {read}")
                body.extend(value_lines(var, step.shape, memo=rows is not None))
            into = inner if rows is not None else source
            into.append(f"def {name}({', '.join(arguments)}):")
            into.extend(f"    {line}" for line in body)
            into.append("    return {" + ", ".join(entries) + "}")
            return name

        top = builder_of(parent_type, fields, rows)
        if rows is not None:
            source.append("def _make(p):")
            source.extend(f"    {memo} = {{}}" for memo in memos)
            source.extend(f"    {line}" for line in inner)
            source.extend(f"    _{var} = {coerced}" for var, coerced in columns)
            arguments = "".join(f", _{var}" for var, _coerced in columns)
            source.append(f"    return _list(_map({top}, p.rows{arguments}))")
            top = "_make"
        exec(compile("\n".join(source), f"<selection on {parent_type.name}>", "exec"), names)
        return cast(_Builder, names[top])

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
        builder = self._builder(parent_type, grouped_field_set)
        if builder is not None:
            try:
                return builder(source_value)
            except Exception:  # not the plain case somewhere below: field by field instead
                pass
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
        if isinstance(result, RowBuiltList):
            if position_context is None:
                built = self._built_from_rows(result, return_type.of_type, field_details_list)
                if built is not None:
                    return built
            result = result.nodes()
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

    def _built_from_rows(
        self, found: RowBuiltList, item_type: GraphQLOutputType, details: FieldDetailsList
    ) -> list[Any] | None:
        """The list's items straight from its rows, when the selection on them is plain and
        every field of its top level can be read from a row; else None (nothing ran)."""
        if not self._plain:
            return None
        item = self._item_shape(item_type, details)
        if not isinstance(item, _Object) or _origin(item.object_type) is not found.node_type:
            return None
        rows = type(found)
        key = (id(item.object_type), id(item.fields), rows)
        builder = self._row_builders.get(key, _UNPLANNED)
        if isinstance(builder, _Unplanned):
            builder = None
            signature = self._signature(item.object_type, item.fields)
            readable = all(
                step.typename or rows.reading(attribute) is not None
                for _name, attribute, _leaf_shape, step in self._plan(item.object_type, item.fields)
            )
            if signature is not None and readable:
                builder = _compiled(
                    self.schema,
                    (rows, signature),
                    lambda: self._compile(item.object_type, item.fields, rows),
                )
            self._row_builders[key] = builder
        if builder is None:
            return None
        try:
            built: list[Any] = builder(found)
            return built
        except Exception:  # a row is not the plain case: graphql-core completes the nodes
            return None

    def _item_shape(
        self, item_type: GraphQLOutputType, details: FieldDetailsList
    ) -> _Leaf | _Object | None:
        key = (id(item_type), id(details))
        cached: _Leaf | _Object | _Unplanned | None = self._item_shapes.get(key, _UNPLANNED)
        if cached is _UNPLANNED:
            shape = self._shape(item_type, details) if _plain_details(details) else None
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
        builder = self._builder(item.object_type, item.fields)
        if builder is not None:
            try:
                return [None if v is None else builder(v) for v in values]
            except Exception:  # an item is not the plain case: item by item instead
                pass
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


_Builder = Callable[[Any], Any]  # node -> dict; for rows, RowBuiltList -> list of dicts

# Compiled builders per schema, by selection signature: one per distinct selection of plain
# fields, shared by every request that makes it (bounded like the parser and validation caches).
_COMPILED_MAX = 256
_COMPILED: WeakKeyDictionary[GraphQLSchema, dict[Any, _Builder]] = WeakKeyDictionary()
_COMPILING = threading.Lock()


def _compiled(
    schema: GraphQLSchema, signature: Any, compile_it: Callable[[], _Builder]
) -> _Builder:
    by_signature = _COMPILED.get(schema)
    found = by_signature.get(signature) if by_signature is not None else None
    if found is not None:
        return found
    built = compile_it()
    with _COMPILING:  # requests run in worker threads
        by_signature = _COMPILED.setdefault(schema, {})
        while len(by_signature) >= _COMPILED_MAX:
            del by_signature[next(iter(by_signature))]  # the oldest
        return by_signature.setdefault(signature, built)


def _origin(object_type: GraphQLObjectType) -> type | None:
    """The Python class strawberry made the type from: values of exactly it need no check."""
    definition = (object_type.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    origin = getattr(definition, "origin", None)
    return origin if isinstance(origin, type) and not issubclass(origin, Exception) else None


_SKIP_INCLUDE = frozenset({"skip", "include"})


def _plain_details(details: FieldDetailsList) -> bool:
    """No @defer, and no directive but @skip/@include (which collecting the fields applied)."""
    return not any(
        d.defer_usage is not None
        or any(directive.name.value not in _SKIP_INCLUDE for directive in d.node.directives or ())
        for d in details
    )


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
    bulk = _isoformats if coerce is strawberry_isoformat else None
    return _Leaf(coerce, non_null, _UNCHANGED.get(leaf_type), members, enum_class, bulk)


_DATETIME = dt.datetime


def _isoformats(values: list[Any]) -> list[Any] | None:
    """Each value's ``isoformat()`` (strawberry's DateTime, Date and Time), all in one step
    where every value is a naive or UTC ``datetime``: orjson writes those exactly as
    ``isoformat`` does (tests/core/test_execution.py compares them), in C, at a sixth of the
    cost of 1,000 calls. None for anything else."""
    for value in values:
        if type(value) is not _DATETIME or not (value.tzinfo is None or value.tzinfo is dt.UTC):
            return None
    coerced: list[Any] = orjson.loads(orjson.dumps(values))
    return coerced


def _coerced_column(shape: _Leaf, values: list[Any]) -> list[Any]:
    """A column of leaf values coerced as the row builder would one by one: in one step where
    the scalar can, else value by value, raising where a value is not the plain case."""
    assert shape.bulk is not None
    coerced = shape.bulk(values)
    return coerced if coerced is not None else [_leaf(value, shape) for value in values]


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


def plain_completion(
    execution: PlainFieldExecutionContext,
    return_type: GraphQLOutputType,
    details: FieldDetailsList,
) -> Callable[[Any], Any] | None:
    """How a resolver's value of ``return_type``, with the selection ``details`` below it, is
    completed when everything below is plain: a function giving the completed value, raising
    wherever graphql-core would do anything but read, coerce and nest (an error, a null where
    the schema says non-null, an object of the wrong type), so that the caller can let
    graphql-core run the field instead; None when the selection is not plain.

    core/graphql/offline.py completes a proven offline query's root fields with it.
    """
    if not _plain_details(details):
        return None
    shape = execution._shape(return_type, details)
    if shape is None:
        return None
    if isinstance(shape, _List):
        item = _plain_item(execution, shape.item)
        if item is None:
            return None
        non_null = shape.non_null

        def complete_list(value: Any) -> Any:
            if value is None:
                if non_null:
                    raise _FALLBACK
                return None
            if type(value) is not list and type(value) is not tuple:
                raise _FALLBACK
            return [item(each) for each in value]

        return complete_list
    return _plain_item(execution, shape)


def _plain_item(
    execution: PlainFieldExecutionContext, shape: _Leaf | _Object
) -> Callable[[Any], Any] | None:
    if isinstance(shape, _Leaf):
        return lambda value: _leaf(value, shape)
    build = execution._builder(shape.object_type, shape.fields)
    if build is None:
        return None
    origin = _origin(shape.object_type)

    def complete_object(value: Any) -> Any:
        if value is None:
            if shape.non_null:
                raise _FALLBACK
            return None
        if type(value) is not origin:
            _check_object(value, shape)
        return build(value)

    return complete_object
