"""A front end polling one request's status: a small query, repeated, through the real schema.

Subject: the production schema, whose depth, alias and token limits are shared instances, so the
validation cache hits. Baselines in the same run: the same schema with no limits at all (the least
validation can cost), and with the limits built anew per request (the trap STACK.md measured:
a new rule per request defeats the validation cache).
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import strawberry
from strawberry.extensions import (
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)

from benchmarks.harness import Result, measure
from core.database import Database
from core.demo import load_demo
from core.graphql.context import Context
from core.graphql.evidence import RecordEvidencePayload
from core.graphql.extensions import AuditTrail, MaskUnexpectedErrors
from core.graphql.schema import BuiltSchema, Schema, build_schema
from core.migrate import upgrade
from core.plugins import make_plugin_manager
from core.registry import build_registry
from core.settings import Settings
from core.tokens import create_token, viewer_for_token
from core.viewer import Role

QUERY = "query Poll($id: ID!) { node(id: $id) { id ... on Inspection { reference } } }"


def _variant(built: BuiltSchema, extensions: list[Any]) -> Schema:
    schema = built.schema
    return Schema(
        query=schema.query,
        mutation=schema.mutation,
        types=[*built.evidence_types.output_types, RecordEvidencePayload],
        extensions=[*extensions, MaskUnexpectedErrors, AuditTrail],
        config=schema.config,
    )


def run(quick: bool) -> list[Result]:
    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(database_url=f"sqlite:///{Path(directory) / 'bench.db'}")
        database = Database(settings.database_url)
        upgrade(database)
        with database.write() as session:
            demo = load_demo(session)
        registry = build_registry(make_plugin_manager())
        built = build_schema(registry, settings)
        with database.write() as session:
            token = create_token(
                session,
                role=Role.INSPECTOR,
                label="bench",
                expires_in=dt.timedelta(hours=1),
                inspector_id=demo.lead_inspector_id,
            ).token
        with database.session() as session:
            viewer = viewer_for_token(session, token)
        variables = {"id": base64.b64encode(f"Inspection:{demo.inspection_id}".encode()).decode()}

        loop = asyncio.new_event_loop()  # one loop for every run, as in a server process

        def executor(schema: strawberry.Schema) -> Any:
            def execute() -> None:
                context = Context(
                    viewer, registry, database, settings, evidence_types=built.evidence_types
                )
                try:
                    result = loop.run_until_complete(
                        schema.execute(QUERY, variable_values=variables, context_value=context)
                    )
                    assert not result.errors, result.errors
                finally:
                    context.close()

            return execute

        no_limits = _variant(built, [lambda: ParserCache(), lambda: ValidationCache()])
        per_request = _variant(
            built,
            [
                lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
                lambda: QueryDepthLimiter(max_depth=settings.max_query_depth),
                lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
                lambda: ParserCache(),
                lambda: ValidationCache(),
            ],
        )
        runs = 200 if quick else 2000
        subject = measure(executor(built.schema), runs)
        baseline = measure(executor(no_limits), runs)
        trap = measure(executor(per_request), runs)
        loop.close()
        database.dispose()
    return [
        Result("small query, limits shared", subject, baseline, "no limits"),
        Result(
            "small query, limits per request",
            trap,
            baseline,
            "no limits",
            note="the configuration to avoid: each request builds new rules, so validation is "
            "never cached",
        ),
    ]
