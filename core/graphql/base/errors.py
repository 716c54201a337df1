"""Expected failures, returned as data in mutation payloads rather than raised to the client."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="Why a mutation did not do what was asked.")
class ErrorCode(Enum):
    NOT_FOUND = "NOT_FOUND"
    NOT_ALLOWED = "NOT_ALLOWED"
    INVALID_INPUT = "INVALID_INPUT"


@strawberry.type(description="A problem with the input, naming the field, the value and the fix.")
class UserError:
    field: str | None = strawberry.field(description="The input field at fault, as a path.")
    code: ErrorCode
    message: str


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


def not_found(field: str, value: object, what: str) -> UserError:
    return UserError(
        field=field,
        code=ErrorCode.NOT_FOUND,
        message=f"{field}: no {what} with id {value!r} that you can see. "
        f"Check the id (query the {what} first to get it).",
    )


def not_allowed(field: str | None, message: str) -> UserError:
    return UserError(field=field, code=ErrorCode.NOT_ALLOWED, message=message)


def invalid(field: str, message: str) -> UserError:
    return UserError(field=field, code=ErrorCode.INVALID_INPUT, message=f"{field}: {message}")
