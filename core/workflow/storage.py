"""Where the bytes of uploaded documents live, and how a crash never leaves bytes without a row.

The database holds a document's metadata and its storage key; the bytes go to a
:class:`DocumentStore`, inside the write transaction that records the document:

- :class:`DatabaseDocumentStore` (the default on PostgreSQL) writes them to the database itself, in
  rows of at most 1 MB (``document_chunks``), in that very transaction: the bytes and the row
  commit together or not at all, whatever kills the process, and every app machine sharing the
  database shares the documents with no other service.
- :class:`LocalFileStore` (the default on SQLite) writes them to a file under one directory: first
  into a temporary file (``.upload-*``), with the SHA-256 computed and the size cap checked on the
  way, renamed to its key only when complete and on disk, and all of it before the transaction
  commits. A file is never half-written under its key, and a committed row never names a missing
  file; a process killed on the way can only leave a temporary file, or a complete file no row
  names. :meth:`LocalFileStore.sweep` removes those once they are older than the grace period (an
  upload still in progress is younger), at start-up and with ``jtai documents sweep``.

An object store (S3, Azure Blob) could implement the same protocol like the local one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol, cast

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from core.database import Database, is_sqlite
from core.models import Document, DocumentChunk, utc_now
from core.settings import Settings

CHUNK_BYTES = 1024 * 1024  # what is read at once, and the most one database row holds
TEMP_PREFIX = ".upload-"
_KEY = re.compile(r"^[0-9a-f]{32}$")
LOCAL, DATABASE = "local", "database"


@dataclass(frozen=True, slots=True)
class StoredFile:
    key: str
    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class Swept:
    """What a sweep removed, and what it found wrong but cannot mend."""

    temporary: int = 0  # temporary files of uploads that never finished
    unreferenced: int = 0  # complete bytes no document names
    missing: int = 0  # documents whose bytes are not in this store

    def summary(self) -> str:
        return (
            f"removed {self.temporary} temporary file{'s' if self.temporary != 1 else ''} and "
            f"{self.unreferenced} unreferenced document{'s' if self.unreferenced != 1 else ''}; "
            f"{self.missing} document{'s' if self.missing != 1 else ''} without bytes"
        )


class FileTooLarge(Exception):
    """The stream held more than the cap; nothing was kept."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the file is larger than {limit} bytes")
        self.limit = limit


class DocumentStore(Protocol):
    def save(self, session: Session, stream: BinaryIO, *, max_bytes: int) -> StoredFile:
        """Store everything ``stream`` yields under a new key, inside ``session``'s write
        transaction; raise :class:`FileTooLarge`, keeping nothing, past ``max_bytes``."""
        ...

    def discard(self, session: Session, key: str) -> None:
        """Inside the write transaction: the bytes just saved under ``key`` are not wanted."""
        ...

    def rolled_back(self, key: str) -> None:
        """The transaction that saved ``key`` rolled back: remove what it left outside the
        database (idempotent)."""
        ...

    def open(self, session: Session, key: str) -> BinaryIO:
        """The stored bytes, for reading; ``FileNotFoundError`` for an unknown key."""
        ...

    def delete(self, session: Session, key: str) -> Callable[[], None]:
        """Inside the write transaction that deletes the document naming ``key``: remove its
        bytes with the transaction, or return what removes them once it has committed (a crash
        in between leaves bytes no document names, which :meth:`sweep` removes)."""
        ...

    def sweep(self, session: Session, *, older_than: dt.datetime) -> Swept:
        """Remove what no committed document names and was written before ``older_than``."""
        ...


def _check_key(key: str) -> str:
    if not _KEY.match(key):  # keys are ours; anything else is a bug, never a path to follow
        raise ValueError(f"{key!r} is not a storage key")
    return key


class LocalFileStore:
    """Documents as files in one directory, named by random keys (never by uploaded names)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def save(self, session: Session, stream: BinaryIO, *, max_bytes: int) -> StoredFile:
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        handle, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=self.root)
        temp = Path(temp_name)
        try:
            with os.fdopen(handle, "wb") as out:
                while chunk := stream.read(CHUNK_BYTES):
                    size += len(chunk)
                    if size > max_bytes:
                        raise FileTooLarge(max_bytes)
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            key = uuid.uuid4().hex
            temp.replace(self._path(key))
            self._sync_directory()  # the rename itself on disk before the row can commit
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return StoredFile(key=key, sha256=digest.hexdigest(), size=size)

    def discard(self, session: Session, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def rolled_back(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def open(self, session: Session, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def delete(self, session: Session, key: str) -> Callable[[], None]:
        path = self._path(key)
        return lambda: path.unlink(missing_ok=True)  # only once the row's deletion committed

    def sweep(self, session: Session, *, older_than: dt.datetime) -> Swept:
        named = set(session.scalars(select(Document.storage_key)))
        cutoff = older_than.timestamp()
        temporary = unreferenced = 0
        present: set[str] = set()
        for entry in self.root.iterdir() if self.root.is_dir() else ():
            is_temp = entry.name.startswith(TEMP_PREFIX)
            if not is_temp and not _KEY.match(entry.name):
                continue  # not ours: leave it alone
            if not is_temp and entry.name in named:
                present.add(entry.name)
                continue
            try:
                if entry.stat().st_mtime >= cutoff:
                    continue  # an upload that may still be in progress
                entry.unlink()
            except FileNotFoundError:
                continue  # its upload finished with it meanwhile
            if is_temp:
                temporary += 1
            else:
                unreferenced += 1
        missing = sum(1 for key in named if key not in present and not self._path(key).exists())
        return Swept(temporary=temporary, unreferenced=unreferenced, missing=missing)

    def _path(self, key: str) -> Path:
        return self.root / _check_key(key)

    def _sync_directory(self) -> None:
        descriptor = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


class DatabaseDocumentStore:
    """Documents in the database, in rows of at most :data:`CHUNK_BYTES`, written in the caller's
    transaction: nothing outside the database, so nothing for a crash to leave behind."""

    def save(self, session: Session, stream: BinaryIO, *, max_bytes: int) -> StoredFile:
        key = uuid.uuid4().hex
        digest = hashlib.sha256()
        size = 0
        position = 0
        while True:
            chunk = stream.read(CHUNK_BYTES)
            size += len(chunk)
            if size > max_bytes:
                raise FileTooLarge(max_bytes)  # the caller's rollback takes what was written
            digest.update(chunk)
            if chunk or position == 0:  # an empty document still has its (empty) first row
                # One row at a time, and none kept in the session: a 50 MB file is never in
                # memory whole.
                session.execute(
                    insert(DocumentChunk).values(storage_key=key, position=position, data=chunk)
                )
                position += 1
            if not chunk:
                break
        return StoredFile(key=key, sha256=digest.hexdigest(), size=size)

    def discard(self, session: Session, key: str) -> None:
        session.execute(delete(DocumentChunk).where(DocumentChunk.storage_key == _check_key(key)))

    def rolled_back(self, key: str) -> None:
        pass  # the rollback took the rows with it

    def delete(self, session: Session, key: str) -> Callable[[], None]:
        self.discard(session, key)  # goes with the transaction
        return lambda: None

    def open(self, session: Session, key: str) -> BinaryIO:
        count = session.scalar(
            select(func.count()).where(DocumentChunk.storage_key == _check_key(key))
        )
        if not count:
            raise FileNotFoundError(f"no document stored under {key}")
        return cast(BinaryIO, io.BufferedReader(_ChunkReader(session, key, count), CHUNK_BYTES))

    def sweep(self, session: Session, *, older_than: dt.datetime) -> Swept:
        # Rows of a transaction still in progress are invisible here, so nothing needs a grace.
        named = select(Document.storage_key)
        removed = session.scalars(
            delete(DocumentChunk)
            .where(DocumentChunk.storage_key.not_in(named))
            .returning(DocumentChunk.storage_key)
        )
        unreferenced = len(set(removed))
        stored = select(DocumentChunk.storage_key).where(DocumentChunk.position == 0)
        missing = session.scalar(
            select(func.count()).select_from(Document).where(Document.storage_key.not_in(stored))
        )
        return Swept(unreferenced=unreferenced, missing=missing or 0)


class _ChunkReader(io.RawIOBase):
    """A document's rows read one at a time, in order."""

    def __init__(self, session: Session, key: str, count: int) -> None:
        self._session = session
        self._key = key
        self._count = count
        self._position = 0
        self._pending = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            if self._position >= self._count:
                return 0
            data = self._session.scalar(
                select(DocumentChunk.data).where(
                    DocumentChunk.storage_key == self._key,
                    DocumentChunk.position == self._position,
                )
            )
            self._position += 1
            self._pending = memoryview(data or b"")
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def document_store_for(settings: Settings) -> DocumentStore:
    """The store ``settings`` choose: ``JTAI_DOCUMENT_STORE``, else the database on PostgreSQL
    and files under ``JTAI_STORAGE_DIR`` on SQLite."""
    kind = settings.document_store or (LOCAL if is_sqlite(settings.database_url) else DATABASE)
    if kind == DATABASE:
        return DatabaseDocumentStore()
    return LocalFileStore(settings.storage_dir)


def sweep_documents(
    database: Database, settings: Settings, *, now: dt.datetime | None = None
) -> Swept:
    """Sweep the store ``settings`` choose, sparing what is younger than the grace period."""
    older_than = (now or utc_now()) - dt.timedelta(seconds=settings.sweep_grace_seconds)
    with database.write() as session:
        return document_store_for(settings).sweep(session, older_than=older_than)


__all__ = [
    "DatabaseDocumentStore",
    "DocumentStore",
    "FileTooLarge",
    "LocalFileStore",
    "StoredFile",
    "Swept",
    "document_store_for",
    "sweep_documents",
]
