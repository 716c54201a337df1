"""Bulk inserts: COPY on PostgreSQL, the driver's executemany on SQLite."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import JSON, Boolean, Connection, Date, Integer, String, Table, insert

from core.models import Base
from core.synthetic.distributions import iso

BATCH = 5_000  # rows per executemany call


def json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def table_named(name: str) -> Table:
    return Base.metadata.tables[name]


class Writer:
    """Bulk inserts on one connection, counting rows per table.

    PostgreSQL (psycopg): COPY, in the connection's transaction (its executemany sends one INSERT
    per row, several times slower). SQLite: the driver's executemany for tables of integer, text,
    boolean, date and JSON columns, converting values as SQLAlchemy's types store them (dates as
    ISO text, JSON as text) without its per-row parameter processing; SQLAlchemy Core for the rest.
    """

    PLAIN = (Integer, String, Boolean, Date, JSON)

    def __init__(self, connection: Connection, counts: dict[str, int]) -> None:
        self.connection = connection
        self.counts = counts
        self.rows = 0

    def _count(self, name: str, rows: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + rows
        self.rows += rows

    def insert(self, name: str, rows: Sequence[Mapping[str, Any]]) -> None:
        if not rows:
            return
        table = table_named(name)
        columns = list(rows[0])
        if self.connection.dialect.driver == "psycopg":
            self._copy(table, columns, rows)
        elif all(isinstance(table.c[c].type, self.PLAIN) for c in columns):
            self._executemany(table, columns, rows)
        else:
            for start in range(0, len(rows), BATCH):
                self.connection.execute(insert(table), list(rows[start : start + BATCH]))
        self._count(name, len(rows))

    def _executemany(
        self, table: Table, columns: list[str], rows: Sequence[Mapping[str, Any]]
    ) -> None:
        quote = self.connection.dialect.identifier_preparer.quote  # 'values' is a keyword
        plan = [
            (c, json_text if isinstance(kind, JSON) else iso if isinstance(kind, Date) else None)
            for c in columns
            for kind in [table.c[c].type]
        ]
        names = ", ".join(quote(column) for column in columns)
        marks = ", ".join("?" for _ in columns)
        statement = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})"
        for start in range(0, len(rows), BATCH):
            batch = [
                tuple(row[c] if f is None else f(row[c]) for c, f in plan)
                for row in rows[start : start + BATCH]
            ]
            self.connection.exec_driver_sql(statement, batch)

    def _copy(self, table: Table, columns: list[str], rows: Sequence[Mapping[str, Any]]) -> None:
        quote = self.connection.dialect.identifier_preparer.quote
        plan = [(c, json_text if isinstance(table.c[c].type, JSON) else None) for c in columns]
        names = ", ".join(quote(column) for column in columns)
        driver = self.connection.connection.driver_connection
        assert driver is not None
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row([row[c] if f is None else f(row[c]) for c, f in plan])

    def insert_ids(self, name: str, rows: Sequence[Mapping[str, Any]]) -> list[int]:
        """Insert and return the new ids in the order of ``rows``."""
        if not rows:
            return []
        table = table_named(name)
        ids: list[int] = []
        for start in range(0, len(rows), BATCH):
            statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
            result = self.connection.execute(statement, list(rows[start : start + BATCH]))
            ids.extend(result.scalars())
        self._count(name, len(rows))
        return ids
