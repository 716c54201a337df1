"""The one mutation adapter: ``run`` executes a mutation's work in one write transaction with its
audit event, and turns its expected failures into ``errors`` as data; ``run_service`` does the
same for a ``core/workflow`` service, turning its ``Refused`` problems into ``UserError``s.

One field-path convention: a workflow ``Problem.field`` is relative to the mutation's ``input``
(``childIds[2]``), and the adapter prefixes ``input.``; a mutation taking plain arguments passes
``under=None`` so the path is the argument's name (``findingId``), or a function from the
service's path to the client's when a mutation spells some fields as another mutation's input
does. The paths are asserted by the mutation tests (tests/core/test_selection.py,
tests/core/test_findings.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, overload

import strawberry
from sqlalchemy.orm import Session

from core.graphql.base.context import ContextT, root_field
from core.graphql.base.domain_errors import E, as_domain
from core.graphql.base.errors import ErrorCode, MutationFailed, UserError
from core.workflow.rules import ProblemKind, Refused

T = TypeVar("T")

_CODES = {
    ProblemKind.NOT_FOUND: ErrorCode.NOT_FOUND,
    ProblemKind.NOT_ALLOWED: ErrorCode.NOT_ALLOWED,
    ProblemKind.INVALID: ErrorCode.INVALID_INPUT,
}


@overload
def run(
    info: strawberry.Info[ContextT, Any], work: Callable[[Session], T], *, errors: None = None
) -> tuple[T | None, list[UserError]]: ...


@overload
def run(
    info: strawberry.Info[ContextT, Any], work: Callable[[Session], T], *, errors: type[E]
) -> tuple[T | None, list[E]]: ...


def run(
    info: strawberry.Info[ContextT, Any],
    work: Callable[[Session], T],
    *,
    errors: type[Any] | None = None,
) -> tuple[T | None, list[Any]]:
    """Run ``work`` in one write transaction with its audit event; expected failures roll it
    back and become data, as ``errors`` (the payload's domain error type, e.g. SelectionError).
    Whatever the caller builds from the result runs after the commit."""
    try:
        with info.context.write(root_field(info)) as session:
            return work(session), []
    except MutationFailed as failed:
        info.context.rejected = True
        return None, failed.errors if errors is None else as_domain(failed.errors, errors)


Under = str | None | Callable[[str], str]


def user_errors(refused: Refused, under: Under = "input") -> list[UserError]:
    """A service's problems as errors whose paths start at the mutation's arguments."""
    errors = []
    for problem in refused.problems:
        field = problem.field
        if field is not None and callable(under):
            field = under(field)
        elif field is not None and under is not None:
            field = f"{under}.{field}"
        if problem.rule is not None:
            message = problem.text
        elif field is None or problem.kind is ProblemKind.NOT_ALLOWED:
            message = problem.message  # who may not ask is told as written, field or none
        else:
            message = f"{field}: {problem.message}"
        errors.append(
            UserError(
                field=field, code=_CODES[problem.kind], message=message, reason=problem.reason
            )
        )
    return errors


@overload
def run_service(
    info: strawberry.Info[ContextT, Any],
    call: Callable[[Session], T],
    under: Under = "input",
    *,
    errors: None = None,
) -> tuple[T | None, list[UserError]]: ...


@overload
def run_service(
    info: strawberry.Info[ContextT, Any],
    call: Callable[[Session], T],
    under: Under = "input",
    *,
    errors: type[E],
) -> tuple[T | None, list[E]]: ...


def run_service(
    info: strawberry.Info[ContextT, Any],
    call: Callable[[Session], T],
    under: Under = "input",
    *,
    errors: type[Any] | None = None,
) -> tuple[T | None, list[Any]]:
    """``run`` for a workflow service: its refusals roll back and become ``errors``."""

    def work(session: Session) -> T:
        try:
            return call(session)
        except Refused as refused:
            raise MutationFailed(*user_errors(refused, under)) from None

    return run(info, work, errors=errors)
