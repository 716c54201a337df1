"""Mutation errors by domain: each payload's ``errors`` are its domain's type (``SelectionError``,
``FindingError``, ...), whose ``code`` is an enum of that domain's reasons.

Every domain enum holds the common codes (``NOT_FOUND``, ``NOT_ALLOWED``, ``INVALID_INPUT``,
``INVALID_ID``) and its own: the rules of the guidance it enforces (named as
``core.workflow.rules.Rule`` names them) and the reasons its services give (``Problem.code``).
The adapters (``run``/``run_service`` in mutations.py) build a domain's errors when given its type.

A new mutation fits in with one line: its payload declares ``errors: list[SelectionError]`` (or
the type of its domain) and passes ``errors=SelectionError`` to ``run_service``. A new reason is a
member of its domain's enum plus ``code="..."`` where the service refuses; a reason the enum lacks
falls back to the common code, and tests/core/test_mutation_errors.py checks every payload uses a
domain type and every reason a service gives is in the enums.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, TypeVar, cast

import strawberry
from strawberry.types.base import get_object_definition
from strawberry.types.enum import StrawberryEnumDefinition

from core.graphql.base.errors import MutationError, UserError

COMMON_CODES = ("NOT_FOUND", "NOT_ALLOWED", "INVALID_INPUT", "INVALID_ID")
E = TypeVar("E", bound=MutationError)


@strawberry.enum(description="Why choosing, tracking or sampling children was refused.")
class SelectionErrorCode(Enum):
    NOT_FOUND = "NOT_FOUND"
    NOT_ALLOWED = "NOT_ALLOWED"
    INVALID_INPUT = "INVALID_INPUT"
    INVALID_ID = "INVALID_ID"
    TWENTY_CHILDREN = "TWENTY_CHILDREN"
    SELECTION_LIST = "SELECTION_LIST"
    DOMESTIC_ABUSE = "DOMESTIC_ABUSE"
    AGE_SCOPE = "AGE_SCOPE"
    TRACKED_FROM_SELECTED = "TRACKED_FROM_SELECTED"
    SEVEN_TRACKED = "SEVEN_TRACKED"
    TRACKED_STAY_SELECTED = "TRACKED_STAY_SELECTED"
    SAMPLING_LIST = "SAMPLING_LIST"
    ON_THE_LIST = "ON_THE_LIST"


@strawberry.enum(description="Why arranging the fieldwork (meetings, people, consent) was refused.")
class FieldworkErrorCode(Enum):
    NOT_FOUND = "NOT_FOUND"
    NOT_ALLOWED = "NOT_ALLOWED"
    INVALID_INPUT = "INVALID_INPUT"
    INVALID_ID = "INVALID_ID"
    FIELDWORK_WEEK = "FIELDWORK_WEEK"
    CONSENT_TRACKED = "CONSENT_TRACKED"
    CONSENT_REASON = "CONSENT_REASON"


@strawberry.enum(description="Why a finding or the report could not be changed.")
class FindingErrorCode(Enum):
    NOT_FOUND = "NOT_FOUND"
    NOT_ALLOWED = "NOT_ALLOWED"
    INVALID_INPUT = "INVALID_INPUT"
    INVALID_ID = "INVALID_ID"
    WRONG_STATUS = "WRONG_STATUS"  # e.g. publishing a finding that is not a draft
    NOT_AGREED = "NOT_AGREED"  # an inspectorate taking part has not agreed it yet
    ALREADY_AGREED = "ALREADY_AGREED"  # your inspectorate agreed it already
    INCOMPLETE = "INCOMPLETE"  # it lacks what publication needs (criteria, agencies, evidence)


@strawberry.enum(description="Why issuing a request or sending what it asks for was refused.")
class RequestErrorCode(Enum):
    NOT_FOUND = "NOT_FOUND"
    NOT_ALLOWED = "NOT_ALLOWED"
    INVALID_INPUT = "INVALID_INPUT"
    INVALID_ID = "INVALID_ID"
    WRONG_REQUEST_KIND = "WRONG_REQUEST_KIND"  # a list sent as a document, or the reverse
    TOO_LARGE = "TOO_LARGE"  # over JTAI_MAX_UPLOAD_BYTES


@strawberry.enum(description="Why an uploaded list was refused.")
class ListErrorCode(Enum):
    NOT_FOUND = "NOT_FOUND"
    NOT_ALLOWED = "NOT_ALLOWED"
    INVALID_INPUT = "INVALID_INPUT"
    INVALID_ID = "INVALID_ID"
    WRONG_REQUEST_KIND = "WRONG_REQUEST_KIND"
    TOO_LARGE = "TOO_LARGE"
    LIST_NOT_ACCEPTED = "LIST_NOT_ACCEPTED"  # it has errors: see problemSummary, then problems


@strawberry.enum(description="Why recording evidence was refused.")
class EvidenceErrorCode(Enum):
    NOT_FOUND = "NOT_FOUND"
    NOT_ALLOWED = "NOT_ALLOWED"
    INVALID_INPUT = "INVALID_INPUT"
    INVALID_ID = "INVALID_ID"


@strawberry.enum(
    description="Why setting up areas, agencies, inspectors, inspections or tokens was refused."
)
class SetupErrorCode(Enum):
    NOT_FOUND = "NOT_FOUND"
    NOT_ALLOWED = "NOT_ALLOWED"
    INVALID_INPUT = "INVALID_INPUT"
    INVALID_ID = "INVALID_ID"
    ALREADY_EXISTS = "ALREADY_EXISTS"  # a code, name, email or reference in use, a member twice


@strawberry.enum(description="Why registering or changing a webhook was refused.")
class IntegrationErrorCode(Enum):
    NOT_FOUND = "NOT_FOUND"
    NOT_ALLOWED = "NOT_ALLOWED"
    INVALID_INPUT = "INVALID_INPUT"
    INVALID_ID = "INVALID_ID"


_ERROR = "Why {what} was refused: the field at fault, a code and a message naming the fix."


@strawberry.type(description=_ERROR.format(what="choosing, tracking or sampling children"))
class SelectionError(MutationError):
    code: SelectionErrorCode


@strawberry.type(description=_ERROR.format(what="arranging the fieldwork"))
class FieldworkError(MutationError):
    code: FieldworkErrorCode


@strawberry.type(description=_ERROR.format(what="changing a finding or the report"))
class FindingError(MutationError):
    code: FindingErrorCode


@strawberry.type(description=_ERROR.format(what="issuing or answering a request"))
class RequestError(MutationError):
    code: RequestErrorCode


@strawberry.type(description=_ERROR.format(what="uploading a list"))
class ListError(MutationError):
    code: ListErrorCode


@strawberry.type(description=_ERROR.format(what="recording evidence"))
class EvidenceError(MutationError):
    code: EvidenceErrorCode


@strawberry.type(description=_ERROR.format(what="setting up"))
class SetupError(MutationError):
    code: SetupErrorCode


@strawberry.type(description=_ERROR.format(what="a change to a webhook"))
class IntegrationError(MutationError):
    code: IntegrationErrorCode


DOMAIN_ERRORS: tuple[type[MutationError], ...] = (
    SelectionError,
    FieldworkError,
    FindingError,
    RequestError,
    ListError,
    EvidenceError,
    SetupError,
    IntegrationError,
)


def code_enum(kind: type[MutationError]) -> type[Enum]:
    """The enum of ``kind``'s ``code`` field."""
    definition = get_object_definition(kind, strict=True)
    code = next(f for f in definition.fields if f.python_name == "code")
    assert isinstance(code.type, StrawberryEnumDefinition), kind
    return cast(type[Enum], code.type.wrapped_cls)


def as_domain(errors: list[UserError], kind: type[E]) -> list[E]:
    """``errors`` as ``kind``: each with its reason when the domain's enum has it, else its
    common code."""
    codes = code_enum(kind)
    make = cast(Any, kind)
    return [
        make(
            field=error.field,
            message=error.message,
            code=codes.__members__.get(error.reason or "") or codes[error.code.name],
        )
        for error in errors
    ]
