"""Persisted queries: Apollo's automatic persisted queries (APQ) and trusted documents.

- APQ: a client sends ``extensions.persistedQuery = {"version": 1, "sha256Hash": h}`` without the
  query; an unknown hash is answered ``PERSISTED_QUERY_NOT_FOUND`` (HTTP 200, which is what makes
  Apollo's link send the query with the hash), and a query sent with its hash is stored, once the
  hash is checked, in a bounded LRU cache (setting JTAI_APQ_CACHE_SIZE).
- Trusted documents: a manifest (JTAI_TRUSTED_DOCUMENTS) mapping each operation's id to its text,
  as GraphQL Code Generator's client preset (``persisted-documents.json``, sha256 ids) and Relay
  (``--persist-output``, md5 ids) write it. A request names one by ``documentId`` (the
  GraphQL-over-HTTP convention, ``sha256:`` prefix optional) or by the APQ hash. With
  JTAI_TRUSTED_DOCUMENTS_ONLY (the default in production once a manifest is set), only those
  operations run: any other text is refused ``OPERATION_NOT_TRUSTED`` and nothing is cached.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
PERSISTED_QUERY_NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED"
OPERATION_NOT_TRUSTED = "OPERATION_NOT_TRUSTED"
BAD_REQUEST = "BAD_REQUEST"


class PersistedQueryProblem(Exception):
    """Why a request's document cannot be found or trusted; answered as a GraphQL error."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def sha256_hex(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


class ManifestError(ValueError):
    """The trusted documents manifest cannot be used (raised at start-up)."""


def load_manifest(path: Path) -> dict[str, str]:
    """The manifest's ``{id: query text}``; ids are lower-cased, a ``sha256:`` prefix dropped."""
    setting = "JTAI_TRUSTED_DOCUMENTS"
    try:
        loaded: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ManifestError(f"{setting} has value {str(path)!r}. {error.strerror}.") from None
    except ValueError as error:
        raise ManifestError(f"{setting}: {str(path)!r} is not JSON ({error}).") from None
    if not isinstance(loaded, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in loaded.items()
    ):
        raise ManifestError(
            f"{setting}: {str(path)!r} must be one JSON object mapping each operation's id to its "
            'text, {"<sha256>": "query ..."}, as GraphQL Code Generator\'s client preset '
            "(persisted-documents.json) or Relay (--persist-output) write it."
        )
    return {_document_id(key): value for key, value in loaded.items()}


def _document_id(text: str) -> str:
    return text.removeprefix("sha256:").strip().lower()


class PersistedQueries:
    """Resolves a request's query text from its ``query``, ``documentId`` and APQ extension.

    Thread-safe: requests run in worker threads, so the cache is guarded by a lock.
    """

    def __init__(
        self,
        cache_size: int,
        manifest: Mapping[str, str] | None = None,
        trusted_only: bool = False,
    ) -> None:
        self.cache_size = cache_size
        self.manifest = dict(manifest or {})
        self.trusted_only = trusted_only
        # The texts the manifest lists, whatever their ids: a client may send the text itself.
        self._trusted_texts = frozenset(self.manifest.values())
        self._cache: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._cache)

    def resolve(
        self, query: str | None, extensions: Mapping[str, Any] | None, document_id: object
    ) -> str | None:
        """The text to run (``None`` if the request gave none), or ``PersistedQueryProblem``."""
        if document_id is not None:
            return self._by_document_id(document_id, query)
        persisted = (extensions or {}).get("persistedQuery")
        if persisted is not None:
            return self._by_apq(persisted, query)
        if query is not None and self.trusted_only and query not in self._trusted_texts:
            raise _not_trusted()
        return query

    def _by_document_id(self, document_id: object, query: str | None) -> str:
        if not isinstance(document_id, str) or not document_id.strip():
            raise PersistedQueryProblem(
                400,
                BAD_REQUEST,
                f"documentId: {document_id!r} is not a document id. Send the id your build wrote "
                'to the manifest, such as "sha256:<64 hex digits>".',
            )
        if query is not None:
            raise PersistedQueryProblem(
                400,
                BAD_REQUEST,
                "Send either documentId or query, not both: documentId names a trusted document "
                "whose text the server already has.",
            )
        found = self.manifest.get(_document_id(document_id))
        if found is None:
            found = self._cached(_document_id(document_id))
        if found is None:
            raise PersistedQueryProblem(
                400,
                PERSISTED_QUERY_NOT_FOUND,
                f"documentId: no trusted document {document_id!r}. Build the client against "
                "the manifest this server loads (setting JTAI_TRUSTED_DOCUMENTS), or send the "
                "query itself.",
            )
        return found

    def _by_apq(self, persisted: object, query: str | None) -> str:
        if not isinstance(persisted, dict) or persisted.get("version") != 1:
            raise PersistedQueryProblem(
                400,
                BAD_REQUEST,
                'extensions.persistedQuery: give {"version": 1, "sha256Hash": "<hex>"}; '
                "version 1 is the only one this server speaks.",
            )
        given = persisted.get("sha256Hash")
        if not isinstance(given, str) or not given:
            raise PersistedQueryProblem(
                400,
                BAD_REQUEST,
                "extensions.persistedQuery.sha256Hash: give the SHA-256 of the query text, as "
                "64 hex digits.",
            )
        wanted = given.lower()
        if query is None:
            found = self.manifest.get(wanted) or self._cached(wanted)
            if found is None:
                raise PersistedQueryProblem(
                    200,  # Apollo's link answers this by sending the query with its hash
                    PERSISTED_QUERY_NOT_FOUND,
                    f"PersistedQueryNotFound: no query is stored under sha256Hash {given!r}. "
                    "Send the query with the same extensions to store it.",
                )
            return found
        actual = sha256_hex(query)
        if actual != wanted:
            raise PersistedQueryProblem(
                400,
                BAD_REQUEST,
                f"extensions.persistedQuery.sha256Hash: {given!r} is not the SHA-256 of the query "
                f"sent, which is {actual!r}. Hash the query's exact text (UTF-8).",
            )
        if self.trusted_only:
            if wanted not in self.manifest and query not in self._trusted_texts:
                raise _not_trusted()
            return query
        self._store(wanted, query)
        return query

    def _cached(self, sha256: str) -> str | None:
        with self._lock:
            found = self._cache.get(sha256)
            if found is not None:
                self._cache.move_to_end(sha256)
            return found

    def _store(self, sha256: str, query: str) -> None:
        with self._lock:
            self._cache[sha256] = query
            self._cache.move_to_end(sha256)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)  # the least recently used


def _not_trusted() -> PersistedQueryProblem:
    return PersistedQueryProblem(
        400,
        OPERATION_NOT_TRUSTED,
        "This server runs only the operations in its trusted documents manifest (settings "
        "JTAI_TRUSTED_DOCUMENTS and JTAI_TRUSTED_DOCUMENTS_ONLY). Send a listed operation by its "
        "documentId or persisted query hash, or add this one to the manifest and redeploy.",
    )
