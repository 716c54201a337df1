"""Signing in costs at most one database round trip, and none for a token verified in the last
few seconds; a revoked token stops working at once in the process that revoked it, and within
JTAI_TOKEN_CACHE_SECONDS in any other.

Round trips are counted at the driver (tests/helpers/round_trips.py): statements, BEGIN, COMMIT,
ROLLBACK and pings alike. Before: a pre-ping, BEGIN, the token's SELECT and ROLLBACK (four).
"""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import update
from starlette.applications import Starlette

from core.database import Database
from core.demo import DemoInspection
from core.models import ApiToken, utc_now
from core.token_cache import forget_token
from core.tokens import hash_token
from core.viewer import Role
from tests.helpers.graphql import GraphQLClient, TokenFactory
from tests.helpers.round_trips import count_round_trips

VIEWER = "{ viewer { role } }"


def _token_id(database: Database, token: str) -> int:
    with database.session() as session:
        found = session.query(ApiToken.id).filter_by(token_hash=hash_token(token)).scalar()
        assert isinstance(found, int)
        return found


def _revoke_elsewhere(database: Database, token: str) -> None:
    """As another process does (the CLI, another worker): straight in the database."""
    with database.write() as session:
        session.execute(
            update(ApiToken)
            .where(ApiToken.token_hash == hash_token(token))
            .values(revoked_at=utc_now())
        )


def test_a_known_token_costs_one_round_trip_then_none(
    gql: GraphQLClient, database: Database, demo: DemoInspection, make_token: TokenFactory
) -> None:
    token = make_token(Role.INSPECTOR, inspector_id=demo.lead_inspector_id)
    with count_round_trips(database) as first:
        assert gql(VIEWER, token=token).ok() == {"viewer": {"role": "INSPECTOR"}}
    with count_round_trips(database) as again:
        for _ in range(3):
            assert gql(VIEWER, token=token).ok() == {"viewer": {"role": "INSPECTOR"}}
    assert first.count == 1, first.sent  # the token's SELECT: no ping, no BEGIN, no ROLLBACK
    assert "api_tokens" in first.sent[0]
    assert again.count == 0, again.sent


def test_an_unknown_token_is_looked_up_every_time(gql: GraphQLClient, database: Database) -> None:
    with count_round_trips(database) as trips:
        for _ in range(3):
            assert gql(VIEWER, token="jtai_" + "u" * 43).status == 401
    assert trips.count == 3, trips.sent  # a refusal is never remembered


def test_a_token_revoked_here_stops_working_at_once(
    gql: GraphQLClient, database: Database, make_token: TokenFactory
) -> None:
    admin = make_token(Role.ADMIN)
    issued = gql(
        'mutation { issueToken(input: {role: INTEGRATOR, label: "job", expiresInHours: 2})'
        " { tokenId token } }",
        token=admin,
    ).ok()["issueToken"]
    assert gql(VIEWER, token=issued["token"]).ok() == {"viewer": {"role": "INTEGRATOR"}}
    revoked = gql(
        "mutation($id: ID!) { revokeToken(tokenId: $id) { revoked } }",
        {"id": issued["tokenId"]},
        admin,
    ).ok()
    assert revoked == {"revokeToken": {"revoked": True}}
    assert gql(VIEWER, token=issued["token"]).status == 401  # remembered a moment ago


def test_a_token_revoked_elsewhere_stops_working_within_the_bound(
    app: Starlette, gql: GraphQLClient, database: Database, make_token: TokenFactory
) -> None:
    cache = app.state.token_cache
    token = make_token(Role.ADMIN)
    assert gql(VIEWER, token=token).ok() == {"viewer": {"role": "ADMIN"}}
    _revoke_elsewhere(database, token)
    # Still remembered: another process's revocation is not heard of here...
    assert gql(VIEWER, token=token).ok() == {"viewer": {"role": "ADMIN"}}
    real = cache.clock
    cache.clock = lambda: real() + cache.seconds  # ...until the entry's time is up
    try:
        assert gql(VIEWER, token=token).status == 401
    finally:
        cache.clock = real


def test_forget_token_makes_every_cache_of_the_process_forget_it(
    gql: GraphQLClient, database: Database, make_token: TokenFactory
) -> None:
    """What a listener for revocation notices calls."""
    token = make_token(Role.ADMIN)
    assert gql(VIEWER, token=token).ok() == {"viewer": {"role": "ADMIN"}}
    _revoke_elsewhere(database, token)
    forget_token(_token_id(database, token))
    assert gql(VIEWER, token=token).status == 401


def test_a_remembered_token_still_expires_on_time(
    gql: GraphQLClient, database: Database, make_token: TokenFactory
) -> None:
    token = make_token(Role.ADMIN, expires_in=dt.timedelta(seconds=1))
    assert gql(VIEWER, token=token).ok() == {"viewer": {"role": "ADMIN"}}
    time.sleep(1.1)  # past the token's expiry, well within the cache's seconds
    with count_round_trips(database) as trips:
        assert gql(VIEWER, token=token).status == 401
    assert trips.count == 1  # looked up again, and refused there
