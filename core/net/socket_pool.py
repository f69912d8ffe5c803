"""Connections ``ses.preconnect`` opened ahead of a request, per session (router thread only).

A pooled connection is exactly what the router would open for the next request: a byte stream
to ``host:port`` through one entry of the proxy list (directly, through SOCKS, or a CONNECT
tunnel through an HTTP proxy), or, with an empty host, a connection to an HTTP proxy itself.
Each is used once. One left unused is closed after ``idle_seconds``, as Chromium closes an
unused idle socket after 10 s (ClientSocketPool's unused idle socket timeout).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass

from core.net.net_log_sink import SocketTrace
from core.net.proxy_server import ProxyServer
from core.net.upstream import Stream, close_quietly

Key = tuple[ProxyServer, str, int]

IDLE_SECONDS = 10.0
# Chromium's limit per group (ClientSocketPoolManager: 6 connections per host).
PER_KEY = 6


@dataclass(frozen=True)
class Pooled:
    stream: Stream
    trace: SocketTrace | None  # its NetLog source, when the session was logging
    expires: float


def _alive(stream: Stream) -> bool:
    return not stream[0].at_eof() and not stream[1].transport.is_closing()


class SocketPool:
    def __init__(self, idle_seconds: float = IDLE_SECONDS) -> None:
        self.idle_seconds = idle_seconds
        self._idle: dict[Key, deque[Pooled]] = {}
        self._sweep: asyncio.TimerHandle | None = None

    def room(self, key: Key) -> int:
        """How many more connections ``key`` may hold."""
        self._drop_stale()
        return PER_KEY - len(self._idle.get(key, ()))

    def put(self, key: Key, stream: Stream, trace: SocketTrace | None) -> None:
        """Keep ``stream`` for the next request to ``key`` (the caller checked ``room``)."""
        expires = time.monotonic() + self.idle_seconds
        self._idle.setdefault(key, deque()).append(Pooled(stream, trace, expires))
        if self._sweep is None:
            self._sweep = asyncio.get_running_loop().call_later(self.idle_seconds, self._swept)

    def take(self, key: Key) -> Pooled | None:
        """The oldest live connection for ``key``, or None."""
        if not self._idle:
            return None  # the common case: nothing preconnected, nothing to look at
        self._drop_stale()
        waiting = self._idle.get(key)
        if not waiting:
            return None
        pooled = waiting.popleft()
        if not waiting:
            del self._idle[key]
        return pooled

    def close_all(self) -> int:
        closed = 0
        for waiting in self._idle.values():
            for pooled in waiting:
                self._close(pooled, "closed")
                closed += 1
        self._idle.clear()
        if self._sweep is not None:
            self._sweep.cancel()
            self._sweep = None
        return closed

    def _swept(self) -> None:
        self._sweep = None
        self._drop_stale()
        if self._idle:
            soonest = min(p.expires for waiting in self._idle.values() for p in waiting)
            delay = max(soonest - time.monotonic(), 0.01)
            self._sweep = asyncio.get_running_loop().call_later(delay, self._swept)

    def _drop_stale(self) -> None:
        now = time.monotonic()
        for key in list(self._idle):
            kept: deque[Pooled] = deque()
            for pooled in self._idle[key]:
                if pooled.expires > now and _alive(pooled.stream):
                    kept.append(pooled)
                else:
                    self._close(pooled, "unused idle socket timed out or closed by the peer")
            if kept:
                self._idle[key] = kept
            else:
                del self._idle[key]

    @staticmethod
    def _close(pooled: Pooled, reason: str) -> None:
        close_quietly(pooled.stream[1])
        if pooled.trace is not None:
            pooled.trace.close({"reason": reason})
