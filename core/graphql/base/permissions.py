"""Access rules on fields. Every root field must carry one: the schema builder refuses a root field
without a rule, so a new resolver cannot forget the viewer.

Rows are scoped in SQL by ``core.access``; these rules only decide whether a role may ask at all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry import relay
from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types.base import StrawberryList, StrawberryOptional, get_object_definition
from strawberry.types.field import StrawberryField

from core.graphql.base.context import ContextT
from core.graphql.base.context import RequestInfo as Info
from core.graphql.base.errors import MutationFailed, not_allowed
from core.viewer import Role


class SignedIn(BasePermission):
    """Any viewer with a valid token."""

    message = (
        "Sign in: send 'Authorization: Bearer <token>' (tokens come from 'jtai token create')."
    )
    error_extensions = {"code": "UNAUTHENTICATED"}  # noqa: RUF012 - strawberry reads it

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return info.context.viewer.is_authenticated


class HasRole(BasePermission):
    """A viewer in one of the given roles."""

    error_extensions = {"code": "FORBIDDEN"}  # noqa: RUF012 - strawberry reads it

    def __init__(self, *roles: Role) -> None:
        self.roles = roles
        names = ", ".join(r.value for r in roles)
        self.message = f"Not allowed: this needs one of the roles {names}."

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return info.context.viewer.role in self.roles


class Public(BasePermission):
    """Anyone, signed in or not: only for fields that reveal nothing (e.g. the API's version)."""

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return True


def rule(*permissions: BasePermission) -> list[FieldExtension]:
    """The extensions list for a field guarded by ``permissions`` (all must pass)."""
    return [PermissionExtension(permissions=list(permissions), use_directives=False)]


def signed_in() -> list[FieldExtension]:
    return rule(SignedIn())


def roles(*allowed: Role) -> list[FieldExtension]:
    return rule(SignedIn(), HasRole(*allowed))


def has_rule(field: StrawberryField) -> bool:
    return any(isinstance(e, PermissionExtension) for e in field.extensions)


# Child-level types (core/audit.py's CHILD_LEVEL): the kind of row the audit trail names for
# each, and the attribute holding that row's id. Evidence types are matched by their suffix.
AUDITED_TYPES: dict[str, tuple[str, str]] = {
    "Child": ("Child", "id"),
    "Document": ("Document", "id"),
    "ListUpload": ("ListUpload", "id"),
    "TrackedChildConsent": ("Child", "child_id"),
}
EVIDENCE = ("EvidenceRecord", "id")


def audited_as(type_name: str | None) -> tuple[str, str] | None:
    """How a GraphQL type's objects are named in the audit trail; None if they are not audited."""
    if type_name is None:
        return None
    if type_name.endswith("Evidence"):
        return EVIDENCE
    return AUDITED_TYPES.get(type_name)


def returned_type_name(type_: Any) -> str | None:
    """The object type a field returns, through lists, optionals and ``Connection[X]``."""
    while isinstance(type_, StrawberryOptional | StrawberryList):
        type_ = type_.of_type
    definition = get_object_definition(type_)
    if definition is None:
        return None
    for argument in (definition.type_var_map or {}).values():
        return returned_type_name(argument)
    return definition.name


class ScopedBy(FieldExtension):
    """Declares the ``core.access`` rule a field's SQL applies to the rows it returns, and audits
    the child-level rows it returns.

    The resolver applies the rule in its query; the declaration makes the rule visible where the
    field is declared, and the access test refuses any field returning child-level or evidence
    data that declares none (tests/core/test_access.py). When the field returns child-level
    objects (``AUDITED_TYPES``, evidence), their ids are noted for the request's audit event,
    whichever resolver or loader built them.
    """

    def __init__(self, rule: Callable[..., object]) -> None:
        self.rule = rule
        self.audits: tuple[str, str] | None = None

    def apply(self, field: StrawberryField) -> None:
        self.audits = audited_as(returned_type_name(field.type))

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        value = next_(source, info, **kwargs)
        self._note(info, value)
        return value

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        value = await next_(source, info, **kwargs)
        self._note(info, value)
        return value

    def _note(self, info: Info, value: Any) -> None:
        if self.audits is None or value is None:
            return
        kind, attribute = self.audits
        found = [_row_id(getattr(item, attribute, None)) for item in _items(value)]
        info.context.touch(kind, (i for i in found if i is not None))


def _items(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    edges = getattr(value, "edges", None)
    if isinstance(edges, list):
        return [edge.node for edge in edges]
    return [value]


def _row_id(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, relay.GlobalID):
        return int(value.node_id) if value.node_id.isdigit() else None
    return None


def scoped_by(rule: Callable[..., object]) -> list[FieldExtension]:
    return [ScopedBy(rule)]


# The metadata key of :func:`scoped_in_sql`.
SCOPED_IN_SQL = "jtai_scoped_in_sql"


def scoped_in_sql(rule: Callable[..., object]) -> dict[str, object]:
    """The ``metadata`` of a plain field (no resolver, no extension) returning child-level rows
    that the statement making its parent scoped with ``rule``, in SQL, and noted for the audit
    trail (``touch``) when it made the parent. Without an extension, the compiled builders of
    core/graphql/execution.py read the field like any attribute; tests/core/test_access.py names
    the fields allowed to declare their rule this way."""
    return {SCOPED_IN_SQL: rule}


def require_admin(info: strawberry.Info[ContextT, Any]) -> None:
    """Inside a mutation: only an admin sets things up; anyone else gets the refusal as data."""
    viewer = info.context.viewer
    if viewer.role is not Role.ADMIN:
        raise MutationFailed(
            not_allowed(
                None,
                "Only an admin sets up areas, agencies, inspectors, inspections and tokens; "
                f"you are signed in as {viewer.role.value if viewer.role else 'nobody'}.",
            )
        )
