"""The ``jtai`` command line: serve, schema, plugins, db upgrade, demo, tokens, documents and
webhooks."""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from core.settings import Settings

if TYPE_CHECKING:
    from core.database import Database
    from core.demo_timeline import DemoWeeks

DURATION = re.compile(r"^(\d+)([mhd])$")


def _settings() -> Settings:
    return Settings.from_env()


def _migrated_database(url: str) -> Database:
    """The database at ``url``, once it is known to exist and be migrated; else one line naming
    ``jtai db upgrade`` and JTAI_DATABASE_URL (core/readiness.py), and nothing created."""
    from core.database import Database
    from core.readiness import database_problem

    problem = database_problem(url)
    if problem is not None:
        raise click.ClickException(problem)
    return Database(url)


def parse_duration(value: str) -> dt.timedelta:
    match = DURATION.match(value.strip())
    if not match:
        raise click.BadParameter(
            f"{value!r} is not a duration. Write a number and m, h or d, e.g. 30m, 12h, 7d."
        )
    amount, unit = int(match.group(1)), match.group(2)
    return {
        "m": dt.timedelta(minutes=amount),
        "h": dt.timedelta(hours=amount),
        "d": dt.timedelta(days=amount),
    }[unit]


class _Commands(click.Group):
    """Turns a plugin that breaks the contract into a one-line error, not a traceback
    (``--debug`` prints the traceback behind it too)."""

    def invoke(self, ctx: click.Context) -> object:
        from core.plugins import PluginError

        try:
            return super().invoke(ctx)
        except PluginError as error:
            if ctx.params.get("debug"):
                import traceback

                click.echo("".join(traceback.format_exception(error)), err=True)
            raise click.ClickException(f"cannot start: {error}") from None


@click.group(
    cls=_Commands, help="The JTAI graph: a GraphQL API for joint targeted area inspections."
)
@click.option("--debug", is_flag=True, help="Show the traceback behind a plugin's error.")
def main(debug: bool) -> None:
    pass


@main.command(help="Print the GraphQL schema (SDL) the installed plugins make.")
@click.option(
    "--breaking-since",
    "earlier",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Instead of the SDL, list what breaks for front ends since this earlier SDL (e.g. saved "
    "with `jtai schema > before.graphql` before upgrading a plugin); exit 1 if anything does.",
)
def schema(earlier: Path | None) -> None:
    from core.graphql.schema import build_schema, print_schema
    from core.plugins import make_plugin_manager
    from core.registry import build_registry

    printed = print_schema(build_schema(build_registry(make_plugin_manager())))
    if earlier is None:
        click.echo(printed, nl=False)
        return
    from core.schema_changes import breaking_changes, dangerous_changes

    before = earlier.read_text(encoding="utf-8")
    breaking = breaking_changes(before, printed)
    for change in dangerous_changes(before, printed):
        click.echo(f"dangerous  {change.coordinate}: {change.description}")
    for change in breaking:
        click.echo(f"BREAKING   {change.coordinate}: {change.description}")
    click.echo(
        f"{len(breaking)} breaking change(s) since {earlier}"
        + (
            ": front ends must change their operations, or the plugin keeps the old names "
            "(@deprecated) for a release."
            if breaking
            else "."
        )
    )
    if breaking:
        raise SystemExit(1)


@main.group(
    invoke_without_command=True,
    help="List each plugin, its version and what it contributes, after every check 'jtai serve' "
    "runs at start-up (the GraphQL schema included).",
)
@click.pass_context
def plugins(ctx: click.Context) -> None:
    if ctx.invoked_subcommand is not None:
        return
    from core.graphql.schema import build_schema
    from core.plugins import make_plugin_manager
    from core.registry import build_registry

    registry = build_registry(make_plugin_manager())
    build_schema(registry)
    for info in registry.plugins:
        who = (
            f"{info.inspectorate.short_name} ({info.inspectorate.code})"
            if info.inspectorate
            else "-"
        )
        click.echo(f"{info.name} {info.version or '(not installed from a distribution)'}: {who}")
        if info.inspectorate:
            click.echo(f"  frameworks: {', '.join(info.inspectorate.frameworks)}")
        for kind, count in info.contributions:
            click.echo(f"  {kind.replace('_', ' ')}: {count}")


@plugins.command(
    "check",
    help="Run the plugin contract's checks against the installed plugins (or plugin NAME): it "
    "starts, it has a README.md saying where its content comes from, thin hooks, and it "
    "contributes to a framework. Works from any directory.",
)
@click.argument("name", required=False)
def plugins_check(name: str | None) -> None:
    from core.plugin_check import check_plugins

    results = check_plugins(name)
    for result in results:
        click.echo(result.line())
    failed = sum(not r.ok for r in results)
    if failed:
        raise click.ClickException(f"{failed} of {len(results)} checks failed.")
    click.echo(f"All {len(results)} checks passed.")


@main.group(help="Database commands.")
def db() -> None:
    pass


@db.command("upgrade", help="Create or migrate the database to the newest schema.")
def db_upgrade() -> None:
    from core.database import Database
    from core.migrate import current_revision, upgrade

    settings = _settings()
    database = Database(settings.database_url)
    upgrade(database)
    click.echo(f"Database at revision {current_revision(database)}: {_safe_url(database.url)}")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@main.command(
    help="Load the synthetic demo inspection (migrating the database first): notified a few "
    "working days ago, its lists uploaded, requests received, late and overdue, 20 children "
    "selected and 6 tracked, evidence, published findings and the letter."
)
@click.option("--token/--no-token", default=True, help="Issue a lead inspector token for it.")
def demo(token: bool) -> None:
    from core.database import Database
    from core.migrate import upgrade

    database = Database(_settings().database_url)
    upgrade(database)
    with database.write() as session:
        weeks = _load_demo_weeks(session)
    loaded = weeks.demo
    click.echo(("Loaded" if loaded.created else "Found") + " the demo inspection JTAI-DEMO-001.")
    if loaded.created:
        click.echo(
            f"Issued {weeks.requests} requests, uploaded {weeks.lists} lists, selected "
            f"{weeks.selected} children and tracked {weeks.tracked}."
        )
    if weeks.findings:
        click.echo(f"Published {weeks.findings} demo findings and the demo report.")
    if token:
        secret = _issue_lead_token(database, loaded.lead_inspector_id)
        click.echo(f"Lead inspector token (12 hours): {secret}")


def _load_demo_weeks(session: object) -> DemoWeeks:
    """The demo part way through its three weeks (core/demo_timeline.py)."""
    from sqlalchemy.orm import Session

    from core.demo_timeline import load_demo_weeks
    from core.plugins import make_plugin_manager
    from core.registry import build_registry

    assert isinstance(session, Session)
    return load_demo_weeks(session, build_registry(make_plugin_manager()))


def _issue_lead_token(database: object, inspector_id: int) -> str:
    from core.database import Database
    from core.tokens import create_token
    from core.viewer import Role

    assert isinstance(database, Database)
    with database.write() as session:
        issued = create_token(
            session,
            role=Role.INSPECTOR,
            label="demo lead inspector",
            expires_in=dt.timedelta(hours=12),
            inspector_id=inspector_id,
        )
    return issued.token


@main.command(
    help="Write synthetic inspections at national scale (migrating the database first): areas, "
    "teams, Annex A lists, selections, evidence and published findings. Seeded and reproducible; "
    "never real people."
)
@click.option("--inspections", default=150, show_default=True, type=click.IntRange(1, 999))
@click.option("--seed", default=2016, show_default=True, type=click.IntRange(0, 999_999))
@click.option(
    "--scale",
    default="real",
    show_default=True,
    type=click.Choice(["small", "real", "large"]),
    help="small: a fortieth of a real area (tests, CI); large: three times one.",
)
@click.option("--database", "database_url", help="Database URL; default JTAI_DATABASE_URL.")
def generate(inspections: int, seed: int, scale: str, database_url: str | None) -> None:
    from core.database import Database
    from core.migrate import upgrade
    from core.plugins import make_plugin_manager
    from core.registry import build_registry
    from core.synthetic import GeneratedInspection, GenerateError, Scale
    from core.synthetic import generate as generate_data

    database = Database(database_url or _settings().database_url)
    upgrade(database)

    def progress(done: GeneratedInspection) -> None:
        click.echo(
            f"{done.number:>4}/{inspections} {done.reference}: {done.children:,} children, "
            f"{done.list_rows:,} list rows, {done.findings} findings, {done.rows:,} rows in "
            f"{done.seconds:.2f} s"
        )

    try:
        generation = generate_data(
            database,
            build_registry(make_plugin_manager()),
            inspections=inspections,
            seed=seed,
            scale=Scale(scale),
            progress=progress,
        )
    except GenerateError as error:
        raise click.ClickException(str(error)) from None
    finally:
        database.dispose()
    click.echo(generation.summary())


@main.command(help="Serve the API and GraphiQL.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--demo", "with_demo", is_flag=True, help="Migrate, load the demo and print a link.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes (uvicorn's): each builds the app from the environment's settings.",
)
def serve(host: str, port: int, with_demo: bool, workers: int) -> None:
    from core.serving import start_up_heap

    with start_up_heap():
        import uvicorn

        from core.app import create_app
        from core.database import Database

        settings = _settings()
        if not with_demo:  # --demo migrates; plain serving needs a migrated database
            _refuse_unmigrated(settings.database_url)
        database = Database(
            settings.database_url, sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms
        )
        app = create_app(settings, database=database)  # first: a broken plugin stops us here
    if with_demo:
        # Alembic and the demo are imported only when asked for: plain serving needs neither.
        from core.migrate import upgrade

        upgrade(database)
        with database.write() as session:
            loaded = _load_demo_weeks(session).demo
        secret = _issue_lead_token(database, loaded.lead_inspector_id)
        click.echo("Demo inspection JTAI-DEMO-001 is loaded (synthetic data only).")
        click.echo("Open GraphiQL, signed in as its lead inspector for 12 hours:")
        click.echo(f"  http://{host}:{port}/graphql#token={secret}")
    else:
        click.echo(f"GraphiQL: http://{host}:{port}/graphql")
    _sweep_at_start_up(database, settings)
    from core.access_log import log_config  # query strings (tokens, maybe) never logged

    if workers == 1:
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level="info",
            log_config=log_config(),
            ws_max_size=settings.max_body_bytes,  # a WebSocket message: at most a request body
        )
        return
    # Several processes need the app as an import string: each worker builds it as above, from
    # the same settings in the environment. The app built above has checked the plugins.
    database.dispose()
    uvicorn.run(
        "core.serving:create_serving_app",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level="info",
        log_config=log_config(),
        ws_max_size=settings.max_body_bytes,
    )


def _refuse_unmigrated(url: str) -> None:
    """Refuse an unmigrated database in one line, after the plugins are checked (a broken plugin
    is the first thing to fix)."""
    from core.readiness import database_problem

    problem = database_problem(url, unreachable_is_a_problem=False)
    if problem is not None:
        from core.plugins import make_plugin_manager
        from core.registry import build_registry

        build_registry(make_plugin_manager())
        raise click.ClickException(problem)


def _sweep_at_start_up(database: object, settings: Settings) -> None:
    """What uploads killed mid-way left in the document store goes before serving starts."""
    from sqlalchemy.exc import SQLAlchemyError

    from core.database import Database
    from core.workflow.storage import sweep_documents

    assert isinstance(database, Database)
    try:
        swept = sweep_documents(database, settings)
    except (SQLAlchemyError, OSError) as error:  # serving still starts; the sweep can run later
        click.echo(f"Documents not swept ({type(error).__name__}); run 'jtai documents sweep'.")
        return
    click.echo(f"Documents swept: {swept.summary()}.")


@main.group(help="Uploaded documents: where their bytes are stored.")
def documents() -> None:
    pass


@documents.command(
    "sweep",
    help="Remove what uploads that never finished left in the document store (temporary files, "
    "bytes no document names) once older than JTAI_SWEEP_GRACE_SECONDS, and count documents "
    "whose bytes are missing. 'jtai serve' does this at start-up; run it from cron too.",
)
def documents_sweep() -> None:
    from core.workflow.storage import sweep_documents

    settings = _settings()
    database = _migrated_database(settings.database_url)
    try:
        swept = sweep_documents(database, settings)
    finally:
        database.dispose()
    click.echo(f"Documents swept: {swept.summary()}.")
    if swept.missing:
        raise click.ClickException(
            f"{swept.missing} document(s) have no bytes in the "
            f"{settings.document_store or 'default'} store: check JTAI_DOCUMENT_STORE and "
            "JTAI_STORAGE_DIR point where they were stored."
        )


class NodeIdParam(click.ParamType[int, object]):
    """An id of ``type_name`` as the graph shows it (its global ID, e.g. ``Agency.id``) or, as
    before global IDs, the row's number."""

    name = "id"

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> int:
        from core.ids import row_id, row_of_global_id

        text = str(value).strip()
        found = row_id(text) if text.isdigit() else row_of_global_id(text, self.type_name)
        if found is None:
            self.fail(
                f"{text!r} is not the ID of a{'n' if self.type_name[0] in 'AEIOU' else ''} "
                f"{self.type_name}. Pass its {self.type_name}.id from the graph "
                "(or the row number).",
                param,
                ctx,
            )
        return found


@main.group(help="Bearer tokens: create and revoke.")
def token() -> None:
    pass


@token.command("create", help="Issue a token; it is printed once and stored only as a hash.")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["admin", "inspector", "agency_user", "integrator"]),
)
@click.option(
    "--inspector",
    "inspector_id",
    type=NodeIdParam("Inspector"),
    help="The inspector's Inspector.id from the graph, or row number (role inspector).",
)
@click.option(
    "--agency",
    "agency_id",
    type=NodeIdParam("Agency"),
    help="The agency's Agency.id from the graph, or row number (role agency_user).",
)
@click.option("--label", default="", help="Who or what the token is for.")
@click.option("--expires-in", default="12h", show_default=True, help="e.g. 30m, 12h, 7d.")
def token_create(
    role: str, inspector_id: int | None, agency_id: int | None, label: str, expires_in: str
) -> None:
    from core.tokens import TokenError, create_token
    from core.viewer import Role

    database = _migrated_database(_settings().database_url)
    try:
        with database.write() as session:
            issued = create_token(
                session,
                role=Role(role),
                label=label or role,
                expires_in=parse_duration(expires_in),
                inspector_id=inspector_id,
                agency_id=agency_id,
            )
    except TokenError as error:
        raise click.ClickException(str(error)) from None
    from core.ids import global_id

    token_id = global_id("Token", issued.id)
    click.echo(f"Token {token_id} (expires {issued.expires_at:%Y-%m-%d %H:%M} UTC):")
    click.echo(issued.token)


@token.command(
    "revoke",
    help="Revoke a token by its Token.id (as `token create` prints it) or row number; it stops "
    "working at once.",
)
@click.argument("token_id", type=NodeIdParam("Token"))
def token_revoke(token_id: int) -> None:
    from core.ids import global_id
    from core.tokens import revoke_token

    database = _migrated_database(_settings().database_url)
    with database.write() as session:
        revoked = revoke_token(session, token_id)
    if not revoked:
        raise click.ClickException(f"No active token with id {global_id('Token', token_id)}.")
    click.echo(f"Token {global_id('Token', token_id)} revoked.")


@main.command(
    help="Print an inspection's report (the letter) as HTML: the latest published version, or "
    "the draft before publication."
)
@click.argument("reference")
@click.option(
    "--version",
    "version",
    type=click.IntRange(1),
    help="A published version by number (1 for the first) instead of the latest.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the HTML to this file instead of standard output.",
)
def report(reference: str, version: int | None, output: str | None) -> None:
    from pathlib import Path

    from sqlalchemy import select

    from core.models import Inspection
    from core.plugins import make_plugin_manager
    from core.registry import build_registry
    from core.viewer import Role, Viewer
    from core.workflow.report import page_for

    registry = build_registry(make_plugin_manager())
    database = _migrated_database(_settings().database_url)
    try:
        with database.session() as session:
            found = session.scalar(select(Inspection.id).where(Inspection.reference == reference))
            if found is None:
                raise click.ClickException(
                    f"No inspection with reference {reference!r}. References look like "
                    "JTAI-DEMO-001."
                )
            page = page_for(session, registry, Viewer(role=Role.ADMIN), found, version)
    finally:
        database.dispose()
    if page is None:
        raise click.ClickException(
            f"{reference} has no published version {version}: leave out --version for the latest."
        )
    letter, html = page
    if output:
        Path(output).write_text(html, encoding="utf-8")
        if letter.version is not None:
            state = f"version {letter.version} of the"
        else:
            state = "the published" if letter.is_published else "the draft"
        click.echo(f"Wrote {state} report of {reference} to {output}.")
    else:
        click.echo(html, nl=False)


@main.group(help="Webhooks: push changes to published findings to registered receivers.")
def webhooks() -> None:
    pass


@webhooks.command(
    "deliver",
    help="Send every webhook delivery that is due, signed; failures are retried with backoff on "
    "later runs. Run it from cron, e.g. every minute.",
)
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10_000))
def webhooks_deliver(limit: int) -> None:
    from core.integrations.webhooks import deliver_due

    database = _migrated_database(_settings().database_url)
    try:
        run = deliver_due(database, limit=limit)
    finally:
        database.dispose()
    for outcome in run.outcomes:
        detail = outcome.error or f"HTTP {outcome.status_code}"
        retry = ""
        if outcome.next_attempt_at is not None:
            retry = f", next try {outcome.next_attempt_at:%Y-%m-%d %H:%M} UTC"
        click.echo(f"delivery {outcome.delivery_id}: {outcome.status} ({detail}){retry}")
    click.echo(run.summary())


@main.group(help="The audit trail: check its hash chain, export it.")
def audit() -> None:
    pass


@audit.command(
    "verify",
    help="Check the hash chain of every audit event; name the first broken link (exit 1).",
)
def audit_verify() -> None:
    from core.audit import verify_trail
    from core.database import Database

    database = Database(_settings().database_url)
    try:
        with database.session() as session:
            checked = verify_trail(session)
    finally:
        database.dispose()
    if checked.broken is not None:
        raise click.ClickException(
            f"audit trail broken at event {checked.broken.event_id}: {checked.broken.reason} "
            f"({checked.count} events read). Compare with an export or a backup."
        )
    click.echo(f"{checked.count} audit events verified; last hash {checked.last_hash}")


@audit.command("export", help="Write audit events as JSON lines, oldest first, with their hashes.")
@click.option(
    "--since",
    help="Only events at or after this UTC date or time (YYYY-MM-DD or YYYY-MM-DDTHH:MM).",
)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="File; default stdout.")
def audit_export(since: str | None, output: str | None) -> None:
    from core.audit import export_lines
    from core.database import Database

    start = _utc_moment(since) if since else None
    database = Database(_settings().database_url)
    try:
        with database.session() as session, click.open_file(output or "-", "w") as out:
            for line in export_lines(session, start):
                out.write(line + "\n")
    finally:
        database.dispose()


def _utc_moment(value: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date or time; write YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC).",
            param_hint="--since",
        ) from None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


@main.group(help="How long child-level data is kept after the letter, and its deletion.")
def retention() -> None:
    pass


@retention.command("status", help="Say what the retention setting is and what falls due when.")
def retention_status() -> None:
    from core.database import Database
    from core.models import utc_now
    from core.retention import NOT_SET, letters

    settings = _settings()
    days = settings.retention_days_after_letter
    if days is None:
        click.echo(NOT_SET)
        return
    now = utc_now()
    database = Database(settings.database_url)
    try:
        with database.session() as session:
            found = letters(session, days)
    finally:
        database.dispose()
    click.echo(
        f"Child-level data is kept {days} days after an inspection's letter is published "
        f"(JTAI_RETENTION_DAYS_AFTER_LETTER); {len(found)} published letters."
    )
    for letter in found:
        if letter.purged_at is not None:
            state = f"purged {letter.purged_at:%Y-%m-%d}"
        elif letter.purge_from <= now:
            state = "due now: run 'jtai retention purge'"
        else:
            state = f"kept until {letter.purge_from:%Y-%m-%d}"
        click.echo(f"  {letter.reference}: letter {letter.published_at:%Y-%m-%d}, {state}")


@retention.command(
    "purge",
    help="Delete the child-level data of every inspection past its retention period, one "
    "transaction each, with an audit event of the counts.",
)
@click.option("--dry-run", is_flag=True, help="Count what would be deleted; delete nothing.")
def retention_purge(dry_run: bool) -> None:
    from core.database import Database
    from core.retention import NOT_SET, purge
    from core.workflow.storage import document_store_for

    settings = _settings()
    days = settings.retention_days_after_letter
    if days is None:
        raise click.ClickException(NOT_SET)
    database = Database(settings.database_url)
    try:
        done = purge(database, document_store_for(settings), days, dry_run=dry_run)
    finally:
        database.dispose()
    verb = "Would purge" if dry_run else "Purged"
    click.echo(f"{verb} {len(done)} inspection{'s' if len(done) != 1 else ''}.")
    for purged in done:
        click.echo(f"  {purged.summary()}")


if __name__ == "__main__":
    sys.exit(main())
