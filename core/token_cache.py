"""Verified bearer tokens, remembered for a few seconds so that a request from a known token
needs no database round trip to sign in.

Keyed by the token's SHA-256 (the secret itself is never kept), bounded in size (least recently
used dropped first), and each entry lives at most ``JTAI_TOKEN_CACHE_SECONDS`` and never past the
token's own expiry. Only signed-in viewers are kept: an unknown, expired or revoked token is looked
up every time.

Revocation: ``revoke_token`` (core/tokens.py) calls ``forget_token`` once its transaction commits,
so a token revoked by this process stops working at once; a token revoked by another process (the
CLI, another worker) stops working in this one within ``JTAI_TOKEN_CACHE_SECONDS``. Code that
hears of a revocation some other way (a notification) calls ``forget_token(token_id)``.
"""

from __future__ import annotations

import hashlib
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable

from core.models import utc_now
from core.viewer import Viewer

_caches: weakref.WeakSet[TokenCache] = weakref.WeakSet()
_caches_lock = threading.Lock()


class TokenCache:
    """One process's verified tokens, for one database. Thread-safe."""

    def __init__(
        self, seconds: int, size: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds
        self.size = size
        self.clock = clock  # when entries lapse; a test may move it on
        self._entries: OrderedDict[str, tuple[Viewer, float]] = OrderedDict()  # hash -> until
        self._lock = threading.Lock()
        # Bumped by every eviction: a lookup that began before one does not store its answer,
        # which may predate the revocation.
        self._generation = 0
        with _caches_lock:
            _caches.add(self)

    def __len__(self) -> int:
        return len(self._entries)

    def viewer(self, token: str, look_up: Callable[[], Viewer]) -> Viewer:
        """The viewer ``token`` stands for: remembered, or ``look_up()`` (then remembered)."""
        if self.seconds == 0:
            return look_up()
        key = hashlib.sha256(token.encode()).hexdigest()  # as stored: the secret is not kept
        now = self.clock()
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                viewer, until = found
                if until > now and (viewer.expires_at is None or viewer.expires_at > utc_now()):
                    self._entries.move_to_end(key)
                    return viewer
                del self._entries[key]
            generation = self._generation
        viewer = look_up()
        if not viewer.is_authenticated:
            return viewer
        lifetime = float(self.seconds)
        if viewer.expires_at is not None:
            lifetime = min(lifetime, (viewer.expires_at - utc_now()).total_seconds())
        with self._lock:
            if lifetime > 0 and generation == self._generation:
                self._entries[key] = (viewer, now + lifetime)
                self._entries.move_to_end(key)
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
        return viewer

    def cached(self, token: str) -> Viewer | None:
        """The viewer remembered for ``token``, or None: never a lookup."""
        if self.seconds == 0:
            return None
        key = hashlib.sha256(token.encode()).hexdigest()
        with self._lock:
            found = self._entries.get(key)
        if found is None:
            return None
        viewer, until = found
        if until <= self.clock() or (
            viewer.expires_at is not None and viewer.expires_at <= utc_now()
        ):
            return None
        return viewer

    def forget(self, token_id: int) -> None:
        with self._lock:
            self._generation += 1
            for key in [k for k, (v, _) in self._entries.items() if v.token_id == token_id]:
                del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._entries.clear()


def forget_token(token_id: int) -> None:
    """Make every token cache of this process forget the token with row id ``token_id``: its
    next request is looked up in the database (and refused there if it was revoked)."""
    with _caches_lock:
        caches = list(_caches)
    for cache in caches:
        cache.forget(token_id)
