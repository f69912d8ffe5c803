"""The router: one asyncio proxy on 127.0.0.1 that every session's traffic goes through.

QtWebEngine has one process-wide proxy (research/qtwebengine_network.md, row 7), so each
profile is pointed at this router and told apart by the proxy credential it answers a 407 with:
Chromium caches that credential per profile (measured). The user name is the session's token,
the password a random secret of this run, so no other local process can use the router: a
request without a valid pair gets ``407 Proxy-Authenticate: Basic realm="partita"`` and is
never forwarded.

Per request, the token's Policy gives the fail-over list for the URL, and the router tries
each entry in turn: DIRECT, an HTTP or HTTPS proxy, SOCKS4 or SOCKS5 (core.net.upstream).
Absolute-URI requests (plain http) are forwarded with ``Connection: close`` on both sides;
CONNECT tunnels, and responses after their head, are relayed as bytes (core.net.relay: spliced
socket to socket, with backpressure, so a slow reader on one side slows the other).

Every client gets an error answer or a closed connection for a malformed, oversized or stalled
request; nothing a client sends can stop the router.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hmac
import logging
import secrets
import socket
import ssl
import urllib.parse
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from core.net import tls_gate
from core.net.emulation import OFFLINE_ERROR, Emulation
from core.net.http_head import (
    NET_ERROR_HEADER,
    Head,
    HeadError,
    answer,
    parse_request,
    parse_status,
    read_head,
    serialize,
)
from core.net.net_log_sink import NetLogFile, SocketTrace, current_trace
from core.net.proxy_config import ProxyConfig, resolve_proxy_list_async
from core.net.proxy_server import ProxyServer, Scheme, to_pac_string
from core.net.relay import SPLICE_FROM, relay
from core.net.relay import pump as relay_pump
from core.net.resolver import HostResolver
from core.net.socket_pool import Key, SocketPool
from core.net.tls_policy import TlsPolicy
from core.net.upstream import (
    PROXY_AUTH_ERROR,
    CredentialsCallback,
    HostLookup,
    ProxyAuth,
    RouteError,
    Stream,
    close_quietly,
    open_proxy,
    open_tunnel,
)
from core.net.url_host import UrlParts

log = logging.getLogger("partita.net.router")
_T = TypeVar("_T")

REALM = "partita"


@dataclass(frozen=True)
class Policy:
    """What the router asks a session: the proxy list for a URL, and upstream credentials."""

    resolve: Callable[[UrlParts], Awaitable[Sequence[ProxyServer]]]
    credentials: CredentialsCallback | None = None
    # While ``ses.net_log`` records: where this session's requests are logged (None: no cost).
    net_log: NetLogFile | None = None
    # TLS versions, ciphers and certificate checks (core.net.tls_gate); None: no cost.
    tls: TlsPolicy | None = None
    # The session's host resolver for DIRECT connections (None: getaddrinfo, uncached).
    resolver: HostResolver | None = None
    # Network emulation (offline, latency, throughput); None: the fast relay, no cost.
    emulation: Emulation | None = None


async def _emulate(emulation: Emulation) -> None:
    """Before a request or tunnel goes on: refuse it while offline, else add the latency."""
    if emulation.offline:
        raise HeadError(502, "the session is offline (network emulation)", OFFLINE_ERROR)
    await asyncio.sleep(emulation.latency_seconds)


def _lookup(policy: Policy) -> HostLookup | None:
    return policy.resolver.addresses if policy.resolver is not None else None


def config_policy(config: ProxyConfig, credentials: CredentialsCallback | None = None) -> Policy:
    """A Policy that answers from one (immutable) ProxyConfig."""

    async def resolve(url: UrlParts) -> Sequence[ProxyServer]:
        return await resolve_proxy_list_async(config, url)

    return Policy(resolve, credentials)


class _Failures:
    """The last error per request target: Chromium reports any failed CONNECT as
    ``ERR_TUNNEL_CONNECTION_FAILED``, so the session asks here what really failed."""

    LIMIT = 256

    def __init__(self) -> None:
        self._last: OrderedDict[str, str] = OrderedDict()

    def record(self, target: str, net_error: str) -> None:
        self._last[target] = net_error
        self._last.move_to_end(target)
        while len(self._last) > self.LIMIT:
            self._last.popitem(last=False)

    def get(self, target: str) -> str | None:
        return self._last.get(target)


@dataclass
class _Session:
    policy: Policy
    auth: ProxyAuth
    writers: set[asyncio.StreamWriter] = field(default_factory=set)
    failures: _Failures = field(default_factory=_Failures)
    pool: SocketPool = field(default_factory=SocketPool)


class Router:
    """``await router.start()``, then ``register(token, policy)`` per session."""

    def __init__(
        self,
        *,
        head_timeout: float = 30.0,
        connect_timeout: float = 30.0,
        half_close_timeout: float = 60.0,
        max_head_bytes: int = 64 * 1024,
        max_replay_body: int = 1 << 20,
        upstream_tls: ssl.SSLContext | None = None,
    ) -> None:
        self.head_timeout = head_timeout
        self.connect_timeout = connect_timeout
        self.half_close_timeout = half_close_timeout
        self.max_head_bytes = max_head_bytes
        self.max_replay_body = max_replay_body
        self.upstream_tls = upstream_tls or ssl.create_default_context()
        self.secret = secrets.token_urlsafe(32)
        self._sessions: dict[str, _Session] = {}
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False

    async def start(self, sock: socket.socket | None = None) -> None:
        """Listen on ``sock`` (bound and listening already) or on a new ephemeral port."""
        if sock is not None:
            self._server = await asyncio.start_server(
                self._client, sock=sock, limit=self.max_head_bytes)
        else:
            self._server = await asyncio.start_server(
                self._client, "127.0.0.1", 0, limit=self.max_head_bytes)

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the router is not started")
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def proxy_url(self) -> str:
        """What ``--proxy-server`` gets."""
        return f"http://127.0.0.1:{self.port}"

    def register(self, token: str, policy: Policy) -> None:
        """Route the requests authenticated with ``token`` by ``policy`` (replacing any)."""
        if not token or ":" in token or not token.isprintable():
            raise ValueError(f"invalid router token {token!r}: printable, non-empty, no ':'")
        old = self._sessions.get(token)
        # Remembered upstream credentials outlive a policy change (starting a net log, a new
        # proxy list) as Chromium's auth cache does; clear_auth_cache forgets them.
        auth = old.auth if old and old.policy.credentials == policy.credentials \
            else ProxyAuth(policy.credentials)
        self._sessions[token] = _Session(policy, auth,
                                         old.writers if old else set(),
                                         old.failures if old else _Failures(),
                                         old.pool if old else SocketPool())

    def forget_credentials(self, token: str) -> None:
        """Drop the upstream proxy credentials this session gave (``clear_auth_cache``)."""
        session = self._sessions.get(token)
        if session is not None:
            session.auth = ProxyAuth(session.policy.credentials)

    def unregister(self, token: str) -> None:
        self.close_all_connections(token)
        self._sessions.pop(token, None)

    def credentials(self, token: str) -> tuple[str, str]:
        """The user name and password a profile answers the router's 407 with."""
        if token not in self._sessions:
            raise KeyError(f"no session registered with token {token!r}")
        return token, self.secret

    def last_failure(self, token: str, target: str) -> str | None:
        """The Chromium error of the last failed request to ``target`` (``host:port`` for
        CONNECT) by that session, if any."""
        session = self._sessions.get(token)
        return session.failures.get(target) if session else None

    def close_all_connections(self, token: str) -> int:
        """Close every connection (tunnels included) of that session; returns how many."""
        session = self._sessions.get(token)
        writers = list(session.writers) if session else []
        for writer in writers:
            # The splice relay holds duplicates of these sockets: closing the transport alone
            # would leave the connection open until the relay notices, and a request sent in
            # that moment (a reload right after a revoke) would still reach the server.
            # shutdown() ends the connection itself, whichever descriptor holds it.
            sock = writer.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            close_quietly(writer)
        return len(writers) + (session.pool.close_all() if session else 0)

    async def preconnect(self, token: str, url: str, count: int) -> int:
        """Open up to ``count`` connections for that session's next requests to ``url``'s
        origin, by its proxy list, and keep them in its pool; returns how many were opened."""
        session = self._sessions.get(token)
        if session is None:
            return 0
        parts = UrlParts.parse(url)
        servers = await self._resolve(session, parts)
        opened = 0

        async def open_one(server: ProxyServer) -> tuple[Key, Stream, SocketTrace | None]:
            # Plain http through an HTTP proxy is sent to the proxy itself (see _forward).
            to_proxy = parts.scheme == "http" and server.scheme in (Scheme.HTTP, Scheme.HTTPS)
            key = (server, "", 0) if to_proxy else (server, parts.host, parts.port)
            opening = self._dial(session, *key)
            log_file = session.policy.net_log
            if log_file is None:
                return key, await opening, None
            trace = SocketTrace(log_file)
            return key, await trace.connect(server, key[1], key[2], opening), trace

        for _ in range(count):
            key, stream, trace = await self._first_route(servers, open_one)
            if session.pool.room(key) <= 0:
                close_quietly(stream[1])
                if trace is not None:
                    trace.close()
                break
            session.pool.put(key, stream, trace)
            opened += 1
        return opened

    def _dial(self, session: _Session, server: ProxyServer, host: str,
              port: int) -> Awaitable[Stream]:
        """A new connection: to ``host:port`` through ``server``, or with no host, to the
        HTTP(S) proxy ``server`` itself."""
        if not host:
            return open_proxy(server, self.upstream_tls, self.connect_timeout)
        return open_tunnel(server, host, port, session.auth, self.upstream_tls,
                           self.connect_timeout, _lookup(session.policy))

    async def _open(self, session: _Session, server: ProxyServer, host: str,
                    port: int) -> Stream:
        """A connection for the current request: one ``preconnect`` left, else ``_dial``."""
        trace = current_trace()
        pooled = session.pool.take((server, host, port))
        if pooled is not None:
            if trace is not None:
                trace.reused(pooled.trace)
            return pooled.stream
        opening = self._dial(session, server, host, port)
        return await (trace.connect(server, host, port, opening) if trace else opening)

    async def close(self) -> None:
        self._closing = True
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    def _authenticate(self, head: Head) -> _Session:
        scheme, _, data = (head.get("Proxy-Authorization") or "").partition(" ")
        if scheme.lower() == "basic":
            try:
                user, sep, password = base64.b64decode(data.strip(), validate=True) \
                    .decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError):
                user, sep, password = "", "", ""
            session = self._sessions.get(user)
            if sep and session is not None and hmac.compare_digest(password, self.secret):
                return session
        raise HeadError(407, "this proxy serves Partita's own sessions only")

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        session: _Session | None = None
        head: Head | None = None
        try:
            head = parse_request(await read_head(reader, self.head_timeout))
            session = self._authenticate(head)
            session.writers.add(writer)
            if session.policy.net_log is not None:
                session.policy.net_log.request(head.start[0], head.start[1])
            if (emulation := session.policy.emulation) is not None:
                await _emulate(emulation)
            if head.start[0].upper() == "CONNECT":
                await self._tunnel(head, session, reader, writer)
            else:
                await self._forward(head, session, reader, writer)
        except HeadError as error:
            log.debug("refused a request: %s", error)
            if (trace := current_trace()) is not None:
                trace.end(error.net_error or "net::ERR_FAILED")
            if error.status:
                extra = [("Proxy-Authenticate", f'Basic realm="{REALM}"')] \
                    if error.status == 407 else []
                if error.net_error:
                    extra.append((NET_ERROR_HEADER, error.net_error))
                    if session is not None and head is not None:
                        session.failures.record(head.start[1], error.net_error)
                with contextlib.suppress(OSError):
                    writer.write(answer(error.status, str(error), extra))
                    await writer.drain()
        except OSError as error:
            log.debug("client connection ended: %r", error)
        except asyncio.CancelledError:
            # Only close() cancels handlers. Ending normally keeps asyncio's own callback
            # (which asks the task for its exception) from logging the cancellation.
            if not self._closing:
                raise
        except Exception:
            log.exception("router: unexpected error on a client connection")
        finally:
            if (trace := current_trace()) is not None:
                trace.end()
            if session is not None:
                session.writers.discard(writer)
            close_quietly(writer)
            self._tasks.discard(task)

    async def _resolve(self, session: _Session, url: UrlParts) -> Sequence[ProxyServer]:
        try:
            servers = await session.policy.resolve(url)
        except Exception as error:  # a PAC failure or a policy bug: a 502, not a crash
            raise HeadError(502, f"no proxy decision for {url.url}: {error}") from None
        if (trace := current_trace()) is not None:
            trace.proxy_resolution(to_pac_string(servers))
        return servers

    async def _first_route(
        self, servers: Sequence[ProxyServer], open_one: Callable[[ProxyServer], Awaitable[_T]]
    ) -> _T:
        """Chromium's fail-over: the first entry of the list that connects."""
        failures: list[RouteError] = []
        for server in servers:
            try:
                return await open_one(server)
            except RouteError as error:
                failures.append(error)
                if (trace := current_trace()) is not None and not server.is_direct:
                    trace.fallback(server, error.net_error)
        code = failures[-1].net_error if failures else "net::ERR_EMPTY_PROXY_LIST"
        reasons = "; ".join(str(failure) for failure in failures) or "empty proxy list"
        raise HeadError(502, f"no route ({code}): {reasons}", code)

    async def _splice(self, session: _Session, client: Stream, upstream: Stream,
                      both_ways: bool, small: bool = False) -> None:
        socket = trace.socket if (trace := current_trace()) is not None else None
        emulation = session.policy.emulation
        await relay(client, upstream, both_ways=both_ways,
                    half_close_timeout=self.half_close_timeout,
                    upload=emulation.upload if emulation else None,
                    download=emulation.download if emulation else None,
                    on_sent=socket.sent.add if socket else None,
                    on_received=socket.received.add if socket else None, small=small)

    async def _tunnel(self, head: Head, session: _Session, reader: asyncio.StreamReader,
                      writer: asyncio.StreamWriter) -> None:
        target = head.start[1]
        try:
            url = UrlParts.parse(f"https://{target}/")
            if url.port <= 0 or not target.rpartition(":")[2].isdigit():
                raise ValueError("CONNECT needs host:port")
        except ValueError as error:
            raise HeadError(400, f"bad CONNECT target {target[:100]!r}: {error}") from None
        servers = await self._resolve(session, url)
        tls = session.policy.tls
        if tls is not None and tls.certificates is not None and tls.certificates.wants(url.host):
            # The router's own handshake goes the tunnel's way, on a connection of its own.
            def fresh(server: ProxyServer) -> Awaitable[Stream]:
                return open_tunnel(server, url.host, url.port, session.auth, self.upstream_tls,
                                   self.connect_timeout, _lookup(session.policy))

            await tls_gate.vet_certificate(tls.certificates, url.host,
                                           lambda: self._first_route(servers, fresh),
                                           self.connect_timeout)
        upstream = await self._first_route(
            servers, lambda server: self._open(session, server, url.host, url.port))
        session.writers.add(upstream[1])
        try:
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await writer.drain()
            if (trace := current_trace()) is not None:
                trace.tunnel_established()
            if tls is not None and tls.config is not None:
                await tls_gate.check_server_hello((reader, writer), upstream, tls.config,
                                                  self.connect_timeout)
            await self._splice(session, (reader, writer), upstream, both_ways=True)
        finally:
            session.writers.discard(upstream[1])

    async def _body(self, head: Head, reader: asyncio.StreamReader) -> bytes | None:
        """A small body read whole, so a request can be sent again after an upstream 407;
        None for a body that is streamed instead (chunked or large)."""
        length = head.get("Content-Length")
        if head.get("Transfer-Encoding") is not None:
            return None
        if length is None:
            return b""
        if not length.isdigit():
            raise HeadError(400, f"bad Content-Length {length[:40]!r}")
        if int(length) > self.max_replay_body:
            return None
        try:
            async with asyncio.timeout(self.head_timeout):
                return await reader.readexactly(int(length))
        except TimeoutError:
            raise HeadError(408, "request body stalled") from None
        except asyncio.IncompleteReadError:
            raise HeadError(0, "connection closed inside the request body") from None

    async def _forward(self, head: Head, session: _Session, reader: asyncio.StreamReader,
                       writer: asyncio.StreamWriter) -> None:
        method, target, _ = head.start
        try:
            url = UrlParts.parse(target)
        except ValueError as error:
            raise HeadError(400, f"a proxy request needs an absolute URI: {error}") from None
        if url.scheme != "http":
            raise HeadError(501, f"{url.scheme}:// is not forwarded; use CONNECT")
        servers = await self._resolve(session, url)
        body = await self._body(head, reader)
        if body and (emulation := session.policy.emulation) is not None:
            await emulation.pace_upload(len(body))  # a body held whole skips the relay's pacing
        split = urllib.parse.urlsplit(target)
        origin_form = (split.path or "/") + (f"?{split.query}" if split.query else "")
        headers = [*head.forwardable(), ("Connection", "close")]
        if head.get("Host") is None:
            headers.insert(0, ("Host", split.netloc.rpartition("@")[2]))

        async def exchange(server: ProxyServer) -> tuple[int, Head, Stream]:
            via_proxy = server.scheme in (Scheme.HTTP, Scheme.HTTPS)
            if via_proxy:
                stream = await self._open(session, server, "", 0)
            else:
                stream = await self._open(session, server, url.host, url.port)
            line = f"{method} {target if via_proxy else origin_form} HTTP/1.1"
            auth = session.auth.header(server) if via_proxy else []
            stream[1].write(serialize(line, [*headers, *auth]) + (body or b""))
            if (trace := current_trace()) is not None:
                trace.request_headers(line, [*headers, *auth])
            # A streamed body flows while the response head is awaited (the server may want
            # the whole body first); _splice takes over the copy afterwards.
            pump = None if body is not None \
                else asyncio.create_task(relay_pump(reader, stream[1]))
            try:
                status, response = parse_status(await stream[0].readuntil(b"\r\n\r\n"))
            except (OSError, HeadError, asyncio.IncompleteReadError,
                    asyncio.LimitOverrunError) as error:
                close_quietly(stream[1])
                raise RouteError(f"{server.to_uri()} gave no response: {error!r}") from None
            finally:
                if pump is not None:
                    pump.cancel()
            return status, response, stream

        async def exchange_with_auth(server: ProxyServer) -> tuple[int, Head, Stream]:
            sent = session.auth.sent(server)
            status, response, stream = await exchange(server)
            via_proxy = server.scheme in (Scheme.HTTP, Scheme.HTTPS)
            if status == 407 and via_proxy and body is not None \
                    and await session.auth.renew(server, sent, response):
                close_quietly(stream[1])
                status, response, stream = await exchange(server)
            return status, response, stream

        status, response, upstream = await self._first_route(servers, exchange_with_auth)
        if (trace := current_trace()) is not None:
            trace.response_headers(" ".join(response.start), list(response.headers))
        if status == 407:
            close_quietly(upstream[1])
            raise HeadError(502, "the upstream proxy wants credentials the session did not give",
                            PROXY_AUTH_ERROR)
        session.writers.add(upstream[1])
        try:
            writer.write(serialize(" ".join(response.start),
                                   [*response.forwardable(), ("Connection", "close")]))
            length = response.get("Content-Length") or ""
            small = body is not None and length.isdigit() and int(length) < SPLICE_FROM
            await self._splice(session, (reader, writer), upstream, both_ways=False,
                               small=small)
        finally:
            session.writers.discard(upstream[1])
