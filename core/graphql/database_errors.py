"""The database's own failures, busy or unavailable, as GraphQL errors with a code.

They are not bugs, so they are not masked as "Internal error": the client is told to try again.
They are logged in one line, without a stack and without the driver's message (which may quote a
statement's values): during an outage every request fails alike.
"""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError

from core.database import DatabaseFailure, database_failure

logger = logging.getLogger("jtai.graphql")


def as_database_error(
    error: BaseException,
    request_id: str,
    *,
    path: Any = None,
    nodes: Any = None,
    context: object = None,
) -> GraphQLError | None:
    """A GraphQL error for ``error`` if it is the database's failure, else None.

    ``context`` (the request's) says what this request already committed, so that the message
    never says "nothing was changed" of a change that was saved.
    """
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
        _message(failure, context, path),
        nodes=nodes,
        path=path,
        extensions={"code": failure.value, "requestId": request_id},
    )


def _message(failure: DatabaseFailure, context: object, path: Any) -> str:
    state = "busy" if failure is DatabaseFailure.BUSY else "unavailable"
    saved_by: list[str] = getattr(context, "saved_by", [])
    if getattr(context, "commit_unknown", False):
        return (
            f"The database became {state} while saving, so the change may or may not have been "
            "saved. Read it again before you retry."
        )
    if saved_by and (not path or path[0] in saved_by):
        return (
            f"The change was saved ({', '.join(saved_by)}), but the database became {state} "
            "before the answer was built. Read it again in a few seconds to see the result."
        )
    if saved_by:
        return (
            f"The database is {state}: this field changed nothing, but {', '.join(saved_by)} in "
            "the same request saved their changes. Read them again before you retry."
        )
    return failure.message
