"""The database's own failures, busy or unavailable, as GraphQL errors with a code.

They are not bugs, so they are not masked as "Internal error": the client is told to try again.
They are logged in one line, without a stack and without the driver's message (which may quote a
statement's values): during an outage every request fails alike.
"""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError

from core.database import database_failure

logger = logging.getLogger("jtai.graphql")


def as_database_error(
    error: BaseException, request_id: str, *, path: Any = None, nodes: Any = None
) -> GraphQLError | None:
    """A GraphQL error for ``error`` if it is the database's failure, else None."""
    failure = database_failure(error)
    if failure is None:
        return None
    logger.warning(
        "request %s: %s (%s)",
        request_id,
        failure.value,
        type(getattr(error, "orig", error)).__name__,
    )
    return GraphQLError(
        failure.message,
        nodes=nodes,
        path=path,
        extensions={"code": failure.value, "requestId": request_id},
    )
