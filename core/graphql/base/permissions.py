"""Access rules on fields. Every root field must carry one: the schema builder refuses a root field
without a rule, so a new resolver cannot forget the viewer.

Rows are scoped in SQL by ``core.access``; these rules only decide whether a role may ask at all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import BasePermission, PermissionExtension
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


class ScopedBy(FieldExtension):
    """Declares the ``core.access`` rule a field's SQL applies to the rows it returns.

    It changes nothing at run time: the resolver applies the rule in its query. It makes the rule
    visible where the field is declared, and the access test refuses any field returning child or
    evidence data that declares none (tests/core/test_access.py).
    """

    def __init__(self, rule: Callable[..., object]) -> None:
        self.rule = rule

    def resolve(self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any) -> Any:
        return next_(source, info, **kwargs)

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        return await next_(source, info, **kwargs)


def scoped_by(rule: Callable[..., object]) -> list[FieldExtension]:
    return [ScopedBy(rule)]


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
