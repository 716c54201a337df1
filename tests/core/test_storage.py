"""The document stores: nothing half-written, the size cap while streaming, safe keys, and a
sweep that removes what an upload killed on the way left and nothing else."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.database import Database
from core.demo import DemoInspection
from core.models import Document, DocumentChunk, Inspection, utc_now
from core.registry import Registry
from core.settings import Settings
from core.workflow.requests import issue_area_requests
from core.workflow.storage import (
    TEMP_PREFIX,
    DatabaseDocumentStore,
    DocumentStore,
    FileTooLarge,
    LocalFileStore,
    document_store_for,
)


class Exploding(io.BytesIO):
    """A stream that fails part-way, as a dropped connection does."""

    def __init__(self, data: bytes, fail_after: int) -> None:
        super().__init__(data)
        self.fail_after = fail_after

    def read(self, size: int | None = -1) -> bytes:
        if self.tell() >= self.fail_after:
            raise ConnectionResetError("client went away")
        return super().read(min(size or 1, 1000))


@pytest.fixture(params=["local", "database"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> DocumentStore:
    if request.param == "local":
        return LocalFileStore(tmp_path / "documents")
    return DatabaseDocumentStore()


def held(store: DocumentStore, database: Database) -> list[str]:
    """Everything the store holds: file names (temporary ones too), or stored keys."""
    if isinstance(store, LocalFileStore):
        return sorted(p.name for p in store.root.iterdir()) if store.root.exists() else []
    with database.session() as session:
        return sorted(set(session.scalars(select(DocumentChunk.storage_key))))


def test_a_saved_document_has_its_hash_size_and_bytes(
    store: DocumentStore, database: Database
) -> None:
    data = b"synthetic minutes\n" * 200_000  # 3.6 MB: several chunks
    with database.write() as session:
        stored = store.save(session, io.BytesIO(data), max_bytes=len(data))
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.size == len(data)
    with database.session() as session, store.open(session, stored.key) as saved:
        assert saved.read() == data
    assert held(store, database) == [stored.key]
    with database.write() as session:
        empty = store.save(session, io.BytesIO(b""), max_bytes=10)
    with database.session() as session, store.open(session, empty.key) as saved:
        assert saved.read() == b""
    for key in (stored.key, empty.key):
        with database.write() as session:
            store.discard(session, key)
            store.discard(session, key)  # idempotent
    assert held(store, database) == []


def test_over_the_cap_or_a_failed_stream_leaves_nothing(
    store: DocumentStore, database: Database
) -> None:
    with pytest.raises(FileTooLarge) as too_large, database.write() as session:
        store.save(session, io.BytesIO(b"x" * 2_000_001), max_bytes=2_000_000)
    assert too_large.value.limit == 2_000_000
    with pytest.raises(ConnectionResetError), database.write() as session:
        store.save(session, Exploding(b"y" * 10_000, fail_after=5_000), max_bytes=1_000_000)
    assert held(store, database) == []


def test_bytes_saved_in_a_transaction_that_rolls_back_are_not_kept(
    store: DocumentStore, database: Database
) -> None:
    with pytest.raises(RuntimeError), database.write() as session:
        stored = store.save(session, io.BytesIO(b"z" * 5000), max_bytes=10_000)
        raise RuntimeError("the row could not be written")
    store.rolled_back(stored.key)
    assert held(store, database) == []


def test_keys_are_never_paths(store: DocumentStore, database: Database) -> None:
    for key in ("../secrets", "/etc/passwd", "ABC", ""):
        with database.session() as session:
            with pytest.raises(ValueError, match="not a storage key"):
                store.open(session, key)
            with pytest.raises(ValueError, match="not a storage key"):
                store.discard(session, key)


@pytest.fixture
def request_row(database: Database, demo: DemoInspection, registry: Registry) -> int:
    with database.write() as session:
        inspection = session.get_one(Inspection, demo.inspection_id)
        return issue_area_requests(session, registry, inspection)[0].id


def add_document(session: Session, request_id: int, key: str) -> None:
    session.add(
        Document(
            request_id=request_id,
            filename="minutes.pdf",
            content_type="application/pdf",
            size_bytes=5,
            sha256=hashlib.sha256(key.encode()).hexdigest(),
            storage_key=key,
        )
    )


def age(path: Path, seconds: int) -> None:
    then = (utc_now() - dt.timedelta(seconds=seconds)).timestamp()
    os.utime(path, (then, then))


def test_the_local_sweep_removes_old_leftovers_and_spares_documents_and_young_uploads(
    database: Database, request_row: int, tmp_path: Path
) -> None:
    store = LocalFileStore(tmp_path / "documents")
    with database.write() as session:
        kept = store.save(session, io.BytesIO(b"a document"), max_bytes=100)
        add_document(session, request_row, kept.key)
        orphan = store.save(session, io.BytesIO(b"no row"), max_bytes=100)  # killed before commit
        young = store.save(session, io.BytesIO(b"in progress"), max_bytes=100)
    temp = store.root / f"{TEMP_PREFIX}abc123"  # killed mid-stream
    temp.write_bytes(b"half")
    stray = store.root / "README.txt"  # not ours: never touched
    stray.write_text("left by an operator")
    for path in (store.root / kept.key, store.root / orphan.key, temp, stray):
        age(path, 3600)
    with database.write() as session:
        swept = store.sweep(session, older_than=utc_now() - dt.timedelta(minutes=10))
    assert (swept.temporary, swept.unreferenced, swept.missing) == (1, 1, 0)
    assert sorted(p.name for p in store.root.iterdir()) == sorted(
        [kept.key, young.key, "README.txt"]
    )
    (store.root / kept.key).unlink()
    with database.write() as session:
        assert store.sweep(session, older_than=utc_now()).missing == 1


def test_the_database_sweep_removes_bytes_no_document_names(
    database: Database, request_row: int
) -> None:
    store = DatabaseDocumentStore()
    with database.write() as session:
        kept = store.save(session, io.BytesIO(b"a document"), max_bytes=100)
        add_document(session, request_row, kept.key)
        store.save(session, io.BytesIO(b"x" * 3_000_000), max_bytes=4_000_000)  # no row
    with database.write() as session:
        swept = store.sweep(session, older_than=utc_now())
    assert (swept.temporary, swept.unreferenced, swept.missing) == (0, 1, 0)
    assert held(store, database) == [kept.key]


def test_the_store_follows_the_database_unless_told() -> None:
    sqlite = Settings(database_url="sqlite:///x.db")
    postgres = Settings(database_url="postgresql://u@h/db")
    assert isinstance(document_store_for(sqlite), LocalFileStore)
    assert isinstance(document_store_for(postgres), DatabaseDocumentStore)
    local = Settings.from_env(
        {"JTAI_DATABASE_URL": "postgresql://u@h/db", "JTAI_DOCUMENT_STORE": "local"}
    )
    assert isinstance(document_store_for(local), LocalFileStore)
    with pytest.raises(ValueError, match="JTAI_DOCUMENT_STORE has value 's3'"):
        Settings.from_env({"JTAI_DOCUMENT_STORE": "s3"})
