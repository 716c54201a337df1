"""A signed JWT from the identity provider signs a request in, end to end over HTTP."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import func, select

from core.app import create_app
from core.database import Database
from core.demo import DemoInspection
from core.models import AuditEvent
from core.settings import JwtSettings, Settings
from core.viewer import Role
from tests.helpers.graphql import GraphQLClient, TokenFactory


def test_an_identity_provider_token_reads_the_lead_inspectors_inspection(
    tmp_path: Path, database: Database, demo: DemoInspection
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    keys_file = tmp_path / "jwks.json"
    keys_file.write_text(json.dumps({"keys": [{**public, "kid": "k1", "use": "sig"}]}))
    settings = Settings(
        database_url=database.url,
        jwt=JwtSettings(issuer="https://idp.example.org", audience="jtai", keys_file=keys_file),
    )
    gql = GraphQLClient(create_app(settings, database=database), database)
    now = dt.datetime.now(dt.UTC)
    claims = {
        "iss": "https://idp.example.org",
        "aud": "jtai",
        "exp": now + dt.timedelta(minutes=5),
        "email": "alex.demo-lead@example.org",
        "email_verified": True,
        "jtai_role": "inspector",
    }
    token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})

    data = gql("{ inspections { edges { node { reference } } } }", token=token).ok()
    assert data == {"inspections": {"edges": [{"node": {"reference": "JTAI-DEMO-001"}}]}}
    forged = jwt.encode({**claims, "aud": "other"}, key, algorithm="RS256", headers={"kid": "k1"})
    assert gql("{ inspections { totalCount } }", token=forged).status == 401


def test_the_audit_names_each_identity_provider_user_and_our_tokens_by_id(
    tmp_path: Path, database: Database, demo: DemoInspection, make_token: TokenFactory
) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    keys_file = tmp_path / "jwks.json"
    keys_file.write_text(json.dumps({"keys": [{**public, "kid": "k1", "use": "sig"}]}))
    issuer = "https://idp.example.org"
    settings = Settings(
        database_url=database.url,
        jwt=JwtSettings(issuer=issuer, audience="jtai", keys_file=keys_file),
    )
    gql = GraphQLClient(create_app(settings, database=database), database)
    now = dt.datetime.now(dt.UTC)

    def token(**claims: object) -> str:
        base = {"iss": issuer, "aud": "jtai", "exp": now + dt.timedelta(minutes=5)}
        return jwt.encode({**base, **claims}, key, algorithm="RS256", headers={"kid": "k1"})

    with database.session() as session:
        start = session.scalar(select(func.max(AuditEvent.id))) or 0
    issue = 'mutation Issue { issueToken(input: {role: INTEGRATOR, label: "x"}) { token } }'
    for subject in ("admin-a", "admin-b"):
        gql(issue, token=token(sub=subject, jtai_role="admin")).ok()
    lead = token(
        sub="lead-1",
        email="alex.demo-lead@example.org",
        email_verified=True,
        jtai_role="inspector",
    )
    gql("query Read { inspections { nodes { children { nodes { id } } } } }", token=lead).ok()
    unverified = token(sub="lead-1", email="alex.demo-lead@example.org", jtai_role="inspector")
    assert gql("{ inspections { totalCount } }", token=unverified).status == 401
    ours = make_token(Role.ADMIN)
    gql(issue, token=ours).ok()

    with database.session() as session:
        events = list(
            session.scalars(select(AuditEvent).where(AuditEvent.id > start).order_by(AuditEvent.id))
        )
    who = [(e.actor_issuer, e.actor_subject, e.actor_email, e.token_id is None) for e in events]
    assert who == [
        (issuer, "admin-a", None, True),
        (issuer, "admin-b", None, True),
        (issuer, "lead-1", "alex.demo-lead@example.org", True),
        (None, None, None, False),
    ]
    assert events[2].inspector_id is not None and "Child" in events[2].touched
