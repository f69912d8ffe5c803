"""A session's host cache, kept the way Chromium's ``net::HostCache`` keeps it.

Entries are positive (addresses) or negative (a net error), each with an expiry. An expired
entry is *stale*, not gone: a lookup with ``cache_usage="staleAllowed"`` still gets it, so it
stays until ``clear()`` or until the cache is full. A change of resolver configuration makes
every entry stale at once (Chromium counts network changes for the same purpose).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class CacheKey:
    """What Chromium keys an entry by (for us): host, query type (None for both families),
    and the source that produced it (``"system"`` or ``"dns"``)."""

    host: str
    query_type: str | None
    source: str


@dataclass(frozen=True)
class CacheEntry:
    addresses: tuple[str, ...]  # empty for a negative entry
    error: str | None  # Chromium's name of the failure for a negative entry
    detail: str  # why it failed, for messages
    expires: float  # on the cache's clock

    def is_stale(self, now: float) -> bool:
        return now >= self.expires


class HostCache:
    # Chromium's default capacity (HostCache::CreateDefaultCache).
    MAX_ENTRIES = 1000

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._entries: dict[CacheKey, CacheEntry] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, key: CacheKey, *, allow_stale: bool) -> CacheEntry | None:
        entry = self._entries.get(key)
        if entry is None or (not allow_stale and entry.is_stale(self._clock())):
            return None
        return entry

    def store(self, key: CacheKey, addresses: tuple[str, ...], error: str | None,
              detail: str, ttl: float) -> None:
        """Keep a result for ``ttl`` seconds; a TTL of 0 is stored too, born stale."""
        now = self._clock()
        if key not in self._entries and len(self._entries) >= self.MAX_ENTRIES:
            self._evict(now)
        self._entries[key] = CacheEntry(addresses, error, detail, now + max(ttl, 0.0))

    def _evict(self, now: float) -> None:
        # As Chromium does: drop every stale entry; if none was stale, the one that would
        # expire first.
        stale = [key for key, entry in self._entries.items() if entry.is_stale(now)]
        if not stale:
            stale = [min(self._entries, key=lambda key: self._entries[key].expires)]
        for key in stale:
            del self._entries[key]

    def make_stale(self) -> None:
        now = self._clock()
        self._entries = {key: replace(entry, expires=min(entry.expires, now))
                         for key, entry in self._entries.items()}

    def clear(self) -> None:
        self._entries.clear()
