"""Signed webhooks: changes to published findings pushed to systems that registered a URL.

Each row of the change feed becomes one delivery per active webhook, queued in the same transaction
as the change (an outbox), its JSON body fixed then: retries and redeliveries send the same bytes.
``deliver_due`` posts what is due; ``jtai webhooks deliver`` runs it (from cron, every minute or
so). A delivery that does not get a 2xx is retried with exponential backoff (1 minute, doubling,
at most 6 hours apart) and marked failed after ``MAX_ATTEMPTS``; an admin can redeliver any
delivery, which queues a copy so the log keeps every attempt.

Every request carries::

    X-JTAI-Delivery:  the delivery's id (the same on every retry of it)
    X-JTAI-Change:    the change's feed cursor, the body's ``cursor``: the same on every retry
                      and every redelivery, the key a receiver deduplicates on
    X-JTAI-Event:     finding.published | .updated | .withdrawn | .republished
    X-JTAI-Timestamp: when this attempt was signed, in Unix seconds
    X-JTAI-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>

The timestamp is inside the signed material, so a receiver that refuses timestamps more than a few
minutes old (docs/integrators.md) cannot be fed a captured request again later.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from core.database import Database
from core.ids import encode_cursor
from core.integrations.feed import finding_global_id, public_findings
from core.models import FindingChange, Webhook, WebhookDelivery, utc_now
from core.registry import Registry

if TYPE_CHECKING:
    import httpx

SIGNATURE_HEADER = "X-JTAI-Signature"
TIMESTAMP_HEADER = "X-JTAI-Timestamp"
DELIVERY_HEADER = "X-JTAI-Delivery"
CHANGE_HEADER = "X-JTAI-Change"
EVENT_HEADER = "X-JTAI-Event"
SECRET_PREFIX = "whsec_"

MAX_ATTEMPTS = 8  # 1 + 2 + 4 + ... + 64 minutes of retries: a receiver down for two hours
FIRST_RETRY = dt.timedelta(minutes=1)
MAX_RETRY = dt.timedelta(hours=6)
LEASE = dt.timedelta(minutes=5)  # a claimed delivery is not due again while it is being sent
TIMEOUT_SECONDS = 10.0
MAX_URL = 2000

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"

# Posts (url, headers, body) and returns the HTTP status code; raises on a network failure.
Send = Callable[[str, Mapping[str, str], bytes], int]


class WebhookError(ValueError):
    """A webhook request that cannot be done; the message names the value and the fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-JTAI-Signature`` value for ``body`` sent at ``timestamp``."""
    signed = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failed attempt: 1, 2, 4... minutes, at most 6h."""
    return min(FIRST_RETRY * (1 << max(attempts - 1, 0)), MAX_RETRY)


def check_url(url: str, *, production: bool) -> str:
    cleaned = url.strip()
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in cleaned):
        raise WebhookError("input.url", "a URL has no spaces or control characters.")
    parts = urlsplit(cleaned)
    if production and parts.scheme == "http":
        # Bodies are signed, not encrypted: in production they travel over TLS only.
        raise WebhookError(
            "input.url",
            f"{cleaned[:100]!r} is http, and with JTAI_ENV=production webhooks are sent over "
            "https only: give the receiver's https:// URL, e.g. https://receiver.example.org/jtai.",
        )
    allowed = ("https",) if production else ("https", "http")
    if len(cleaned) > MAX_URL or parts.scheme not in allowed or not parts.hostname:
        raise WebhookError(
            "input.url",
            f"give an absolute {' or '.join(allowed)} URL of at most {MAX_URL} "
            "characters, e.g. https://receiver.example.org/jtai.",
        )
    if parts.username or parts.password:
        raise WebhookError(
            "input.url",
            "put no credentials in the URL; the receiver authenticates each "
            "delivery by its signature.",
        )
    if parts.fragment:
        raise WebhookError("input.url", "a URL sent to a server has no #fragment.")
    return cleaned


def register(
    session: Session, url: str, label: str, *, production: bool, now: dt.datetime
) -> tuple[Webhook, str]:
    """Register a webhook; returns it and its secret, which is shown to the admin this once."""
    cleaned_label = label.strip()
    if not cleaned_label or len(cleaned_label) > 200 or not cleaned_label.isprintable():
        raise WebhookError("input.label", "give 1 to 200 characters.")
    secret = new_secret()
    webhook = Webhook(
        url=check_url(url, production=production),
        label=cleaned_label,
        secret=secret,
        active=True,
        created_at=now,
    )
    session.add(webhook)
    session.flush()
    return webhook, secret


def event_name(change: str) -> str:
    return f"finding.{change}"


def change_body(session: Session, registry: Registry, change: FindingChange) -> str:
    """The JSON body of a change: the finding as integrators see it (nothing about any child), or
    only its id once it is no longer published."""
    current = public_findings(session, registry, [change.finding_id]).get(change.finding_id)
    body: dict[str, Any] = {
        "event": event_name(change.change),
        "cursor": encode_cursor(change.id),
        "occurredAt": change.occurred_at.isoformat(),
        "findingId": finding_global_id(change.finding_id),
        "finding": current.as_json() if current is not None else None,
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def enqueue(session: Session, registry: Registry, change: FindingChange, now: dt.datetime) -> int:
    """Queue ``change`` for every active webhook (in the caller's transaction); returns how many."""
    hooks = list(session.scalars(select(Webhook.id).where(Webhook.active).order_by(Webhook.id)))
    if not hooks:
        return 0
    body = change_body(session, registry, change)
    session.add_all(
        WebhookDelivery(
            webhook_id=hook,
            change_id=change.id,
            body=body,
            status=PENDING,
            attempts=0,
            next_attempt_at=now,
        )
        for hook in hooks
    )
    session.flush()
    return len(hooks)


class WebhookNotFound(WebhookError):
    """No webhook has the id given."""


def deactivate(session: Session, webhook_id: int) -> Webhook:
    """Stop sending to a webhook; its pending deliveries wait unsent."""
    webhook = session.get(Webhook, webhook_id)
    if webhook is None:
        raise WebhookNotFound("webhookId", f"no webhook with id {webhook_id}.")
    webhook.active = False
    return webhook


def redeliver(session: Session, delivery_id: int, now: dt.datetime) -> WebhookDelivery:
    """Queue a copy of a delivery (any status) to be sent at once, keeping the original's log."""
    original = session.get(WebhookDelivery, delivery_id)
    if original is None:
        raise WebhookNotFound("deliveryId", f"no webhook delivery with id {delivery_id}.")
    webhook = session.get(Webhook, original.webhook_id)
    if webhook is None or not webhook.active:
        raise WebhookError(
            "deliveryId",
            "its webhook is deactivated; register the receiver again to send to it.",
        )
    copy = WebhookDelivery(
        webhook_id=original.webhook_id,
        change_id=original.change_id,
        body=original.body,
        status=PENDING,
        attempts=0,
        next_attempt_at=now,
    )
    session.add(copy)
    session.flush()
    return copy


# --- Sending -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    delivery_id: int
    status: str  # delivered | pending (will retry) | failed
    attempts: int
    status_code: int | None
    error: str | None
    next_attempt_at: dt.datetime | None


@dataclass
class DeliveryRun:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def summary(self) -> str:
        return (
            f"{len(self.outcomes)} due: {self.count(DELIVERED)} delivered, "
            f"{self.count(PENDING)} to retry, {self.count(FAILED)} failed for good"
        )


def http_sender(client: httpx.Client) -> Send:
    def send(url: str, headers: Mapping[str, str], body: bytes) -> int:
        return client.post(url, content=body, headers=dict(headers)).status_code

    return send


def deliver_due(
    database: Database,
    clock: Callable[[], dt.datetime] | None = None,
    send: Send | None = None,
    limit: int = 100,
) -> DeliveryRun:
    """Send the deliveries due when the run starts (at most ``limit``), one at a time.

    Each delivery is claimed just before it is sent, in its own write transaction, with a lease
    measured from that claim; it is signed with the time just before sending; its result is
    written in another transaction. A run may take longer than the lease (slow receivers), so
    nothing here is computed from when the run started: two runs at once never send a delivery
    twice, and a receiver checking the timestamp against its clock always sees a fresh one.
    ``clock`` (the current UTC time) is for tests; ``send`` defaults to real HTTP with httpx.
    """
    clock = clock or utc_now
    if send is None:
        import httpx  # here, not at the top: serving never sends, and httpx loads its own CLI

        with httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
            return deliver_due(database, clock, http_sender(client), limit)
    started = clock()
    with database.session() as session:
        due = list(
            session.scalars(
                select(WebhookDelivery.id)
                .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
                .where(
                    WebhookDelivery.status == PENDING,
                    WebhookDelivery.next_attempt_at <= started,
                    Webhook.active,
                )
                .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
                .limit(limit)
            )
        )
    run = DeliveryRun()
    for delivery_id in due:
        claimed = _claim(database, delivery_id, clock())
        if claimed is None:
            continue  # another run took it, or sent it already
        url, secret, body, event, change_id = claimed
        payload = body.encode()
        timestamp = int(clock().timestamp())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "jtai-webhooks/1",
            DELIVERY_HEADER: str(delivery_id),
            CHANGE_HEADER: encode_cursor(change_id),
            EVENT_HEADER: event,
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(secret, timestamp, payload),
        }
        status_code: int | None = None
        try:
            status_code = send(url, headers, payload)
            error = None if 200 <= status_code < 300 else f"HTTP {status_code} from the receiver"
        except Exception as failure:  # any failure to send is the receiver's, to retry later
            error = f"{type(failure).__name__}: {failure}"[:500]
        run.outcomes.append(_record(database, delivery_id, status_code, error, clock()))
    return run


def _claim(
    database: Database, delivery_id: int, now: dt.datetime
) -> tuple[str, str, str, str, int] | None:
    """Take one delivery that is still due at ``now``, leasing it until ``now + LEASE``."""
    with database.write() as session:
        claimed = cast(
            CursorResult[Any],
            session.execute(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.id == delivery_id,
                    WebhookDelivery.status == PENDING,
                    WebhookDelivery.next_attempt_at <= now,
                )
                .values(next_attempt_at=now + LEASE)
            ),
        )
        if claimed.rowcount != 1:
            return None
        url, secret, body, change, change_id = session.execute(
            select(
                Webhook.url,
                Webhook.secret,
                WebhookDelivery.body,
                FindingChange.change,
                FindingChange.id,
            )
            .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
            .join(FindingChange, FindingChange.id == WebhookDelivery.change_id)
            .where(WebhookDelivery.id == delivery_id)
        ).one()
        return url, secret, body, event_name(change), change_id


def _record(
    database: Database,
    delivery_id: int,
    status_code: int | None,
    error: str | None,
    now: dt.datetime,
) -> Outcome:
    with database.write() as session:
        delivery = session.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        delivery.attempts += 1
        delivery.last_status_code = status_code
        delivery.last_error = error
        if error is None:
            delivery.status = DELIVERED
            delivery.delivered_at = now
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = FAILED
        else:
            delivery.next_attempt_at = now + backoff(delivery.attempts)
        return Outcome(
            delivery_id=delivery.id,
            status=delivery.status,
            attempts=delivery.attempts,
            status_code=status_code,
            error=error,
            next_attempt_at=delivery.next_attempt_at if delivery.status == PENDING else None,
        )
