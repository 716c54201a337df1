"""Expected failures, returned as data in mutation payloads rather than raised to the client."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="Why a mutation did not do what was asked.")
class ErrorCode(Enum):
    NOT_FOUND = "NOT_FOUND"
    NOT_ALLOWED = "NOT_ALLOWED"
    INVALID_INPUT = "INVALID_INPUT"


@strawberry.interface(
    description="Why a mutation did not do what was asked: the input field at fault, and a "
    "message naming the value and the fix. Each payload's errors have a code of their domain."
)
class MutationError:
    field: str | None = strawberry.field(
        description="The argument or input field at fault, as a path from the mutation's "
        "arguments (input.childIds[2]); null when no one field is."
    )
    message: str


@strawberry.type(description="A problem with the input, naming the field, the value and the fix.")
class UserError(MutationError):
    """The refusal as the adapters build it; a payload gives it as its domain's error type.

    ``reason`` is the finer code (a workflow rule's or a problem's own), which the domain's
    enum has when it is one of its own; else the domain code is ``code``'s.
    """

    code: ErrorCode
    reason: strawberry.Private[str | None] = None


class BadArgument(Exception):
    """A query argument the client must change; its message reaches the client as written, with
    ``code`` as its ``extensions.code`` (graphql-core takes an exception's ``extensions``)."""

    def __init__(self, message: str, code: str = "BAD_USER_INPUT") -> None:
        super().__init__(message)
        self.extensions = {"code": code}


class MutationFailed(Exception):
    """Raised inside a mutation to roll its transaction back and report ``errors`` as data."""

    def __init__(self, *errors: UserError) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = list(errors)


def invalid_id(field: str, message: str) -> UserError:
    """A global ID of the wrong type, or not one at all."""
    return UserError(
        field=field,
        code=ErrorCode.INVALID_INPUT,
        message=f"{field}: {message}",
        reason="INVALID_ID",
    )


def not_found(field: str, value: object, what: str) -> UserError:
    return UserError(
        field=field,
        code=ErrorCode.NOT_FOUND,
        message=f"{field}: no {what} with id {value!r} that you can see. "
        f"Check the id (query the {what} first to get it).",
    )


def not_allowed(field: str | None, message: str) -> UserError:
    return UserError(field=field, code=ErrorCode.NOT_ALLOWED, message=message)


def invalid(field: str, message: str, reason: str | None = None) -> UserError:
    return UserError(
        field=field, code=ErrorCode.INVALID_INPUT, message=f"{field}: {message}", reason=reason
    )
