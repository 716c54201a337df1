"""Database migrations with Alembic, run from code (``jtai db upgrade``) rather than alembic.ini.

Alembic is imported inside the functions: importing this module costs nothing, so a command that
may or may not migrate (``jtai serve`` migrates only with ``--demo``) loads Alembic only when it
does.

Migrations run one at a time per database, whoever starts them (two deploy steps, or several
servers started with ``--demo``): on PostgreSQL under a transaction-level advisory lock taken
before Alembic reads ``alembic_version``; on SQLite under an exclusive lock on a file beside the
database (``<file>.migrate-lock``), held for the whole upgrade. The second upgrade waits, then
finds the schema current and does nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import make_url, text

from core.database import Database

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# pg_advisory_xact_lock's key: any constant no other lock of this database uses ("jtaimig1").
MIGRATION_LOCK_KEY = 0x6A7461696D696731


def alembic_config(database: Database) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database.url.replace("%", "%%"))
    return config


def upgrade(database: Database, revision: str = "head") -> None:
    """Bring the database's schema up to ``revision`` (the newest by default)."""
    from alembic import command

    config = alembic_config(database)
    with _sqlite_file_lock(database), database.engine.begin() as connection:
        if not database.is_sqlite:
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


@contextmanager
def _sqlite_file_lock(database: Database) -> Iterator[None]:
    """An exclusive lock on ``<database file>.migrate-lock``, waited for; none for PostgreSQL or
    an in-memory database, which no other process can open."""
    path = make_url(database.url).database if database.is_sqlite else None
    if not path or path == ":memory:":
        yield
        return
    import fcntl

    with Path(f"{path}.migrate-lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, even on a crash
        yield


def current_revision(database: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(database: Database) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(database)).get_current_head()
