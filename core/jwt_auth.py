"""Sign-in with JWTs from an identity provider, verified against public keys in a local file.

Keys are read once, at start-up, from a JWKS or a PEM public key: nothing is fetched over the
network, so a request never waits on (or can be steered through) the identity provider.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

import jwt
from cryptography.hazmat.primitives.asymmetric.ec import (
    SECP256R1,
    SECP384R1,
    EllipticCurvePublicKey,
)
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import Agency, Inspector
from core.settings import JwtSettings, SettingsError
from core.tokens import TOKEN_PREFIX
from core.viewer import ANONYMOUS, Role, Viewer

logger = logging.getLogger(__name__)

# Asymmetric only: a verifier holding a public key must never accept HS* (anyone can read the key
# and sign with it as an HMAC secret) nor "none".
ACCEPTED_ALGORITHMS: Final = ("RS256", "RS384", "RS512", "ES256", "ES384", "PS256")
LEEWAY_SECONDS: Final = 30
MIN_RSA_BITS: Final = 2048

_RSA_ALGORITHMS: Final = ("RS256", "RS384", "RS512", "PS256")
_EC_ALGORITHMS: Final = {SECP256R1.name: ("ES256",), SECP384R1.name: ("ES384",)}
_JWK_PRIVATE_MEMBERS: Final = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth"})

PublicKey = RSAPublicKey | EllipticCurvePublicKey


@dataclass(frozen=True, slots=True)
class _Key:
    """A public key and the algorithms it may verify, fixed by the key, never by the token."""

    key: PublicKey
    algorithms: tuple[str, ...]


class _Rejected(Exception):
    """A JWT that is well formed but does not sign anyone in; the message is safe to log."""


class JwtVerifier:
    """Turns a provider's JWT into a Viewer; keys are parsed once so a bad file fails at start."""

    def __init__(self, settings: JwtSettings) -> None:
        self.settings = settings
        self._single: _Key | None = None  # a PEM key, or a JWKS of one key without a kid
        self._by_kid: dict[str, _Key] = {}
        path = settings.keys_file
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise _bad_file(path, f"cannot be read ({type(error).__name__})") from None
        stripped = text.lstrip()
        if stripped.startswith("{"):
            self._load_jwks(stripped)
        elif stripped.startswith("-----BEGIN"):
            self._single = _pem_key(path, stripped.encode())
        else:
            raise _bad_file(path, "is neither a JWKS (JSON) nor a PEM public key")

    def _load_jwks(self, text: str) -> None:
        path = self.settings.keys_file
        try:
            document = json.loads(text)
        except ValueError:
            raise _bad_file(path, "is not valid JSON") from None
        members = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(members, list) or not members:
            raise _bad_file(path, 'has no "keys" list: a JWKS looks like {"keys": [...]}')
        keys: list[tuple[str | None, _Key]] = []
        for index, member in enumerate(members):
            if not isinstance(member, dict):
                raise _bad_file(path, f"has keys[{index}] that is not a JSON object")
            parsed = _jwk_key(path, index, member)
            if parsed is not None:
                kid = member.get("kid")
                if kid is not None and not isinstance(kid, str):
                    raise _bad_file(path, f'has keys[{index}] with a "kid" that is not a string')
                keys.append((kid, parsed))
        if not keys:
            raise _bad_file(
                path,
                "has no signing key this app verifies "
                f"(RSA of {MIN_RSA_BITS}+ bits, or EC P-256/P-384)",
            )
        if len(keys) == 1 and keys[0][0] is None:
            self._single = keys[0][1]
            return
        for kid, key in keys:
            if kid is None:
                raise _bad_file(path, 'has several signing keys: give each one a "kid"')
            if kid in self._by_kid:
                raise _bad_file(path, f'has two keys with "kid" {kid!r}: kids must be unique')
            self._by_kid[kid] = key

    def viewer(self, session: Session, token: str) -> Viewer | None:
        """The viewer a JWT stands for: None if ``token`` is no JWT (so the caller tries its own
        tokens), ANONYMOUS if it is a JWT that fails any check."""
        if token.startswith(TOKEN_PREFIX) or not token.isascii():
            return None
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError:
            return None  # not the shape of a JWT at all
        except jwt.InvalidTokenError as error:
            return _reject(type(error).__name__)
        try:
            claims = self._verified_claims(token, header)
            return _viewer_for_claims(session, self.settings, claims)
        except jwt.InvalidTokenError as error:
            return _reject(type(error).__name__)
        except _Rejected as error:
            return _reject(str(error))

    def _verified_claims(self, token: str, header: dict[str, Any]) -> dict[str, Any]:
        key = self._key_for(header.get("kid"))
        if key is None:
            raise _Rejected("no key with the token's kid")
        claims: dict[str, Any] = jwt.decode(
            token,
            key.key,
            algorithms=list(key.algorithms),
            audience=self.settings.audience,
            issuer=self.settings.issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iss", "aud"]},
        )
        return claims

    def _key_for(self, kid: object) -> _Key | None:
        if self._single is not None:
            return self._single
        if kid is None and len(self._by_kid) == 1:
            return next(iter(self._by_kid.values()))
        return self._by_kid.get(kid) if isinstance(kid, str) else None


def _viewer_for_claims(session: Session, settings: JwtSettings, claims: dict[str, Any]) -> Viewer:
    """Map verified claims to a viewer, with the token's expiry (``exp``, required)."""
    viewer = _viewer_for_role(session, settings, claims)
    return dataclasses.replace(
        viewer, expires_at=dt.datetime.fromtimestamp(int(claims["exp"]), dt.UTC)
    )


def _viewer_for_role(session: Session, settings: JwtSettings, claims: dict[str, Any]) -> Viewer:
    """Every role that names someone must name a real row."""
    raw_role = claims.get(settings.role_claim)
    try:
        role = Role(raw_role) if isinstance(raw_role, str) else None
    except ValueError:
        role = None
    if role is None:
        raise _Rejected("missing or unknown role claim")
    # Who this is, for the audit trail: the issuer and subject name the person at the provider.
    subject = claims.get("sub")
    who = Viewer(
        role=role,
        issuer=str(claims["iss"]),
        subject=subject if isinstance(subject, str) else None,
    )
    if role is Role.INSPECTOR:
        email, inspector = _inspector_by_email(session, settings, claims)
        return replace(
            who, inspector_id=inspector.id, inspectorate=inspector.inspectorate, email=email
        )
    if role is Role.AGENCY_USER:
        agency_id = _agency_id(claims.get(settings.agency_claim))
        agency = session.get(Agency, agency_id) if agency_id is not None else None
        if agency is None:
            raise _Rejected("agency claim names no agency")
        return replace(who, agency_id=agency.id, area_id=agency.area_id)
    return who


def _email_verified(settings: JwtSettings, claims: dict[str, Any]) -> bool:
    """``email_verified`` true (some providers send the string "true"); when the provider never
    sends it (JTAI_JWT_REQUIRE_EMAIL_VERIFIED=0), its absence is accepted, but never false."""
    verified = claims.get("email_verified")
    if verified is None:
        return not settings.require_email_verified
    return verified is True or verified == "true"


def _inspector_by_email(
    session: Session, settings: JwtSettings, claims: dict[str, Any]
) -> tuple[str, Inspector]:
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise _Rejected("inspector token without an email claim")
    if not _email_verified(settings, claims):
        raise _Rejected("email not verified by the identity provider")
    # ASCII case only: Unicode case folding would let a look-alike address (such as one with
    # the Kelvin sign for 'k') match another inspector's.
    wanted = _ascii_lower(email)
    rows = session.scalars(select(Inspector).where(func.lower(Inspector.email) == wanted)).all()
    matches = [row for row in rows if _ascii_lower(row.email) == wanted]
    if len(matches) != 1:
        raise _Rejected("email claim matches no single inspector")
    return email, matches[0]


def _agency_id(value: object) -> int | None:
    """Providers often send custom claims as strings, so "12" is as good as 12."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return None


_ASCII_LOWER: Final = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _ascii_lower(text: str) -> str:
    return text.translate(_ASCII_LOWER)


def _reject(reason: str) -> Viewer:
    """Log why, never what: the reason names a check, not a claim's value or the token."""
    logger.debug("JWT rejected: %s", reason)
    return ANONYMOUS


def _jwk_key(path: Path, index: int, member: dict[str, Any]) -> _Key | None:
    """One JWKS member as a key; None for members that are not for us (encryption keys, curves
    we do not verify), an error for members that must never be in a public key file."""
    kty = member.get("kty")
    if kty == "oct":
        raise _bad_file(
            path, f"has a symmetric (oct) key at keys[{index}]: publish only asymmetric public keys"
        )
    if _JWK_PRIVATE_MEMBERS & member.keys():
        raise _bad_file(
            path, f"has private key material at keys[{index}]: publish only the public key"
        )
    if member.get("use", "sig") != "sig":
        return None
    declared = member.get("alg")
    if declared is not None and declared not in ACCEPTED_ALGORITHMS:
        return None
    try:
        if kty == "RSA":
            key: object = RSAAlgorithm.from_jwk(member)
        elif kty == "EC":
            key = ECAlgorithm.from_jwk(member)
        else:
            return None
    except (jwt.PyJWTError, ValueError, TypeError) as error:
        raise _bad_file(
            path, f"has an invalid {kty} key at keys[{index}] ({str(error).rstrip('.')})"
        ) from None
    if not isinstance(key, RSAPublicKey | EllipticCurvePublicKey):
        raise _bad_file(path, f"has keys[{index}] that is not a public key")
    algorithms = _algorithms_for(path, key)
    if not algorithms:
        return None
    if declared is not None:
        if declared not in algorithms:
            raise _bad_file(
                path, f"has keys[{index}] declaring alg {declared!r}, which its key cannot do"
            )
        algorithms = (declared,)
    return _Key(key, algorithms)


def _pem_key(path: Path, data: bytes) -> _Key:
    if b"PRIVATE KEY" in data:
        raise _bad_file(path, "holds a private key: give the identity provider's public key")
    if b"CERTIFICATE" in data:
        raise _bad_file(
            path, "holds a certificate: extract its key with 'openssl x509 -pubkey -noout'"
        )
    try:
        key = load_pem_public_key(data)
    except ValueError:
        raise _bad_file(path, "is not a valid PEM public key") from None
    if not isinstance(key, RSAPublicKey | EllipticCurvePublicKey):
        raise _bad_file(path, "holds a key type this app does not verify: use RSA or EC")
    algorithms = _algorithms_for(path, key)
    if not algorithms:
        raise _bad_file(path, "holds an EC key on a curve this app does not verify: use P-256/384")
    return _Key(key, algorithms)


def _algorithms_for(path: Path, key: PublicKey) -> tuple[str, ...]:
    if isinstance(key, RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise _bad_file(
                path, f"holds a {key.key_size}-bit RSA key: use at least {MIN_RSA_BITS} bits"
            )
        return _RSA_ALGORITHMS
    return _EC_ALGORITHMS.get(key.curve.name, ())


def _bad_file(path: Path, problem: str) -> SettingsError:
    return SettingsError(
        f"JTAI_JWT_KEYS_FILE {str(path)!r} {problem}. "
        "Point it at the identity provider's JWKS (JSON) or a PEM public key."
    )
