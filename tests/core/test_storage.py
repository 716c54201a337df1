"""The local document store: nothing half-written, the size cap while streaming, safe keys."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from core.workflow.storage import DocumentStore, FileTooLarge, LocalFileStore


class Exploding(io.BytesIO):
    """A stream that fails part-way, as a dropped connection does."""

    def __init__(self, data: bytes, fail_after: int) -> None:
        super().__init__(data)
        self.fail_after = fail_after

    def read(self, size: int | None = -1) -> bytes:
        if self.tell() >= self.fail_after:
            raise ConnectionResetError("client went away")
        return super().read(min(size or 1, 1000))


def test_a_saved_file_has_its_hash_size_and_bytes(tmp_path: Path) -> None:
    store: DocumentStore = LocalFileStore(tmp_path / "documents")
    data = b"synthetic minutes\n" * 100_000  # more than one chunk
    stored = store.save(io.BytesIO(data), max_bytes=len(data))
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.size == len(data)
    with store.open(stored.key) as saved:
        assert saved.read() == data
    assert [p.name for p in (tmp_path / "documents").iterdir()] == [stored.key]
    store.delete(stored.key)
    store.delete(stored.key)  # idempotent
    assert list((tmp_path / "documents").iterdir()) == []


def test_over_the_cap_or_a_failed_stream_leaves_nothing(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path)
    with pytest.raises(FileTooLarge) as too_large:
        store.save(io.BytesIO(b"x" * 2_000_001), max_bytes=2_000_000)
    assert too_large.value.limit == 2_000_000
    with pytest.raises(ConnectionResetError):
        store.save(Exploding(b"y" * 10_000, fail_after=5_000), max_bytes=1_000_000)
    assert list(tmp_path.iterdir()) == []


def test_keys_are_never_paths(tmp_path: Path) -> None:
    store = LocalFileStore(tmp_path / "documents")
    for key in ("../secrets", "/etc/passwd", "ABC", ""):
        with pytest.raises(ValueError, match="not a storage key"):
            store.open(key)
        with pytest.raises(ValueError, match="not a storage key"):
            store.delete(key)
