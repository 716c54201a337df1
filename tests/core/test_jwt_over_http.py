"""A signed JWT from the identity provider signs a request in, end to end over HTTP."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from core.app import create_app
from core.database import Database
from core.demo import DemoInspection
from core.settings import JwtSettings, Settings
from tests.helpers.graphql import GraphQLClient


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
        "jtai_role": "inspector",
    }
    token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})

    data = gql("{ inspections { edges { node { reference } } } }", token=token).ok()
    assert data == {"inspections": {"edges": [{"node": {"reference": "JTAI-DEMO-001"}}]}}
    forged = jwt.encode({**claims, "aud": "other"}, key, algorithm="RS256", headers={"kid": "k1"})
    assert gql("{ inspections { totalCount } }", token=forged).status == 401
