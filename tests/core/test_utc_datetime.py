"""``UtcDateTime`` reads SQLite's stored text in one step (``core/models.py``) with the same
values SQLAlchemy's own parsing gives: UTC-aware, microseconds kept, whatever the stored form."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    Table,
    create_engine,
    insert,
    select,
    text,
)
from sqlalchemy.engine import make_url

from core.database import Database, make_engine, normalise_url
from core.integrations.feed import _fetched
from core.models import UtcDateTime

UTC = dt.UTC


def test_sqlite_datetimes_read_as_sqlalchemy_reads_them(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'dates.db'}")
    metadata = MetaData()
    table = Table("t", metadata, Column("id", Integer, primary_key=True), Column("at", UtcDateTime))
    plain = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("at", DateTime))
    metadata.create_all(engine)
    written = [
        dt.datetime(2026, 11, 24, 12, 0, tzinfo=UTC),
        dt.datetime(2026, 11, 24, 12, 30, 15, 123456, tzinfo=UTC),
        dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=1))),  # stored as UTC
        None,
    ]
    with engine.begin() as connection:
        connection.execute(insert(table), [{"id": n, "at": at} for n, at in enumerate(written)])
        # Forms another writer may have left: no fraction, a 'T', an offset, a bare date.
        for number, stored in enumerate(
            ["2026-11-24 12:00:00", "2026-11-24T12:00:00.5", "2026-11-24 13:00:00+01:00"], 10
        ):
            connection.execute(
                text("INSERT INTO t VALUES (:id, :at)"), {"id": number, "at": stored}
            )
    with engine.connect() as connection:
        read = dict(connection.execute(select(table.c.id, table.c.at)).all())
        stored_text: dict[int, object] = dict(
            connection.execute(text("SELECT id, at FROM t")).all()
        )
        naive = dict(connection.execute(select(plain.c.id, plain.c.at)).all())
    assert [read[n] for n in range(4)] == [
        w.astimezone(UTC) if w is not None else None for w in written
    ]
    assert all(v is None or v.tzinfo is UTC for v in read.values())
    assert read[10] == dt.datetime(2026, 11, 24, 12, tzinfo=UTC)
    assert read[11] == dt.datetime(2026, 11, 24, 12, 0, 0, 500000, tzinfo=UTC)
    assert read[12] == dt.datetime(2026, 11, 24, 12, tzinfo=UTC)  # the offset honoured
    # Guard the guard: what SQLite holds is text, and SQLAlchemy's parsing agrees where it can.
    assert isinstance(stored_text[1], str)
    for number in (0, 1, 2, 10):
        assert naive[number].replace(tzinfo=UTC) == read[number]


def test_a_whole_column_reads_as_value_by_value_or_refuses(tmp_path: Path) -> None:
    """``column_processor`` (SQLite, the reads of many rows in ``feed._fetched``) gives what the
    value-by-value processor gives, or raises so that the caller converts value by value: a null
    or a text with an offset of its own is never read wrong."""
    engine = create_engine(f"sqlite:///{tmp_path / 'dates.db'}")
    dialect = engine.dialect
    kind = UtcDateTime()
    whole = kind.column_processor(dialect, None)
    one = kind.dialect_impl(dialect).result_processor(dialect, None)
    assert whole is not None and one is not None
    plain = ["2026-11-24 12:00:00.000000", "2026-11-24 12:30:15.123456", "2026-11-24T12:00:00"]
    assert whole(plain) == [one(v) for v in plain]
    assert all(v.tzinfo is UTC for v in whole(plain))
    for odd in ([*plain, None], ["2026-11-24 13:00:00+01:00"], ["2026-11-24 12:00:00Z"]):
        try:
            whole(odd)
        except (TypeError, ValueError):
            continue
        raise AssertionError(f"{odd!r} was read whole")
    postgresql = create_engine("postgresql+psycopg://").dialect
    assert kind.column_processor(postgresql, 1114) is None  # timestamp without time zone
    in_utc = kind.column_processor(postgresql, 1184)  # timestamptz
    aware = dt.datetime(2026, 3, 29, 2, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert in_utc([aware]) == [aware.astimezone(UTC)] and in_utc([aware])[0].tzinfo is UTC
    try:
        in_utc([aware, None])
    except AttributeError:
        pass
    else:
        raise AssertionError("a null was read whole")


def test_a_column_already_in_utc_is_taken_as_it_is() -> None:
    """With the PostgreSQL session in UTC (core/database.py) psycopg gives ``datetime.UTC``
    values: the whole-column and value-by-value conversions hand them back unchanged (the same
    objects, so the same instants and the same ``isoformat``), and convert anything else."""
    postgresql = create_engine("postgresql+psycopg://").dialect
    kind = UtcDateTime()
    in_utc = kind.column_processor(postgresql, 1184)
    one = kind.result_processor(postgresql, 1184)
    assert in_utc is not None and one is not None
    plain = [dt.datetime(2026, 11, 24, 12, 0, n, n * 1000, tzinfo=UTC) for n in range(50)]
    assert in_utc(plain) is plain
    assert all(one(v) is v for v in plain)
    elsewhere = dt.datetime(2026, 6, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    mixed = in_utc([*plain, elsewhere])
    assert mixed == [*plain, elsewhere] and all(v.tzinfo is UTC for v in mixed)
    assert one(elsewhere) == elsewhere and one(elsewhere).tzinfo is UTC


def test_postgresql_sessions_are_in_utc_and_keep_every_instant(database: Database) -> None:
    """A connection's TimeZone is UTC, and a value written by a session in another zone (a
    literal without an offset, read in that zone, and one with its own offset) reads back as
    the same instant, in ``datetime.UTC``, through SQLAlchemy and through ``feed._fetched``."""
    if database.is_sqlite:
        pytest.skip("PostgreSQL sessions")
    table = Table(
        "utc_check", MetaData(), Column("id", Integer, primary_key=True), Column("at", UtcDateTime)
    )
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("SHOW TimeZone").scalar() == "UTC"
        connection.exec_driver_sql("CREATE TEMP TABLE utc_check (id int, at timestamptz)")
        connection.exec_driver_sql("SET TimeZone = 'Europe/London'")
        connection.exec_driver_sql(
            "INSERT INTO utc_check VALUES (1, '2026-06-01 12:00:00'), "
            "(2, '2026-12-01 12:00:00'), (3, '2026-03-29 01:30:00+05:30')"
        )
        connection.execute(
            insert(table), [{"id": 4, "at": dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC)}]
        )
        connection.exec_driver_sql("SET TimeZone = 'UTC'")
        read = dict(connection.execute(select(table.c.id, table.c.at)).all())
        fetched = _fetched(connection, select(table.c.id, table.c.at))
        whole: dict[int, dt.datetime] = {row[0]: row[1] for row in fetched}
        connection.rollback()
    expected = {
        1: dt.datetime(2026, 6, 1, 11, tzinfo=UTC),  # British Summer Time
        2: dt.datetime(2026, 12, 1, 12, tzinfo=UTC),
        3: dt.datetime(2026, 3, 28, 20, tzinfo=UTC),
        4: dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
    }
    assert read == expected and whole == expected
    for values in (read, whole):
        assert all(v.tzinfo is UTC for v in values.values())
        assert {n: v.isoformat() for n, v in values.items()} == {
            n: v.isoformat() for n, v in expected.items()
        }


def test_postgresql_options_of_the_url_and_connect_args_are_kept_with_utc(
    database: Database,
) -> None:
    """The session's UTC is added to the connection's options, never in place of those the URL
    (``?options=-csearch_path=...``, as the benchmarks use) or the caller's connect_args give."""
    if database.is_sqlite:
        pytest.skip("PostgreSQL sessions")
    url = make_url(normalise_url(database.url))
    given = url.update_query_dict({"options": "-c statement_timeout=4321"})
    for engine in (
        make_engine(given.render_as_string(hide_password=False)),
        make_engine(database.url, connect_args={"options": "-c statement_timeout=4321"}),
    ):
        try:
            with engine.connect() as connection:
                assert connection.exec_driver_sql("SHOW statement_timeout").scalar() == "4321ms"
                assert connection.exec_driver_sql("SHOW TimeZone").scalar() == "UTC"
        finally:
            engine.dispose()
