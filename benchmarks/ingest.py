"""Ingest (issue 7, benchmark 5): a 10,000-row Annex A list of children in need, as CSV and as XLSX,
validated by ``core.lists.read_list`` and stored by ``core.workflow.lists.record_list`` (the list
import the ``uploadList`` mutation runs, without HTTP) into a real SQLite file (WAL, synchronous
NORMAL, foreign keys on, as the app sets it). Every run stores into a fresh inspection, so each
one inserts its 10,000 children. XLSX is read through python-calamine (written with openpyxl).

The bar: the CSV import at half the speed of "a bare csv read plus executemany of the same rows"
or better (ratio <= 2). The baseline, measured in the same run: the CSV read by bare
``csv.reader`` and the same rows written by ``sqlite3.executemany`` into the same tables the import
writes (``children``, one per child, and ``list_rows``, one per row, with their indexes and
foreign keys), cells stored as written, nothing checked or converted, one transaction. That is
what benchmark 1's baseline is to the graph: raw access to the same tables, so the ratio is what
reading, validating and our code add. It is timed before and after the imports and the faster
median counts.

Two more figures, against the same bare read written instead into a fresh table of one text
column per field and no index (the reading of the bar the project used until 25 November): the
CSV import, and the floor of any import that records its children at all, the children alone,
already validated, by bare ``executemany`` into the ``children`` table. The notes split a run:
``read_list`` (and, timed apart, the parse of the file into cells), ``record_list``, the commit,
and the garbage collector's pauses.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import hashlib
import io
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any

import orjson
from openpyxl import Workbook

from benchmarks.harness import Result, Timing, measure
from core.contributions import FieldType, ListSpec
from core.database import Database
from core.lists import ListImport, read_list
from core.lists.files import read_grid
from core.migrate import upgrade
from core.models import Agency, Inspection, IssuedRequest, LocalArea
from core.plugins import make_plugin_manager
from core.registry import Registry, build_registry
from core.synthetic.lists import EXAMPLE_NOTIFICATION, export_cell, list_csv, synthetic_list
from core.workflow.lists import CHILD_FACTS, json_ready, record_list, storage_problems

ROWS = 10_000
LIST = "children-in-need"


def xlsx_bytes(spec: ListSpec, rows: list[dict[str, Any]]) -> bytes:
    """The rows as a workbook an LA might send: dates as date cells, yes/no as Y or N."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(spec.title[:31])
    sheet.append([f.label for f in spec.fields])
    for row in rows:
        sheet.append(
            [
                dt.date.fromisoformat(row[f.name])
                if f.type is FieldType.DATE and row[f.name]
                else export_cell(f, row[f.name]) or None
                for f in spec.fields
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _requests(database: Database, count: int) -> Iterator[int]:
    """``count`` fresh inspections, each with its children-in-need request to the LA."""
    ids = []
    with database.write() as session:
        for n in range(count):
            area = LocalArea(code=f"ZZ-BENCH-{n}", name=f"Bench area {n} (synthetic)")
            session.add(area)
            session.flush()
            agency = Agency(area_id=area.id, kind="local_authority", name="Bench council")
            inspection = Inspection(
                reference=f"JTAI-BENCH-{n}",
                area_id=area.id,
                framework="da-2016",
                notification_date=EXAMPLE_NOTIFICATION,
            )
            session.add_all([agency, inspection])
            session.flush()
            due = dt.datetime.combine(EXAMPLE_NOTIFICATION, dt.time(17), tzinfo=dt.UTC)
            request = IssuedRequest(
                inspection_id=inspection.id,
                reference=f"list.{LIST}",
                agency_id=agency.id,
                due_at=due,
            )
            session.add(request)
            session.flush()
            ids.append(request.id)
    return iter(ids)


class _Split:
    """Where a subject's time goes, summed over its runs: reading and validating the file (and, of
    that, parsing it into cells), storing it, committing, and the garbage collector's pauses."""

    def __init__(self, parse: Callable[[], object]) -> None:
        self.parse = parse
        self.validate = 0.0
        self.store = 0.0
        self.commit = 0.0
        self.gc = 0.0
        self.runs = 0
        self._paused_at = 0.0

    def _pause(self, phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            self._paused_at = time.perf_counter()
        else:
            self.gc += time.perf_counter() - self._paused_at

    @contextmanager
    def gc_pauses(self) -> Iterator[None]:
        gc.callbacks.append(self._pause)
        try:
            yield
        finally:
            gc.callbacks.remove(self._pause)

    def note(self) -> str:
        runs = max(self.runs, 1)
        parsing = sorted(_seconds(self.parse) for _ in range(5))[2]

        def ms(total: float) -> str:
            return f"{total / runs * 1000:.0f} ms"

        return (
            f"per run: read_list {ms(self.validate)} (parsing the file into cells "
            f"{parsing * 1000:.0f} ms), record_list {ms(self.store)}, commit {ms(self.commit)}; "
            f"GC pauses {ms(self.gc)}"
        )


def _seconds(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def _importer(
    database: Database,
    registry: Registry,
    spec: ListSpec,
    data: bytes,
    filename: str,
    requests: Iterator[int],
    split: _Split,
) -> Callable[[], None]:
    code_sets = {c.code: c for c in registry.code_sets}
    digest = hashlib.sha256(data).hexdigest()

    def run() -> None:
        start = time.perf_counter()
        result: ListImport = read_list(data, filename, spec, code_sets, as_of=EXAMPLE_NOTIFICATION)
        result.problems.extend(storage_problems(spec, result))
        assert result.accepted and len(result.rows) == ROWS, result.problems[:3]
        validated = time.perf_counter()
        with database.write() as session:
            request = session.get(IssuedRequest, next(requests))
            assert request is not None
            recorded = record_list(
                session,
                request,
                spec,
                result,
                filename=filename,
                sha256=digest,
                received_at=dt.datetime.now(dt.UTC),
            )
            assert recorded.children_added == ROWS
            stored = time.perf_counter()
        split.validate += validated - start
        split.store += stored - validated
        split.commit += time.perf_counter() - stored
        split.runs += 1

    return run


def _bare(directory: Path, data: bytes, columns: int) -> Callable[[], None]:
    """csv.reader + sqlite3.executemany into a fresh table of text columns, one transaction."""
    connection = sqlite3.connect(directory / "bare.db", isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    names = ", ".join(f"c{i} TEXT" for i in range(columns))
    marks = ", ".join("?" * columns)
    tables = (f"bare_{n}" for n in range(1_000_000))

    def run() -> None:
        table = next(tables)
        connection.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, {names})")
        cells = [f"c{i}" for i in range(columns)]
        reader = csv.reader(io.StringIO(data.decode("utf-8")))
        next(reader)  # the headers
        connection.execute("BEGIN")
        connection.executemany(f"INSERT INTO {table} ({', '.join(cells)}) VALUES ({marks})", reader)
        connection.execute("COMMIT")

    return run


Stored = tuple[list[tuple[object, ...]], list[str], list[int]]  # children, JSON texts, numbers


def _into_our_tables(
    path: Path,
    spec: ListSpec,
    requests: Iterator[int],
    rows_of: Callable[[], Stored],
    *,
    with_rows: bool = True,
) -> Callable[[], None]:
    """Bare ``sqlite3.executemany`` into our ``children`` and ``list_rows`` tables (their indexes
    and foreign keys, the app's connection settings), one transaction: what ``rows_of`` gives,
    the children facts and each row's JSON text (only the children, without ``with_rows``)."""
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
        connection.execute(f"PRAGMA {pragma}")
    children = (
        "INSERT INTO children (inspection_id, local_id, gender, ethnicity, date_of_birth, "
        "expected_date_of_birth, has_disability, lives_with_domestic_abuse) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    )
    rows = (
        "INSERT INTO list_rows (inspection_id, child_id, upload_id, list_code, row_number, "
        '"values") VALUES (?, ?, ?, ?, ?, ?)'
    )

    def run() -> None:
        facts, texts, numbers = rows_of()
        request = next(requests)
        (inspection,) = connection.execute(
            "SELECT inspection_id FROM issued_requests WHERE id = ?", (request,)
        ).fetchone()
        connection.execute("BEGIN IMMEDIATE")
        upload = connection.execute(
            "INSERT INTO list_uploads (inspection_id, request_id, list_code, filename, sha256, "
            "row_count, query_summary, uploaded_at) VALUES (?, ?, ?, 'bare.csv', '', ?, '{}', ?)",
            (inspection, request, spec.code, len(texts), dt.datetime.now(dt.UTC).isoformat()),
        ).lastrowid
        connection.executemany(children, [(inspection, *child) for child in facts])
        ids = dict(
            connection.execute(
                "SELECT local_id, id FROM children WHERE inspection_id = ?", (inspection,)
            ).fetchall()
        )
        if with_rows:
            connection.executemany(
                rows,
                [
                    (inspection, ids[child[0]], upload, spec.code, number, text)
                    for child, number, text in zip(facts, numbers, texts, strict=True)
                ],
            )
        connection.execute("COMMIT")

    return run


def _bare_rows(spec: ListSpec, data: bytes) -> Callable[[], Stored]:
    """The CSV read by bare ``csv.reader``: each child's facts as the cells are written, each
    row's JSON the cells under their field names; nothing checked, typed or converted."""
    names = [f.name for f in spec.fields]
    facts_at = itemgetter(*(names.index(name) for name in ("child_id", *CHILD_FACTS)))

    def rows_of() -> Stored:
        reader = csv.reader(io.StringIO(data.decode("utf-8")))
        next(reader)  # the headers, in the spec's order (list_csv writes them so)
        cells = list(reader)
        texts = [orjson.dumps(dict(zip(names, row, strict=True))).decode() for row in cells]
        return list(map(facts_at, cells)), texts, list(range(2, len(cells) + 2))

    return rows_of


def _validated_rows(result: ListImport) -> Callable[[], Stored]:
    """``result``'s rows as ``record_list`` stores them, built once, before timing."""
    values = [row.values for row in result.rows]
    facts: list[tuple[object, ...]] = [
        (v["child_id"], *(json_ready(v)[name] for name in CHILD_FACTS)) for v in values
    ]
    texts = [orjson.dumps(row).decode() for row in values]
    stored = (facts, texts, [row.row_number for row in result.rows])
    return lambda: stored


def _rate(timing: Timing) -> float:
    return ROWS / (timing.median_ms / 1000)


def run(quick: bool) -> list[Result]:
    registry = build_registry(make_plugin_manager())
    spec = registry.list_spec("da-2016", LIST)
    assert spec is not None
    rows = synthetic_list(registry, LIST, ROWS, seed=2016)
    csv_data = list_csv(spec, rows)
    xlsx_data = xlsx_bytes(spec, rows)
    runs, warmup = (3, 1) if quick else (7, 2)
    with tempfile.TemporaryDirectory() as directory:
        database = Database(f"sqlite:///{Path(directory) / 'ingest.db'}")
        upgrade(database)
        requests = _requests(database, 5 * (runs + warmup))
        titles = (spec.title, spec.code)
        csv_split = _Split(lambda: read_grid(csv_data, f"{LIST}.csv", titles))
        xlsx_split = _Split(lambda: read_grid(xlsx_data, f"{LIST}.xlsx", titles))
        csv_import = _importer(
            database, registry, spec, csv_data, f"{LIST}.csv", requests, csv_split
        )
        xlsx_import = _importer(
            database, registry, spec, xlsx_data, f"{LIST}.xlsx", requests, xlsx_split
        )
        # `jtai serve` freezes what start-up built (core/serving.py), so an import's collections
        # never walk it; freeze what this process built before timing, the same way.
        gc.collect()
        gc.freeze()
        baseline = measure(_bare(Path(directory), csv_data, len(spec.fields)), runs, warmup)
        before_imports = measure(
            _into_our_tables(
                Path(directory) / "ingest.db", spec, requests, _bare_rows(spec, csv_data)
            ),
            runs,
            warmup,
        )
        with csv_split.gc_pauses():
            subject_csv = measure(csv_import, runs, warmup)
        with xlsx_split.gc_pauses():
            subject_xlsx = measure(xlsx_import, runs, warmup)
        code_sets = {c.code: c for c in registry.code_sets}
        validated = read_list(csv_data, f"{LIST}.csv", spec, code_sets, as_of=EXAMPLE_NOTIFICATION)
        path = Path(directory) / "ingest.db"
        bare_ours = min(
            before_imports,
            measure(_into_our_tables(path, spec, requests, _bare_rows(spec, csv_data)), runs, 1),
            key=attrgetter("median_ms"),
        )
        children_floor = measure(
            _into_our_tables(path, spec, requests, _validated_rows(validated), with_rows=False),
            runs,
            warmup,
        )
        database.dispose()
    bare = f"{_rate(baseline):,.0f} rows/s"
    ours = f"{_rate(bare_ours):,.0f} rows/s"
    return [
        Result(
            f"ingest CSV {ROWS:,} rows",
            subject_csv,
            bare_ours,
            "csv+executemany, same tables",
            note=f"{_rate(subject_csv):,.0f} rows/s vs bare {ours} (bar: ratio <= 2.0); "
            + csv_split.note(),
        ),
        Result(
            f"ingest XLSX {ROWS:,} rows",
            subject_xlsx,
            bare_ours,
            "csv+executemany, same tables",
            note=f"{_rate(subject_xlsx):,.0f} rows/s (python-calamine) vs bare CSV {ours}; "
            + xlsx_split.note(),
        ),
        Result(
            f"ingest CSV {ROWS:,} rows, vs 1 table",
            subject_csv,
            baseline,
            "csv+executemany, 1 table",
            note=f"the same import against bare {bare} into one fresh table without indexes; "
            f"the same-tables baseline is {bare_ours.median_ms / baseline.median_ms:.2f}x this one",
        ),
        Result(
            "ingest floor: the children only",
            children_floor,
            baseline,
            "csv+executemany, 1 table",
            note="the CSV's children, already validated, by bare sqlite3 executemany into our "
            "children table alone (one row each per inspection, unique by local ID), no list "
            "rows: any import that records its children costs at least this",
        ),
    ]
