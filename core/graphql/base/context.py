"""The per-request state every resolver receives: who is asking, a session, the write transaction
with its audit event. The graph's ``Context`` (core/graphql/context.py) adds the batch loaders and
the evidence catalogue on top, so this layer needs nothing else of the graph."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import strawberry
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from core import audit
from core.database import Database, begin_write, end_read
from core.models import utc_now
from core.registry import Registry
from core.settings import Settings
from core.viewer import Viewer
from core.workflow.storage import DocumentStore, document_store_for


@dataclass
class RequestContext:
    viewer: Viewer
    registry: Registry
    database: Database
    settings: Settings
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    # What the audit trail records about this request (see core/audit.py).
    touched: dict[str, set[int]] = field(default_factory=dict)
    recorded: dict[str, set[int]] = field(default_factory=dict)  # in a committed event already
    operation: audit.Operation | None = None  # set when execution begins
    executed: bool = False  # execution began (parsing and validation passed)
    rejected: bool = False  # a mutation returned its expected failures as data
    # What the error messages may say was saved: the root fields (response keys) whose write
    # transaction committed, and whether a commit failed midway (its outcome is unknown).
    saved_by: list[str] = field(default_factory=list)
    commit_unknown: bool = False
    # Where uploaded documents go; by default the one settings choose.
    document_store: DocumentStore | None = None
    # The time of asking: every status derived in one response is derived at this instant.
    asked_at: dt.datetime = field(default_factory=utc_now)
    # The operation reads nothing from the database (core/graphql/offline.py): it runs on the
    # event loop, where opening a session would block every other request.
    offline: bool = False
    _session: Session | None = None

    def touch(self, kind: str, ids: Iterable[int]) -> None:
        """Note child-level rows this request returned or changed, for the audit trail."""
        self.touched.setdefault(kind, set()).update(ids)

    @property
    def session(self) -> Session:
        """The request's session, opened on first use and closed when the response is sent."""
        if self._session is None:
            if self.offline:
                raise RuntimeError(
                    "a session was opened by an operation judged to read nothing from the "
                    "database: a resolver marked no_database() reads it (core/graphql/offline.py)"
                )
            self._session = self.database.session()
        return self._session

    def unrecorded(self) -> dict[str, set[int]]:
        """The rows this request touched that no committed audit event names yet."""
        found = {kind: ids - self.recorded.get(kind, set()) for kind, ids in self.touched.items()}
        return {kind: ids for kind, ids in found.items() if ids}

    @contextmanager
    def write(self, root_field: str) -> Iterator[Session]:
        """One write transaction of the root field ``root_field`` (its response key): everything
        in the block and the audit event recording it commit together, or none of it does."""
        committing = False
        try:
            with begin_write(self.session) as session:
                yield session
                touched = self.unrecorded()
                if self.operation is not None:
                    audit.add_to_write(
                        session,
                        viewer=self.viewer,
                        request_id=self.request_id,
                        operation=self.operation,
                        touched=touched,
                    )
                session.flush()  # the event fails here if at all, before anything is committed
                committing = True
        except BaseException:
            self.commit_unknown = self.commit_unknown or committing
            raise
        for kind, ids in touched.items():
            self.recorded.setdefault(kind, set()).update(ids)
        self.saved_by.append(root_field)

    @property
    def documents(self) -> DocumentStore:
        if self.document_store is None:
            self.document_store = document_store_for(self.settings)
        return self.document_store

    def close(self) -> None:
        if self._session is not None:
            try:
                end_read(self._session)  # on PostgreSQL keeps the prepared statements
            except SQLAlchemyError:
                pass  # a read loses nothing: closing the session rolls back what is left
            finally:
                self._session.close()
                self._session = None


RequestInfo = strawberry.Info[RequestContext, Any]
# Any context built on RequestContext: the graph's own Info[Context, Any] is one.
ContextT = TypeVar("ContextT", bound=RequestContext)


def root_field(info: strawberry.Info[ContextT, Any]) -> str:
    """The response key of the root field being resolved: what its errors' paths start with."""
    path = info.path
    while path.prev is not None:
        path = path.prev
    return str(path.key)
