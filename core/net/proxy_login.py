"""Upstream proxy credentials for the router, decided on the Qt loop.

After an upstream proxy's 407 the router asks (``credentials``): the partition's remembered
pair comes first (core.net.credentials); when there is none, or the proxy has just refused it,
the session's ``"login"`` event asks (core.net.login), and a pair given with ``remember`` is
stored for the next time. Concurrent requests to the same proxy share one question.
"""

from __future__ import annotations

import asyncio

from core.events import EventEmitter
from core.net import login
from core.net.credentials import CredentialStore, proxy_key
from core.net.proxy_server import ProxyServer
from core.net.socks import Credentials
from core.net.upstream import Challenge

AUTH_SCHEME = "basic"  # what the router answers a 407 with (core.net.upstream.ProxyAuth)


class ProxyLogin:
    def __init__(self, emitter: EventEmitter, store: CredentialStore) -> None:
        self._emitter = emitter
        self.store = store
        self._asking: dict[str, asyncio.Future[Credentials | None]] = {}

    async def credentials(self, server: ProxyServer, challenge: Challenge) -> Credentials | None:
        """The pair to send to ``server`` (call on the Qt loop); None fails the request."""
        key = proxy_key(server)
        # While a question is open the store may still hold the pair just refused (the answer
        # is saved before the question closes): an open question is joined, never bypassed.
        if key not in self._asking:
            stored = await self.store.get(key)
            if stored is not None and stored != challenge.rejected and key not in self._asking:
                return stored
        asking = self._asking.get(key)
        if asking is None:
            asking = asyncio.ensure_future(self._ask(key, server, challenge))
            self._asking[key] = asking
            asking.add_done_callback(lambda _: self._asking.pop(key, None))
        return await asyncio.shield(asking)

    async def _ask(self, key: str, server: ProxyServer, challenge: Challenge,
                   ) -> Credentials | None:
        host = server.host.strip("[]")
        info = login.AuthInfo(True, AUTH_SCHEME, host, server.port, challenge.realm)
        answer = await login.ask_async(self._emitter, info)
        if answer is None:
            return None
        if answer.remember:
            await self.store.save(key, answer.username, answer.password)
        return answer.username, answer.password
