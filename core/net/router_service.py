"""The process's one router, on a thread of its own.

Every profile reaches the network through it (``--proxy-server``), so its port must be known
before QtWebEngine starts: ``prepare()`` binds the socket first, in plain Python, and the
asyncio server takes it over on its thread. The router runs off the Qt thread because
relaying costs about one CPU-second per GiB (research/perf_baseline.md §5), which would
otherwise stall the window during big transfers.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

from core.net.router import Policy, Router

log = logging.getLogger("partita.net.router")

_T = TypeVar("_T")


class RouterService:
    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        # Chromium may connect before the server runs; the backlog holds those connections.
        self._sock.listen(512)
        self.port = int(self._sock.getsockname()[1])
        self.router = Router()
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, name="partita-router", daemon=True)

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def secret(self) -> str:
        return self.router.secret

    def start(self) -> None:
        self._thread.start()
        self._started.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self.router.start(self._sock))
        self._started.set()
        self._loop.run_forever()

    def call(self, function: Callable[[], _T]) -> _T:
        """Run ``function`` on the router's thread and return its result."""
        if threading.current_thread() is self._thread:
            return function()
        future: Future[_T] = Future()

        def run() -> None:
            try:
                future.set_result(function())
            except BaseException as error:  # handed to the caller, not lost on this thread
                future.set_exception(error)

        self._loop.call_soon_threadsafe(run)
        return future.result(timeout=10)

    async def run(self, coroutine: Coroutine[Any, Any, _T]) -> _T:
        """Await ``coroutine`` on the router's loop from another loop (the Qt loop);
        cancelling the caller cancels it there too."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, self._loop))

    def register(self, token: str, policy: Policy) -> None:
        self.call(lambda: self.router.register(token, policy))

    def unregister(self, token: str) -> None:
        self.call(lambda: self.router.unregister(token))

    def last_failure(self, token: str, target: str) -> str | None:
        return self.call(lambda: self.router.last_failure(token, target))

    def close_all_connections(self, token: str) -> int:
        return self.call(lambda: self.router.close_all_connections(token))

    def forget_credentials(self, token: str) -> None:
        self.call(lambda: self.router.forget_credentials(token))

    def preconnect(self, token: str, url: str, count: int) -> Future[int]:
        """Start ``Router.preconnect`` without waiting; a failure is only logged, as Chromium
        drops a failed preconnect silently."""
        future = asyncio.run_coroutine_threadsafe(
            self.router.preconnect(token, url, count), self._loop)
        future.add_done_callback(_log_failed_preconnect)
        return future

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self.router.close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


def _log_failed_preconnect(future: Future[int]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.info("preconnect failed: %s", future.exception())


_service: list[RouterService] = []


def prepare() -> RouterService:
    """Bind the router's socket (before QtWebEngine starts) and start its thread."""
    if not _service:
        service = RouterService()
        service.start()
        _service.append(service)
        log.info("router listening on %s", service.proxy_url)
    return _service[0]


def service() -> RouterService:
    if not _service:
        raise RuntimeError("the router is not running: core.app.create_application() starts it")
    return _service[0]


def shutdown() -> None:
    while _service:
        _service.pop().stop()
