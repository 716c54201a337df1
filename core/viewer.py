"""Who is asking: every request carries a Viewer, anonymous when no valid token came with it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    """What a token may do. Whether an inspector leads an inspection is a fact of its team."""

    ADMIN = "admin"  # manages areas, agencies, inspections and tokens
    INSPECTOR = "inspector"  # one inspectorate's inspector, scoped to the inspections they are on
    AGENCY_USER = "agency_user"  # one agency of one area
    INTEGRATOR = "integrator"  # published findings and reference data only


@dataclass(frozen=True, slots=True)
class Viewer:
    role: Role | None = None
    token_id: int | None = None
    inspector_id: int | None = None
    inspectorate: str | None = None
    agency_id: int | None = None
    area_id: int | None = None
    # When the token or JWT stops being accepted; not part of who the viewer is.
    expires_at: dt.datetime | None = field(default=None, compare=False)
    # Signed in with an identity provider's JWT: who it says this is, for the audit trail.
    issuer: str | None = None
    subject: str | None = None
    email: str | None = None  # the email claim an inspector was found by

    @property
    def is_authenticated(self) -> bool:
        return self.role is not None

    def describe(self) -> str:
        """For logs: the role and token id, never a name."""
        return f"{self.role.value if self.role else 'anonymous'}#{self.token_id or '-'}"


ANONYMOUS = Viewer()
