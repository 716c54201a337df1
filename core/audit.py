"""The audit trail: who did or read what, for every mutation and every read of child-level data.

Records ids and hashes, never values: a record of who read a child's file must not itself become a
copy of the file.

A change and its record commit together: every write transaction of a request adds its event, with
outcome ``ok`` and the ids touched so far, just before it commits (``Context.write``), so a change
is never saved without its record nor recorded without being saved. What no write transaction
recorded is written after the operation in a transaction of its own (:func:`record`): a refused or
failed mutation (outcome ``rejected`` or ``error``), and child-level rows read, including rows read
to build a mutation's answer after its commit. Both use the request's own session: a request never
holds two pooled connections, which under load would leave every request waiting for a connection
another one holds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Insert, LargeBinary, Table, bindparam, func, insert, select, text
from sqlalchemy import cast as sql_cast
from sqlalchemy.orm import Session

from core.audit_chain import (
    GENESIS,
    HASHED_FIELDS,
    Verified,
    as_fields,
    canonical,
    chain_hash,
    iter_fields,
    verify,
)
from core.database import begin_write
from core.models import AuditEvent, utc_now
from core.viewer import Viewer

# Kinds of row whose reading is audited: a child, evidence about children and agencies, and
# accepted lists (their queries quote cells of children's rows).
CHILD_LEVEL = frozenset({"Child", "EvidenceRecord", "ListUpload", "Document"})
# Serialises the writers of the hash chain on PostgreSQL (any constant; one per database).
_CHAIN_LOCK = 0x4A544149

OK, REJECTED, ERROR = "ok", "rejected", "error"
_EVENTS = cast(Table, AuditEvent.__table__)
# Built once: each costs SQLAlchemy more to build than to run.
_LOCK_CHAIN = text("SELECT pg_advisory_xact_lock(:key)")
_LAST_HASH = select(_EVENTS.c.hash).order_by(_EVENTS.c.id.desc()).limit(1)
_INSERT = insert(_EVENTS)


def _insert_chained() -> Insert:
    """PostgreSQL's INSERT of an event with its chain: each hashed field bound (cast to its
    column's type: a SELECT list gives a parameter no type), the previous hash read by the
    statement itself, and the hash computed as ``chain_hash`` does."""
    previous = (
        select(func.coalesce(_LAST_HASH.scalar_subquery(), GENESIS).label("hash"))
    ).subquery("previous")
    text_to_hash = func.convert_to(previous.c.hash + "\n", "UTF8").op("||")(
        bindparam("canonical", type_=LargeBinary)
    )
    fields = [
        sql_cast(bindparam(name, type_=_EVENTS.c[name].type), _EVENTS.c[name].type)
        for name in HASHED_FIELDS
    ]
    chained = func.encode(func.sha256(text_to_hash), "hex")
    rows = select(*fields, previous.c.hash, chained).select_from(previous)
    return insert(_EVENTS).from_select([*HASHED_FIELDS, "previous_hash", "hash"], rows)


_INSERT_CHAINED = _insert_chained()


@dataclass(frozen=True, slots=True)
class Operation:
    """The GraphQL operation a request runs, as the trail names it."""

    type: str  # query | mutation | download | retention: AuditOperationType in the graph
    name: str | None
    document: str | None


def document_hash(document: str | None) -> str:
    return hashlib.sha256((document or "").encode()).hexdigest()


def reads_child_level(touched: Mapping[str, set[int]]) -> bool:
    return any(touched.get(kind) for kind in CHILD_LEVEL)


def _values(
    *,
    viewer: Viewer,
    request_id: str,
    operation: Operation,
    touched: Mapping[str, set[int]],
    outcome: str,
) -> dict[str, Any]:
    """An event's columns, as :func:`event` names them."""
    return {
        "request_id": request_id,
        "token_id": viewer.token_id,
        "role": viewer.role.value if viewer.role else None,
        "inspector_id": viewer.inspector_id,
        "agency_id": viewer.agency_id,
        "actor_issuer": viewer.issuer and viewer.issuer[:300],
        "actor_subject": viewer.subject and viewer.subject[:300],
        "actor_email": viewer.email and viewer.email[:320],
        "operation_type": operation.type,
        "operation_name": (operation.name or None) and operation.name[:200],
        "document_hash": document_hash(operation.document),
        "touched": {kind: sorted(ids) for kind, ids in sorted(touched.items()) if ids},
        "outcome": outcome,
    }


def event(
    *,
    viewer: Viewer,
    request_id: str,
    operation: Operation,
    touched: Mapping[str, set[int]],
    outcome: str,
) -> AuditEvent:
    return AuditEvent(
        **_values(
            viewer=viewer,
            request_id=request_id,
            operation=operation,
            touched=touched,
            outcome=outcome,
        )
    )


def add_to_write(
    session: Session,
    *,
    viewer: Viewer,
    request_id: str,
    operation: Operation,
    touched: Mapping[str, set[int]],
) -> None:
    """Add the event of a write that succeeds to the write's own transaction, so that both commit
    or neither does."""
    _insert(
        session,
        _values(
            viewer=viewer,
            request_id=request_id,
            operation=operation,
            touched=touched,
            outcome=OK,
        ),
    )


def record(
    session: Session,
    *,
    viewer: Viewer,
    request_id: str,
    operation: Operation,
    touched: Mapping[str, set[int]],
    outcome: str,
) -> None:
    """Write one event after the operation's work has ended: in a transaction of its own, or on
    PostgreSQL in the operation's read transaction if that is healthy and wrote nothing (see
    ``core.database.begin_write``), which ends any other. At READ COMMITTED each statement reads
    what is committed when it starts, so the chain's lock and previous hash behave as in a new
    transaction, and the ROLLBACK and BEGIN it would cost are saved."""
    values = _values(
        viewer=viewer, request_id=request_id, operation=operation, touched=touched, outcome=outcome
    )
    with begin_write(session):
        _insert(session, values)


def append(session: Session, new: AuditEvent) -> None:
    """Add ``new`` to the trail inside the caller's write transaction, chained to the last event
    (as an ORM entity: the caller may read its id after)."""
    if new.occurred_at is None:
        new.occurred_at = utc_now()
    new.previous_hash = _previous_hash(session)
    new.hash = chain_hash(new.previous_hash, as_fields(new))
    session.add(new)
    session.flush()


def _insert(session: Session, values: dict[str, Any]) -> None:
    """Insert an event's row inside the caller's write transaction, chained to the last event: a
    Core INSERT, without the ORM's unit of work (nothing reads the event back).

    On PostgreSQL, once the chain's lock is held, the INSERT reads the previous hash and hashes
    the event itself (``chain_hash`` in SQL: SHA-256 of the previous hash, a newline and the
    canonical fields computed here), one round trip instead of two; SQLite reads it first."""
    values = {"counts": None, **values, "occurred_at": values.get("occurred_at") or utc_now()}
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_LOCK_CHAIN, {"key": _CHAIN_LOCK})
        session.execute(_INSERT_CHAINED, {**values, "canonical": canonical(values)})
        return
    values["previous_hash"] = _previous_hash(session)
    values["hash"] = chain_hash(values["previous_hash"], values)
    session.execute(_INSERT, values)


def _previous_hash(session: Session) -> str:
    """The hash of the last event, once this transaction has the chain to itself.

    Writers take turns until they commit: a transaction-scoped advisory lock on PostgreSQL; on
    SQLite the write transaction (``BEGIN IMMEDIATE``) already admits one writer at a time. So
    two events never name the same predecessor.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_LOCK_CHAIN, {"key": _CHAIN_LOCK})
    return session.scalar(_LAST_HASH) or GENESIS


def verify_trail(session: Session) -> Verified:
    """Walk the whole trail in id order, a batch of rows at a time."""
    rows = session.scalars(
        select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000)
    )
    try:
        return verify(iter_fields(rows))
    finally:
        rows.close()  # verify stops at the first broken link: end the server-side cursor


def export_lines(session: Session, since: dt.datetime | None) -> Iterator[str]:
    """The trail from ``since`` on (all of it without), one JSON object a line, with each event's
    hashes: a copy shipped elsewhere can be checked against the database later."""
    statement = select(AuditEvent).order_by(AuditEvent.id)
    if since is not None:
        statement = statement.where(AuditEvent.occurred_at >= since)
    for row in session.scalars(statement.execution_options(yield_per=1000)):
        fields = as_fields(row)
        fields["occurred_at"] = row.occurred_at.astimezone(dt.UTC).isoformat()
        yield json.dumps(fields, sort_keys=True, separators=(",", ":"))
