"""The audit trail's hash chain: each event carries the SHA-256 of its own fields and of the hash
of the event before it, so a row changed or removed afterwards (even by the database's owner, who
can drop the append-only triggers) breaks the chain at that point, and ``jtai audit verify`` names
the first broken link.

The hashed form is a format: changing :func:`canonical` makes every stored hash fail to verify.
Removing the newest events leaves a valid, shorter chain; ``jtai audit verify`` prints the last
hash and the count so an organisation can keep them elsewhere (or ship ``jtai audit export``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64  # the "previous hash" of the first event
# What an event's hash covers, in this order; the row id is left out so that a copy of the
# trail (an export) verifies too.
HASHED_FIELDS = (
    "occurred_at",
    "request_id",
    "token_id",
    "role",
    "inspector_id",
    "agency_id",
    "actor_issuer",
    "actor_subject",
    "actor_email",
    "operation_type",
    "operation_name",
    "document_hash",
    "touched",
    "counts",
    "outcome",
)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        # Microseconds always written: PostgreSQL and SQLite both keep them.
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def canonical(fields: Mapping[str, Any]) -> bytes:
    """The event's hashed fields as compact, key-sorted JSON."""
    return json.dumps(
        {name: _plain(fields.get(name)) for name in HASHED_FIELDS},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    ).encode()


def chain_hash(previous_hash: str, fields: Mapping[str, Any]) -> str:
    return hashlib.sha256(previous_hash.encode() + b"\n" + canonical(fields)).hexdigest()


@dataclass(frozen=True, slots=True)
class Broken:
    """The first link that does not hold: the event's id and why."""

    event_id: int
    reason: str


@dataclass(frozen=True, slots=True)
class Verified:
    count: int
    last_hash: str
    broken: Broken | None


def verify(events: Iterable[Mapping[str, Any]]) -> Verified:
    """Check events in id order: each names the previous one's hash and hashes to its own."""
    previous = GENESIS
    count = 0
    for event in events:
        count += 1
        if event.get("hash") is None:
            return Verified(count, previous, Broken(event["id"], "it carries no hash"))
        if event["previous_hash"] != previous:
            return Verified(
                count,
                previous,
                Broken(
                    event["id"],
                    "it does not follow the event before it: an event before it was removed or "
                    "changed",
                ),
            )
        if chain_hash(previous, event) != event["hash"]:
            return Verified(
                count, previous, Broken(event["id"], "its fields were changed after it was written")
            )
        previous = event["hash"]
    return Verified(count, previous, None)


def as_fields(row: Any) -> dict[str, Any]:
    """An ``AuditEvent`` (or any object with its attributes) as the mapping hashed and exported."""
    return {
        "id": row.id,
        **{name: getattr(row, name) for name in HASHED_FIELDS},
        "previous_hash": row.previous_hash,
        "hash": row.hash,
    }


def iter_fields(rows: Iterable[Any]) -> Iterator[dict[str, Any]]:
    return (as_fields(row) for row in rows)
