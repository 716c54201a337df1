"""Schema extensions: unexpected errors masked for the client, logged with a request id; the
audit trail."""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from core import audit
from core.graphql.database_errors import as_database_error
from core.graphql.errors import BadArgument

logger = logging.getLogger("jtai.graphql")

# Exceptions whose message is written for the client: they pass through unmasked.
CLIENT_FACING: tuple[type[Exception], ...] = (BadArgument, PermissionError)


class MaskUnexpectedErrors(SchemaExtension):
    """Replace any error the code did not mean to show with a generic message and a request id.

    Validation errors (unknown field, bad argument type) have no original error and pass through;
    so do errors raised on purpose for the client. The log keeps the exception type and traceback
    under the request id, but not the GraphQL variables, which may hold personal data.
    """

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        context = self.execution_context.context
        request_id = getattr(context, "request_id", "-")
        masked = []
        for error in result.errors:
            original = error.original_error
            if original is None or isinstance(original, (*CLIENT_FACING, GraphQLError)):
                masked.append(error)
                continue
            busy_or_down = as_database_error(
                original, request_id, path=error.path, nodes=error.nodes
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
                    f"Internal error; nothing was changed. Quote request id {request_id} "
                    "to the service desk.",
                    nodes=error.nodes,
                    path=error.path,
                    extensions={"code": "INTERNAL", "requestId": request_id},
                )
            )
        result.errors = masked


class AuditTrail(SchemaExtension):
    """Write an audit event for every mutation and every read of child-level data.

    If the event cannot be written, the response carries no data: an unaudited read of a child's
    record must not leave the server.
    """

    def on_execute(self) -> Iterator[None]:
        self.execution_context.context.executed = True
        yield

    def on_operation(self) -> Iterator[None]:
        yield
        execution = self.execution_context
        context = execution.context
        result = execution.result
        if result is None or not getattr(context, "executed", False):
            return
        operation_type = execution.operation_type.value
        if not audit.must_record(operation_type, context.touched):
            return
        outcome = "error" if result.errors else "rejected" if context.rejected else "ok"
        try:
            audit.record(
                context.session,
                viewer=context.viewer,
                request_id=context.request_id,
                operation_type=operation_type,
                operation_name=execution.operation_name,
                document=execution.query,
                touched=context.touched,
                outcome=outcome,
            )
        except Exception as error:
            result.data = None
            busy_or_down = as_database_error(error, context.request_id)
            if busy_or_down is not None:  # the operation's own error says the same, or more
                result.errors = [busy_or_down]
                return
            logger.exception("audit event not written (request %s)", context.request_id)
            result.errors = [
                GraphQLError(
                    "Internal error: the audit trail could not be written, so nothing is "
                    f"returned. Quote request id {context.request_id} to the service desk.",
                    extensions={"code": "INTERNAL", "requestId": context.request_id},
                )
            ]


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
