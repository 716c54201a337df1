"""Schema extensions: unexpected errors masked for the client, logged with a request id; the
audit trail."""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterator, Sequence

from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import SchemaExtension
from strawberry.relay.types import GlobalIDValueError

from core import audit
from core.graphql.base.errors import BadArgument
from core.graphql.context import Context
from core.graphql.database_errors import as_database_error

logger = logging.getLogger("jtai.graphql")

# Exceptions whose message is written for the client: they pass through unmasked.
CLIENT_FACING: tuple[type[Exception], ...] = (BadArgument, PermissionError)


class MaskUnexpectedErrors(SchemaExtension):
    """Replace any error the code did not mean to show with a generic message and a request id.

    Validation errors (unknown field, bad argument type) have no original error and pass through;
    so do errors raised on purpose for the client. The log keeps the exception type and traceback
    under the request id, but not the GraphQL variables, which may hold personal data. The message
    says what was saved, and only what is true: a field whose change committed before its answer
    failed says the change was saved.
    """

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        result.errors = mask_unexpected(result.errors, self.execution_context.context)


def mask_unexpected(errors: Sequence[GraphQLError], context: object) -> list[GraphQLError]:
    """``errors`` with each unexpected one masked (see ``MaskUnexpectedErrors``). Subscriptions
    call it for each event's result, which no extension's ``on_operation`` wraps."""
    request_id = getattr(context, "request_id", "-")
    masked = []
    for error in errors:
        original = error.original_error
        if original is None or isinstance(original, (*CLIENT_FACING, GraphQLError)):
            masked.append(error)
            continue
        busy_or_down = as_database_error(
            original, request_id, path=error.path, nodes=error.nodes, context=context
        )
        if busy_or_down is not None:
            masked.append(busy_or_down)
            continue
        # The type and the stack locate the bug; the message may quote a value, so it stays out.
        logger.error(
            "unexpected %s in %s (request %s); message withheld; stack:\n%s",
            type(original).__name__,
            ".".join(str(p) for p in error.path or []),
            request_id,
            "".join(traceback.format_tb(original.__traceback__)),
        )
        masked.append(
            GraphQLError(
                _what_was_saved(context, error.path, request_id),
                nodes=error.nodes,
                path=error.path,
                extensions={"code": "INTERNAL", "requestId": request_id},
            )
        )
    return masked


def _what_was_saved(context: object, path: Sequence[str | int] | None, request_id: str) -> str:
    saved_by: list[str] = getattr(context, "saved_by", [])
    quote = f"Quote request id {request_id} to the service desk"
    if getattr(context, "commit_unknown", False):
        return (
            "Internal error: the database failed while saving, so the change may or may not have "
            f"been saved. Read it again before you retry. {quote}."
        )
    if path and path[0] in saved_by:
        return (
            "Internal error: the change was saved, but the answer could not be built. "
            f"{quote}; read it again to see the result."
        )
    if saved_by:
        return (
            f"Internal error; this field changed nothing, but {', '.join(saved_by)} in the same "
            f"request saved their changes. {quote}."
        )
    return f"Internal error; nothing was changed. {quote}."


class AuditTrail(SchemaExtension):
    """Record every mutation and every read of child-level data (see core/audit.py).

    Each write transaction records itself as it commits. After the operation, what none recorded
    is written: a refused or failed mutation, and child-level rows read (also while building a
    mutation's answer). If that event cannot be written, the response carries no data (an
    unaudited read of a child's record must not leave the server), and its message says what
    was saved.
    """

    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        context = execution.context
        context.executed = True
        context.operation = audit.Operation(
            type=execution.operation_type.value,
            name=execution.operation_name,
            document=execution.query,
        )
        yield

    def on_operation(self) -> Iterator[None]:
        yield
        execution = self.execution_context
        context = execution.context
        result = execution.result
        if result is None or not getattr(context, "executed", False):
            return
        unrecorded = context.unrecorded()
        outcome = audit.ERROR if result.errors else audit.REJECTED if context.rejected else audit.OK
        if context.operation.type == "mutation":
            # A mutation whose every change committed with its event needs no other record.
            needed = outcome != audit.OK or not context.saved_by or bool(unrecorded)
        else:
            needed = audit.reads_child_level(unrecorded)
        if not needed:
            return
        try:
            audit.record(
                context.session,
                viewer=context.viewer,
                request_id=context.request_id,
                operation=context.operation,
                touched=unrecorded,
                outcome=outcome,
            )
        except Exception as error:
            result.data = None
            busy_or_down = as_database_error(error, context.request_id, context=context)
            saved_something = context.commit_unknown or bool(context.saved_by)
            if busy_or_down is not None and not saved_something:
                result.errors = [busy_or_down]  # "nothing was changed", and it is true
                return
            if busy_or_down is None:
                logger.exception("audit event not written (request %s)", context.request_id)
            code = (
                (busy_or_down.extensions or {}).get("code", "INTERNAL")
                if busy_or_down
                else "INTERNAL"
            )
            result.errors = [
                GraphQLError(
                    _unaudited(context, context.request_id),
                    extensions={"code": code, "requestId": context.request_id},
                )
            ]


def _unaudited(context: Context, request_id: str) -> str:
    quote = f"Quote request id {request_id} to the service desk"
    saved_by = context.saved_by
    if context.commit_unknown:
        return (
            "Internal error: the database failed while saving, so the change may or may not have "
            "been saved, and the audit trail could not be written, so nothing is returned. Read "
            f"it again before you retry. {quote}."
        )
    if saved_by:
        return (
            f"Internal error: the change was saved ({', '.join(saved_by)}), and recorded in the "
            "audit trail, but the rest of this request could not be recorded, so nothing is "
            f"returned. Read it again to see the result. {quote}."
        )
    return (
        "Internal error: the audit trail could not be written, so nothing is returned (and "
        f"nothing was changed). {quote}."
    )


_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


class HideSuggestions(SchemaExtension):
    """In production, take graphql-core's "Did you mean ...?" hints out of every error.

    Strawberry's own switch only covers field names; the hints for arguments, types, enum values
    and input fields would still map the schema for someone probing it with introspection off.
    """

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        result.errors = [
            GraphQLError(
                _SUGGESTION.sub("", error.message),
                nodes=error.nodes,
                path=error.path,
                original_error=error.original_error,
                extensions=error.extensions,
            )
            if _SUGGESTION.search(error.message)
            else error
            for error in result.errors
        ]


# The codes of errors from before execution (Apollo Server's), and of a resolver's refusal.
GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"
BAD_GLOBAL_ID = "BAD_GLOBAL_ID"
FORBIDDEN = "FORBIDDEN"
INTERNAL = "INTERNAL"
QUERY_TOO_LARGE = "QUERY_TOO_LARGE"
PRE_EXECUTION_CODES = frozenset({GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, BAD_USER_INPUT})
_TOO_MANY_TOKENS = re.compile(r"Document contains more than (\d+) tokens")


def with_codes(errors: Sequence[GraphQLError], executed: bool) -> list[GraphQLError]:
    """``errors``, each with an ``extensions.code``: those that carry none get one by where
    they arose (README, "Errors and codes", lists them). Applied by the HTTP view to every
    result, because a parse error leaves strawberry before any extension's ``on_operation``.

    Parsing failed: ``GRAPHQL_PARSE_FAILED`` (``QUERY_TOO_LARGE`` over JTAI_MAX_TOKENS);
    validation failed: ``GRAPHQL_VALIDATION_FAILED``; variables that do not fit their types (no
    path, raised as execution starts): ``BAD_USER_INPUT``; a ``PermissionError``: ``FORBIDDEN``.
    An error at a field with no cause is the schema's own bug: ``INTERNAL``.
    """
    return [_coded(error, executed) for error in errors]


def _coded(error: GraphQLError, executed: bool) -> GraphQLError:
    if (error.extensions or {}).get("code"):
        return error
    message = error.message
    if isinstance(error, GraphQLSyntaxError):
        code = GRAPHQL_PARSE_FAILED
        too_many = _TOO_MANY_TOKENS.search(message)
        if too_many is not None:
            code = QUERY_TOO_LARGE
            message = (
                f"The document has more than {too_many.group(1)} tokens, the most allowed "
                "(setting JTAI_MAX_TOKENS). Send a smaller document."
            )
    elif not executed:
        code = GRAPHQL_VALIDATION_FAILED
    elif isinstance(error.original_error, PermissionError):
        code = FORBIDDEN
    elif isinstance(error.original_error, GlobalIDValueError):
        code = BAD_GLOBAL_ID  # strawberry's: an ID argument that is no global ID at all
    elif error.path is None:
        code = BAD_USER_INPUT
    elif error.original_error is None:
        code = INTERNAL
    else:
        code = BAD_USER_INPUT
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions={**(error.extensions or {}), "code": code},
    )
