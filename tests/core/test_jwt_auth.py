"""JWT sign-in: real keys, real signatures, a real SQLite file. A token that fails any check signs
in nobody; a string that is not a JWT is left for the CLI's own tokens."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from sqlalchemy.orm import Session

from core.database import Database
from core.jwt_auth import JwtVerifier
from core.models import Agency, Base, Inspector, LocalArea
from core.settings import JwtSettings, Settings, SettingsError
from core.viewer import ANONYMOUS, Role, Viewer

ISSUER = "https://idp.example.org/realms/jtai"
AUDIENCE = "jtai-graph"
INSPECTOR_EMAIL = "Ada.Inspector@example.org"
SIGNED_BY = "user-1"  # every token's "sub" unless told otherwise


@dataclass(frozen=True)
class Keys:
    rsa: RSAPrivateKey
    ec: EllipticCurvePrivateKey
    other_rsa: RSAPrivateKey  # a key the verifier has never seen


@dataclass(frozen=True)
class Rows:
    inspector_id: int
    agency_id: int
    area_id: int


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys(
        rsa=rsa.generate_private_key(public_exponent=65537, key_size=2048),
        ec=ec.generate_private_key(ec.SECP256R1()),
        other_rsa=rsa.generate_private_key(public_exponent=65537, key_size=2048),
    )


def _public_pem(key: RSAPrivateKey | EllipticCurvePrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _settings(keys_file: Path) -> JwtSettings:
    return JwtSettings(issuer=ISSUER, audience=AUDIENCE, keys_file=keys_file)


@pytest.fixture
def jwks_file(tmp_path: Path, keys: Keys) -> Path:
    rsa_jwk = RSAAlgorithm.to_jwk(keys.rsa.public_key(), as_dict=True)
    ec_jwk = ECAlgorithm.to_jwk(keys.ec.public_key(), as_dict=True)
    document = {
        "keys": [
            {**rsa_jwk, "kid": "rsa-1", "use": "sig"},
            {**ec_jwk, "kid": "ec-1", "use": "sig", "alg": "ES256"},
        ]
    }
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(document))
    return path


@pytest.fixture
def verifier(jwks_file: Path) -> JwtVerifier:
    return JwtVerifier(_settings(jwks_file))


@pytest.fixture
def pem_verifier(tmp_path: Path, keys: Keys) -> JwtVerifier:
    path = tmp_path / "idp.pem"
    path.write_bytes(_public_pem(keys.rsa))
    return JwtVerifier(_settings(path))


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'jwt.db'}")
    Base.metadata.create_all(database.engine)
    yield database
    database.dispose()


@pytest.fixture
def rows(database: Database) -> Rows:
    with database.write() as session:
        area = LocalArea(code="E09999901", name="Testshire")
        session.add(area)
        session.flush()
        agency = Agency(area_id=area.id, kind="police", name="Testshire Police")
        inspector = Inspector(name="Ada Inspector", email=INSPECTOR_EMAIL, inspectorate="ofsted")
        session.add_all([agency, inspector])
        session.flush()
        return Rows(inspector_id=inspector.id, agency_id=agency.id, area_id=area.id)


@pytest.fixture
def session(database: Database, rows: Rows) -> Iterator[Session]:
    with database.session() as session:
        yield session


Sign = Callable[..., str]


def _claims(**overrides: Any) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC)
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-1",
        "iat": now,
        "exp": now + dt.timedelta(minutes=5),
        "jtai_role": "admin",
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


@pytest.fixture
def sign(keys: Keys) -> Sign:
    """An RS256 token from the RSA key under kid rsa-1, unless told otherwise."""

    def sign(
        key: Any = None, algorithm: str = "RS256", kid: str | None = "rsa-1", **claims: Any
    ) -> str:
        headers = {"kid": kid} if kid is not None else None
        return jwt.encode(_claims(**claims), key or keys.rsa, algorithm, headers=headers)

    return sign


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    payload = {
        n: int(v.timestamp()) if isinstance(v, dt.datetime) else v for n, v in claims.items()
    }
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"


# Signed in


def test_an_inspector_is_found_by_email_whatever_its_case(
    verifier: JwtVerifier, session: Session, rows: Rows, sign: Sign
) -> None:
    token = sign(jtai_role="inspector", email="ada.inspector@EXAMPLE.ORG", email_verified=True)
    assert verifier.viewer(session, token) == Viewer(
        role=Role.INSPECTOR,
        inspector_id=rows.inspector_id,
        inspectorate="ofsted",
        issuer=ISSUER,
        subject=SIGNED_BY,
        email="ada.inspector@EXAMPLE.ORG",
    )


@pytest.mark.parametrize("claim", ["as int", "as string"])
def test_an_agency_user_gets_the_agency_and_its_area(
    verifier: JwtVerifier, session: Session, rows: Rows, sign: Sign, claim: str
) -> None:
    agency_id: int | str = rows.agency_id if claim == "as int" else str(rows.agency_id)
    token = sign(jtai_role="agency_user", jtai_agency_id=agency_id)
    assert verifier.viewer(session, token) == Viewer(
        role=Role.AGENCY_USER,
        agency_id=rows.agency_id,
        area_id=rows.area_id,
        issuer=ISSUER,
        subject=SIGNED_BY,
    )


@pytest.mark.parametrize("role", [Role.ADMIN, Role.INTEGRATOR])
def test_admins_and_integrators_are_bound_to_no_one(
    verifier: JwtVerifier, session: Session, sign: Sign, role: Role
) -> None:
    viewer = verifier.viewer(session, sign(jtai_role=role.value))
    assert viewer == Viewer(role=role, issuer=ISSUER, subject=SIGNED_BY)
    assert viewer.token_id is None


def test_the_kid_selects_the_ec_key_of_the_jwks(
    verifier: JwtVerifier, session: Session, keys: Keys, sign: Sign
) -> None:
    token = sign(key=keys.ec, algorithm="ES256", kid="ec-1")
    assert verifier.viewer(session, token) == Viewer(
        role=Role.ADMIN, issuer=ISSUER, subject=SIGNED_BY
    )


@pytest.mark.parametrize("algorithm", ["RS384", "RS512", "PS256"])
def test_an_rsa_key_verifies_each_accepted_rsa_algorithm(
    verifier: JwtVerifier, session: Session, sign: Sign, algorithm: str
) -> None:
    assert verifier.viewer(session, sign(algorithm=algorithm)) == Viewer(
        role=Role.ADMIN, issuer=ISSUER, subject=SIGNED_BY
    )


def test_a_pem_public_key_verifies_tokens_with_or_without_a_kid(
    pem_verifier: JwtVerifier, session: Session, sign: Sign
) -> None:
    assert pem_verifier.viewer(session, sign(kid=None)) == Viewer(
        role=Role.ADMIN, issuer=ISSUER, subject=SIGNED_BY
    )
    assert pem_verifier.viewer(session, sign(kid="anything")) == Viewer(
        role=Role.ADMIN, issuer=ISSUER, subject=SIGNED_BY
    )


def test_the_viewer_carries_the_tokens_expiry(
    verifier: JwtVerifier, session: Session, sign: Sign
) -> None:
    exp = dt.datetime(2099, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    viewer = verifier.viewer(session, sign(exp=exp))
    assert viewer is not None and viewer.expires_at == exp


def test_a_token_expired_within_the_leeway_is_accepted(
    verifier: JwtVerifier, session: Session, sign: Sign
) -> None:
    exp = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=10)
    assert verifier.viewer(session, sign(exp=exp)) == Viewer(
        role=Role.ADMIN, issuer=ISSUER, subject=SIGNED_BY
    )


# Not a JWT: left for the caller


@pytest.mark.parametrize("token", ["jtai_" + "x" * 43, "not-a-token", "a.b", "", "ünï.cødé.\udcff"])
def test_a_string_that_is_no_jwt_is_left_to_the_caller(
    verifier: JwtVerifier, session: Session, token: str
) -> None:
    assert verifier.viewer(session, token) is None


# Rejected


def test_an_expired_token_is_anonymous(verifier: JwtVerifier, session: Session, sign: Sign) -> None:
    exp = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=60)
    assert verifier.viewer(session, sign(exp=exp)) == ANONYMOUS


@pytest.mark.parametrize("claim", ["exp", "iss", "aud"])
def test_a_token_missing_a_required_claim_is_anonymous(
    verifier: JwtVerifier, session: Session, keys: Keys, claim: str
) -> None:
    claims = _claims()
    del claims[claim]
    token = jwt.encode(claims, keys.rsa, "RS256", headers={"kid": "rsa-1"})
    assert verifier.viewer(session, token) == ANONYMOUS


def test_a_token_for_another_audience_is_anonymous(
    verifier: JwtVerifier, session: Session, sign: Sign
) -> None:
    assert verifier.viewer(session, sign(aud="another-app")) == ANONYMOUS


def test_a_token_from_another_issuer_is_anonymous(
    verifier: JwtVerifier, session: Session, sign: Sign
) -> None:
    assert verifier.viewer(session, sign(iss="https://idp.example.org/realms/other")) == ANONYMOUS


def test_a_token_not_yet_valid_is_anonymous(
    verifier: JwtVerifier, session: Session, sign: Sign
) -> None:
    nbf = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    assert verifier.viewer(session, sign(nbf=nbf)) == ANONYMOUS


def test_a_tampered_payload_is_anonymous(
    verifier: JwtVerifier, session: Session, sign: Sign
) -> None:
    header, _, signature = sign(jtai_role="integrator").split(".")
    forged = _unsigned({}, _claims(jtai_role="admin")).split(".")[1]
    assert verifier.viewer(session, f"{header}.{forged}.{signature}") == ANONYMOUS


def test_a_tampered_signature_is_anonymous(
    verifier: JwtVerifier, session: Session, sign: Sign
) -> None:
    head, _, signature = sign().rpartition(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[0] ^= 0x01
    assert verifier.viewer(session, f"{head}.{_b64(bytes(raw))}") == ANONYMOUS


def test_a_token_signed_by_an_unknown_key_is_anonymous(
    verifier: JwtVerifier, session: Session, keys: Keys, sign: Sign
) -> None:
    assert verifier.viewer(session, sign(key=keys.other_rsa)) == ANONYMOUS


def test_a_key_of_one_type_cannot_be_used_by_another_algorithm(
    verifier: JwtVerifier, session: Session, keys: Keys, sign: Sign
) -> None:
    """The EC key's kid with an RSA signature: the algorithms come from the key, not the token."""
    assert verifier.viewer(session, sign(kid="ec-1")) == ANONYMOUS


@pytest.mark.parametrize("algorithm", ["HS256", "HS384", "HS512"])
def test_hmac_signed_with_the_public_key_is_anonymous(
    verifier: JwtVerifier,
    pem_verifier: JwtVerifier,
    session: Session,
    keys: Keys,
    algorithm: str,
) -> None:
    """Algorithm confusion: the public key, which anyone may read, used as an HMAC secret."""
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
    for kid in ("rsa-1", None):
        header = {"alg": algorithm, "typ": "JWT", **({"kid": kid} if kid else {})}
        signing_input = _unsigned(header, _claims())
        signature = hmac.new(_public_pem(keys.rsa), signing_input.encode(), digest[algorithm])
        token = f"{signing_input}.{_b64(signature.digest())}"
        assert verifier.viewer(session, token) == ANONYMOUS
        assert pem_verifier.viewer(session, token) == ANONYMOUS


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_an_unsigned_token_is_anonymous(
    verifier: JwtVerifier, pem_verifier: JwtVerifier, session: Session, alg: str
) -> None:
    token = _unsigned({"alg": alg, "typ": "JWT", "kid": "rsa-1"}, _claims()) + "."
    assert verifier.viewer(session, token) == ANONYMOUS
    assert pem_verifier.viewer(session, token) == ANONYMOUS


def test_an_unknown_kid_is_anonymous(verifier: JwtVerifier, session: Session, sign: Sign) -> None:
    assert verifier.viewer(session, sign(kid="rotated-away")) == ANONYMOUS


def test_no_kid_with_several_keys_is_anonymous(
    verifier: JwtVerifier, session: Session, sign: Sign
) -> None:
    assert verifier.viewer(session, sign(kid=None)) == ANONYMOUS


@pytest.mark.parametrize(
    "claims",
    [
        {"jtai_role": "inspector", "email": "someone.else@example.org", "email_verified": True},
        {"jtai_role": "inspector"},
        {"jtai_role": "inspector", "email": INSPECTOR_EMAIL, "email_verified": False},
        {"jtai_role": "inspector", "email": INSPECTOR_EMAIL},
        # The Kelvin sign folds to 'k' under Unicode rules; only ASCII case is ignored.
        {
            "jtai_role": "inspector",
            "email": INSPECTOR_EMAIL.replace("r@", "r\u212a@"),
            "email_verified": True,
        },
    ],
    ids=["unknown email", "no email", "unverified email", "unsaid verified", "look-alike email"],
)
def test_an_inspector_token_naming_no_inspector_is_anonymous(
    verifier: JwtVerifier, session: Session, sign: Sign, claims: dict[str, Any]
) -> None:
    assert verifier.viewer(session, sign(**claims)) == ANONYMOUS


@pytest.mark.parametrize("agency_id", [999_999, "x1", True, None])
def test_an_agency_token_naming_no_agency_is_anonymous(
    verifier: JwtVerifier, session: Session, sign: Sign, agency_id: object
) -> None:
    token = sign(jtai_role="agency_user", jtai_agency_id=agency_id)
    assert verifier.viewer(session, token) == ANONYMOUS


@pytest.mark.parametrize("role", ["superuser", "ADMIN", "", 1, ["admin"], None])
def test_an_unknown_role_is_anonymous(
    verifier: JwtVerifier, session: Session, sign: Sign, role: object
) -> None:
    assert verifier.viewer(session, sign(jtai_role=role)) == ANONYMOUS


@pytest.mark.parametrize(
    ("verified", "found"), [(None, True), (True, True), ("true", True), (False, False)]
)
def test_providers_that_never_send_email_verified_can_be_allowed_to(
    jwks_file: Path, session: Session, rows: Rows, sign: Sign, verified: object, found: bool
) -> None:
    settings = JwtSettings(
        issuer=ISSUER, audience=AUDIENCE, keys_file=jwks_file, require_email_verified=False
    )
    token = sign(jtai_role="inspector", email=INSPECTOR_EMAIL, email_verified=verified)
    viewer = JwtVerifier(settings).viewer(session, token)
    assert viewer is not None
    assert (viewer.inspector_id == rows.inspector_id) is found


def test_the_role_is_read_from_the_configured_claim(
    jwks_file: Path, session: Session, sign: Sign
) -> None:
    settings = JwtSettings(
        issuer=ISSUER, audience=AUDIENCE, keys_file=jwks_file, role_claim="roles/jtai"
    )
    verifier = JwtVerifier(settings)
    assert verifier.viewer(session, sign(**{"roles/jtai": "integrator"})) == Viewer(
        role=Role.INTEGRATOR, issuer=ISSUER, subject=SIGNED_BY
    )
    assert verifier.viewer(session, sign()) == ANONYMOUS  # jtai_role alone is not read


def test_a_rejection_is_logged_with_the_reason_and_no_claim_value(
    verifier: JwtVerifier, session: Session, sign: Sign, caplog: pytest.LogCaptureFixture
) -> None:
    token = sign(jtai_role="inspector", email="nobody.known@example.org")
    with caplog.at_level(logging.DEBUG, logger="core.jwt_auth"):
        assert verifier.viewer(session, token) == ANONYMOUS
    assert "JWT rejected" in caplog.text
    assert "nobody.known" not in caplog.text
    assert token not in caplog.text


# Bad keys files


def _oct_jwks() -> str:
    return json.dumps({"keys": [{"kty": "oct", "k": _b64(b"s" * 32), "kid": "h"}]})


def _private_pem(keys: Keys) -> bytes:
    return keys.rsa.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _private_jwks(keys: Keys) -> str:
    return json.dumps({"keys": [RSAAlgorithm.to_jwk(keys.rsa, as_dict=True)]})


def _small_rsa_pem(keys: Keys) -> bytes:
    return _public_pem(rsa.generate_private_key(public_exponent=65537, key_size=1024))


def _p521_pem(keys: Keys) -> bytes:
    return _public_pem(ec.generate_private_key(ec.SECP521R1()))


def _two_keys_without_kids(keys: Keys) -> str:
    members = [
        RSAAlgorithm.to_jwk(k.public_key(), as_dict=True) for k in (keys.rsa, keys.other_rsa)
    ]
    return json.dumps({"keys": members})


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (lambda keys: b"", "neither a JWKS"),
        (lambda keys: b"hello", "neither a JWKS"),
        (lambda keys: b"{not json", "not valid JSON"),
        (lambda keys: b'{"keys": []}', '"keys" list'),
        (lambda keys: b"[]", "neither a JWKS"),
        (lambda keys: b'{"keys": [{"kty": "RSA", "n": "AA", "e": "AQAB", "x": 1}]}', "keys[0]"),
        (lambda keys: _oct_jwks().encode(), "symmetric"),
        (lambda keys: _private_jwks(keys).encode(), "private key material"),
        (lambda keys: _two_keys_without_kids(keys).encode(), '"kid"'),
        (lambda keys: _private_pem(keys), "private key"),
        (lambda keys: b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "PEM"),
        (_small_rsa_pem, "1024-bit"),
        (_p521_pem, "P-256"),
        (lambda keys: b"\xff\xfe\x00", "cannot be read"),
    ],
    ids=[
        "empty",
        "text",
        "bad json",
        "no keys",
        "json list",
        "bad jwk",
        "hmac secret",
        "private jwk",
        "no kids",
        "private pem",
        "bad pem",
        "small rsa",
        "p-521",
        "not utf-8",
    ],
)
def test_a_bad_keys_file_names_the_file_and_the_fix(
    tmp_path: Path, keys: Keys, content: Callable[[Keys], bytes], problem: str
) -> None:
    path = tmp_path / "keys"
    path.write_bytes(content(keys))
    with pytest.raises(SettingsError) as raised:
        JwtVerifier(_settings(path))
    message = str(raised.value)
    assert str(path) in message
    assert problem in message
    assert "JWKS" in message


def test_a_missing_keys_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "gone.json"
    with pytest.raises(SettingsError) as raised:
        JwtVerifier(_settings(path))
    assert str(path) in str(raised.value)


def test_a_jwks_of_one_key_without_a_kid_verifies_any_token(
    tmp_path: Path, keys: Keys, session: Session, sign: Sign
) -> None:
    path = tmp_path / "one.json"
    path.write_text(
        json.dumps({"keys": [RSAAlgorithm.to_jwk(keys.rsa.public_key(), as_dict=True)]})
    )
    verifier = JwtVerifier(_settings(path))
    assert verifier.viewer(session, sign(kid=None)) == Viewer(
        role=Role.ADMIN, issuer=ISSUER, subject=SIGNED_BY
    )


def test_encryption_keys_in_a_jwks_are_ignored(
    tmp_path: Path, keys: Keys, session: Session, sign: Sign
) -> None:
    signing = {**RSAAlgorithm.to_jwk(keys.rsa.public_key(), as_dict=True), "kid": "rsa-1"}
    encrypting = {
        **RSAAlgorithm.to_jwk(keys.other_rsa.public_key(), as_dict=True),
        "kid": "enc-1",
        "use": "enc",
        "alg": "RSA-OAEP",
    }
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps({"keys": [signing, encrypting]}))
    verifier = JwtVerifier(_settings(path))
    assert verifier.viewer(session, sign()) == Viewer(
        role=Role.ADMIN, issuer=ISSUER, subject=SIGNED_BY
    )
    assert verifier.viewer(session, sign(key=keys.other_rsa, kid="enc-1")) == ANONYMOUS


def test_requiring_email_verified_is_a_setting(jwks_file: Path) -> None:
    names = {
        "JTAI_JWT_ISSUER": ISSUER,
        "JTAI_JWT_AUDIENCE": AUDIENCE,
        "JTAI_JWT_KEYS_FILE": str(jwks_file),
    }
    default = Settings.from_env(names).jwt
    relaxed = Settings.from_env({**names, "JTAI_JWT_REQUIRE_EMAIL_VERIFIED": "0"}).jwt
    assert default is not None and default.require_email_verified is True
    assert relaxed is not None and relaxed.require_email_verified is False
