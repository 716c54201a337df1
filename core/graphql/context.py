"""The per-request context every resolver receives: who is asking, a session, batch loaders."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import strawberry
from sqlalchemy.orm import Session

from core.database import Database, begin_write
from core.models import utc_now
from core.registry import Registry
from core.settings import Settings
from core.viewer import Viewer
from core.workflow.storage import DocumentStore, LocalFileStore

if TYPE_CHECKING:
    from core.graphql.evidence import EvidenceCatalog
    from core.graphql.loaders import Loaders


@dataclass
class Context:
    viewer: Viewer
    registry: Registry
    database: Database
    settings: Settings
    evidence_types: EvidenceCatalog
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    # What the audit trail records about this request (see core/audit.py).
    touched: dict[str, set[int]] = field(default_factory=dict)
    executed: bool = False  # execution began (parsing and validation passed)
    rejected: bool = False  # a mutation returned its expected failures as data
    # Where uploaded documents go; by default files under settings.storage_dir.
    document_store: DocumentStore | None = None
    # The time of asking: every status derived in one response is derived at this instant.
    asked_at: dt.datetime = field(default_factory=utc_now)
    _session: Session | None = None

    def touch(self, kind: str, ids: Iterable[int]) -> None:
        """Note child-level rows this request returned or changed, for the audit trail."""
        self.touched.setdefault(kind, set()).update(ids)

    @property
    def session(self) -> Session:
        """The request's session, opened on first use and closed when the response is sent."""
        if self._session is None:
            self._session = self.database.session()
        return self._session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: everything in the block commits together or not at all."""
        with begin_write(self.session) as session:
            yield session

    @property
    def documents(self) -> DocumentStore:
        if self.document_store is None:
            self.document_store = LocalFileStore(self.settings.storage_dir)
        return self.document_store

    @cached_property
    def loaders(self) -> Loaders:
        from core.graphql.loaders import Loaders

        return Loaders(self)

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None


Info = strawberry.Info[Context, Any]
