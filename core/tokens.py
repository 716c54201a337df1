"""Bearer tokens: random, shown once, stored only as a SHA-256 hash, with an expiry."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.events import notify_revoked
from core.models import Agency, ApiToken, Inspector, utc_now
from core.viewer import ANONYMOUS, Role, Viewer

TOKEN_PREFIX = "jtai_"


class TokenError(ValueError):
    """A token cannot be created as asked."""


@dataclass(frozen=True, slots=True)
class IssuedToken:
    id: int
    token: str  # the secret: shown to the person once, never stored
    expires_at: dt.datetime


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session,
    *,
    role: Role,
    label: str,
    expires_in: dt.timedelta,
    inspector_id: int | None = None,
    agency_id: int | None = None,
) -> IssuedToken:
    """Issue a token for a role; inspectors and agency users are bound to who they are."""
    if role is Role.INSPECTOR and (
        inspector_id is None or session.get(Inspector, inspector_id) is None
    ):
        raise TokenError(
            f"role 'inspector' needs an existing inspector; got inspector id {inspector_id!r}. "
            "Pass --inspector with the id from 'jtai inspectors'."
        )
    if role is Role.AGENCY_USER and (agency_id is None or session.get(Agency, agency_id) is None):
        raise TokenError(
            f"role 'agency_user' needs an existing agency; got agency id {agency_id!r}. "
            "Pass --agency with an agency id."
        )
    if role in (Role.ADMIN, Role.INTEGRATOR) and (inspector_id or agency_id):
        raise TokenError(f"role {role.value!r} is not bound to an inspector or an agency.")
    if expires_in <= dt.timedelta(0):
        raise TokenError(f"expiry must be in the future; got {expires_in}.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        token_hash=hash_token(secret),
        label=label,
        role=role.value,
        inspector_id=inspector_id,
        agency_id=agency_id,
        expires_at=utc_now() + expires_in,
    )
    session.add(row)
    session.flush()
    return IssuedToken(id=row.id, token=secret, expires_at=row.expires_at)


def revoke_token(session: Session, token_id: int) -> bool:
    row = session.get(ApiToken, token_id)
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utc_now()
    notify_revoked(session, token_id)  # its open subscriptions close at once (PostgreSQL)
    return True


def viewer_for_token(session: Session, token: str | None) -> Viewer:
    """The viewer a bearer token stands for; anonymous if it is unknown, expired or revoked."""
    if not token or not token.startswith(TOKEN_PREFIX):
        return ANONYMOUS
    row = session.execute(
        select(ApiToken, Inspector.inspectorate, Agency.area_id)
        .outerjoin(Inspector, Inspector.id == ApiToken.inspector_id)
        .outerjoin(Agency, Agency.id == ApiToken.agency_id)
        .where(ApiToken.token_hash == hash_token(token))
    ).one_or_none()
    if row is None:
        return ANONYMOUS
    api_token, inspectorate, area_id = row
    if api_token.revoked_at is not None or api_token.expires_at <= utc_now():
        return ANONYMOUS
    return Viewer(
        role=Role(api_token.role),
        token_id=api_token.id,
        inspector_id=api_token.inspector_id,
        inspectorate=inspectorate,
        agency_id=api_token.agency_id,
        area_id=area_id,
        expires_at=api_token.expires_at,
    )
