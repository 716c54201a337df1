"""Schema extensions: unexpected errors masked for the client, logged with a request id."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

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
            logger.error(
                "unexpected %s in %s (request %s)",
                type(original).__name__,
                ".".join(str(p) for p in error.path or []),
                request_id,
                exc_info=original,
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
