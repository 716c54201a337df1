"""Is the database there and migrated? Asked by the CLI commands that use the database but do not
migrate it, before they open it, so that a cron job started in the wrong directory (no
``JTAI_DATABASE_URL``, so the default ``./var/jtai.db``) stops in one line instead of creating a
stray empty file and printing a traceback.

No Alembic here: a migrated database is one with a row in ``alembic_version`` (``jtai db upgrade``
writes it). SQLite files are opened read-only, so a missing file is never created.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from core.database import is_sqlite, normalise_url

FIX = (
    "run 'jtai db upgrade' first, with JTAI_DATABASE_URL naming the database this command "
    "should use"
)


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def database_problem(url: str, *, unreachable_is_a_problem: bool = True) -> str | None:
    """Why the database at ``url`` cannot be used yet, in one sentence naming the fix; None when
    it is migrated. ``unreachable_is_a_problem=False`` (``jtai serve``): a server started during an
    outage serves 503s until the database is back, so only a database that answers and is not
    migrated (or a SQLite file that does not exist) stops it."""
    if is_sqlite(url):
        path = make_url(url).database
        if not path or path == ":memory:":
            return None
        file = Path(path)
        if not file.is_file():
            return f"No database at {file.absolute()} ({_shown(url)}): {FIX}."
        migrated = _sqlite_is_migrated(file)
    else:
        engine = create_engine(normalise_url(url), poolclass=NullPool, hide_parameters=True)
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except DBAPIError as error:
            engine.dispose()
            if not unreachable_is_a_problem:
                return None
            return (
                f"Cannot connect to the database at {_shown(url)} "
                f"({type(error.orig).__name__}): check JTAI_DATABASE_URL, then "
                f"{FIX.removeprefix('run ')}."
            )
        try:
            with engine.connect() as connection:
                found = connection.execute(text("SELECT version_num FROM alembic_version"))
                migrated = found.first() is not None
        except SQLAlchemyError:  # no alembic_version table
            migrated = False
        finally:
            engine.dispose()
    if not migrated:
        return f"The database at {_shown(url)} is not migrated (no tables yet): {FIX}."
    return None


def _sqlite_is_migrated(file: Path) -> bool:
    try:
        connection = sqlite3.connect(f"{file.absolute().as_uri()}?mode=ro", uri=True)
        try:
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            connection.close()
    except sqlite3.Error:  # not a database, or no alembic_version table
        return False
    return row is not None
