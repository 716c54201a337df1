"""Where the bytes of uploaded documents live: a small interface and a local-disk implementation.

The database holds a document's metadata and its storage key; the bytes go to a
:class:`DocumentStore`. :class:`LocalFileStore` writes under one directory; an object store (S3,
Azure Blob) can implement the same three methods, so nothing else changes.

A file is never half-written under its key: bytes stream into a temporary file in the same
directory, with their SHA-256 computed on the way and a size cap checked as they come, and only a
complete file is renamed (atomically, on one filesystem) to its key. Anything that goes wrong on the
way removes the temporary file.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

CHUNK_BYTES = 1024 * 1024
TEMP_PREFIX = ".upload-"
_KEY = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True, slots=True)
class StoredFile:
    key: str
    sha256: str
    size: int


class FileTooLarge(Exception):
    """The stream held more than the cap; nothing was kept."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the file is larger than {limit} bytes")
        self.limit = limit


class DocumentStore(Protocol):
    def save(self, stream: BinaryIO, *, max_bytes: int) -> StoredFile:
        """Store everything ``stream`` yields under a new key; raise :class:`FileTooLarge`, keeping
        nothing, if it holds more than ``max_bytes``."""
        ...

    def open(self, key: str) -> BinaryIO:
        """The stored bytes, for reading; ``FileNotFoundError`` for an unknown key."""
        ...

    def delete(self, key: str) -> None:
        """Remove the file; a missing file is not an error (deleting is idempotent)."""
        ...


class LocalFileStore:
    """Documents as files in one directory, named by random keys (never by uploaded names)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def save(self, stream: BinaryIO, *, max_bytes: int) -> StoredFile:
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
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return StoredFile(key=key, sha256=digest.hexdigest(), size=size)

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):  # keys are ours; anything else is a bug, never a path to follow
            raise ValueError(f"{key!r} is not a storage key")
        return self.root / key


__all__ = ["DocumentStore", "FileTooLarge", "LocalFileStore", "StoredFile"]
