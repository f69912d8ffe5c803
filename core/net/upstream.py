"""Opening the router's side of a connection through one entry of a proxy list.

``open_tunnel`` gives a byte stream to ``host:port``: directly, through an HTTP or HTTPS proxy
(CONNECT), or through SOCKS4/SOCKS5. ``open_proxy`` gives a connection to an HTTP(S) proxy for
absolute-URI requests. Every failure is a RouteError, which makes the router try the next
entry of the list (Chromium's fail-over).

Upstream proxy credentials come from the session's callback, asked only after a 407 (or when a
SOCKS5 proxy wants a password) and then sent up front: ``ProxyAuth``.
"""

from __future__ import annotations

import asyncio
import base64
import errno
import ipaddress
import re
import socket
import ssl
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from core.errors import NetError
from core.net.http_head import Head, HeadError, parse_status, serialize
from core.net.proxy_server import ProxyServer, Scheme
from core.net.socks import Credentials, SocksError, socks4_connect, socks5_connect
from core.net.url_host import unbracketed

Stream = tuple[asyncio.StreamReader, asyncio.StreamWriter]
# A host's addresses in the order to try (the session's resolver); NetError if it has none.
HostLookup = Callable[[str], Awaitable[Sequence[str]]]

# What Chromium reports when a proxy's 407 is not answered (no credentials, or refused ones).
PROXY_AUTH_ERROR = "net::ERR_PROXY_AUTH_REQUESTED"

# Upstream readers: large enough that a 256 KiB read is rarely cut short by flow control.
READ_LIMIT = 1 << 20


class RouteError(Exception):
    """This entry of the proxy list cannot be used; the message says why, and ``net_error``
    names what Chromium reports for it."""

    DEFAULT = "net::ERR_PROXY_CONNECTION_FAILED"

    def __init__(self, message: str, net_error: str = DEFAULT) -> None:
        super().__init__(message)
        self.net_error = net_error


def origin_error(error: BaseException) -> str:
    """Chromium's name for a failed direct connection (what a page would have seen)."""
    if isinstance(error, socket.gaierror):
        return "net::ERR_NAME_NOT_RESOLVED"
    if isinstance(error, ConnectionRefusedError):
        return "net::ERR_CONNECTION_REFUSED"
    if isinstance(error, ConnectionResetError):
        return "net::ERR_CONNECTION_RESET"
    if isinstance(error, TimeoutError):
        return "net::ERR_CONNECTION_TIMED_OUT"
    if isinstance(error, OSError) and error.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return "net::ERR_ADDRESS_UNREACHABLE"
    return "net::ERR_CONNECTION_FAILED"


@dataclass(frozen=True)
class Challenge:
    """Why a proxy's credentials are asked for: its realm (from ``Proxy-Authenticate``; empty
    for SOCKS5) and the pair it has just refused, if the request carried one, so that the
    session asks the user instead of offering the same pair again."""

    realm: str = ""
    rejected: Credentials | None = None


CredentialsCallback = Callable[[ProxyServer, Challenge], Awaitable[Credentials | None]]

_REALM = re.compile(r'realm="((?:[^"\\]|\\.)*)"|realm=([^\s,]+)', re.IGNORECASE)


def realm_of(response: Head) -> str:
    """The realm of a 407's ``Proxy-Authenticate`` challenge ("" when it names none)."""
    found = _REALM.search(response.get("Proxy-Authenticate") or "")
    if found is None:
        return ""
    quoted = found.group(1)
    return re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else found.group(2)


class ProxyAuth:
    """A session's upstream proxy credentials: asked once per proxy, then sent up front.

    A refused pair stays the one requests carry until its replacement comes: a request made
    while the question is open then meets the same refusal and waits for the same answer,
    instead of going out bare and asking with nothing refused (which would offer the
    remembered, refused pair again, or ask twice)."""

    def __init__(self, callback: CredentialsCallback | None) -> None:
        self._callback = callback
        self._known: dict[ProxyServer, Credentials] = {}
        # The last question per proxy; an open one is shared by every request that needs it.
        self._asking: dict[ProxyServer, asyncio.Future[Credentials | None]] = {}

    @property
    def can_ask(self) -> bool:
        return self._callback is not None

    def sent(self, server: ProxyServer) -> Credentials | None:
        """The pair a request to ``server`` carries now (pass it to ``renew`` after a 407)."""
        return self._known.get(server)

    def header(self, server: ProxyServer) -> list[tuple[str, str]]:
        pair = self._known.get(server)
        if pair is None:
            return []
        token = base64.b64encode(f"{pair[0]}:{pair[1]}".encode()).decode("ascii")
        return [("Proxy-Authorization", f"Basic {token}")]

    async def get(self, server: ProxyServer) -> Credentials | None:
        if server not in self._known and self._callback is not None:
            await self._ask(self._callback, server, Challenge())
        return self._known.get(server)

    async def renew(self, server: ProxyServer, sent: Credentials | None,
                    response: Head | None = None) -> bool:
        """After a 407 to a request that carried ``sent``: ask again; False if nothing new
        came. A pair learnt meanwhile by a concurrent request is used without asking; while
        a question is open, its answer is newer than any pair known, so it is awaited."""
        if not self._is_asking(server):
            known = self._known.get(server)
            if known is not None and known != sent:
                return True
        if self._callback is None:
            return False
        challenge = Challenge(realm_of(response) if response is not None else "", sent)
        return await self._ask(self._callback, server, challenge) is not None

    def _is_asking(self, server: ProxyServer) -> bool:
        asking = self._asking.get(server)
        return asking is not None and not asking.done()

    async def _ask(self, callback: CredentialsCallback, server: ProxyServer,
                   challenge: Challenge) -> Credentials | None:
        if not self._is_asking(server):
            self._asking[server] = asyncio.ensure_future(
                self._learn(callback, server, challenge))
        asking = self._asking[server]
        # Shielded: a request that gives up must not cancel the question the others wait on.
        return await asyncio.shield(asking)

    async def _learn(self, callback: CredentialsCallback, server: ProxyServer,
                     challenge: Challenge) -> Credentials | None:
        pair = await callback(server, challenge)
        if pair is not None:
            self._known[server] = pair
        return pair


def close_quietly(writer: asyncio.StreamWriter) -> None:
    transport = writer.transport
    if not transport.is_closing():
        transport.abort()


async def _dial(host: str, port: int, tls: ssl.SSLContext | None, timeout: float,
                label: str, *, origin: bool = False) -> Stream:
    try:
        async with asyncio.timeout(timeout):
            return await asyncio.open_connection(
                unbracketed(host), port, limit=READ_LIMIT, ssl=tls,
                server_hostname=unbracketed(host) if tls is not None else None,
            )
    except (OSError, TimeoutError) as error:
        code = origin_error(error) if origin else "net::ERR_PROXY_CONNECTION_FAILED"
        raise RouteError(f"cannot connect to {label}: {error or 'timed out'}", code) from None


async def _dial_origin(host: str, port: int, timeout: float, lookup: HostLookup | None,
                       ) -> Stream:
    """A DIRECT connection: to each address the session's resolver gives, in turn, within
    one ``timeout``; without a resolver, asyncio's getaddrinfo decides."""
    label = f"{host}:{port}"
    if lookup is None:
        return await _dial(host, port, None, timeout, label, origin=True)
    try:
        addresses = await lookup(host)
    except NetError as error:
        raise RouteError(f"cannot resolve {host}: {error}", error.code) from None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    failure = RouteError(f"no address for {host}", "net::ERR_NAME_NOT_RESOLVED")
    for address in addresses:
        try:
            return await _dial(address, port, None, max(deadline - loop.time(), 0.0), label,
                               origin=True)
        except RouteError as error:
            failure = error
    raise failure


async def open_proxy(server: ProxyServer, tls: ssl.SSLContext, timeout: float) -> Stream:
    """A connection to an HTTP (or, over TLS, HTTPS) proxy."""
    use_tls = tls if server.scheme is Scheme.HTTPS else None
    return await _dial(server.host, server.port, use_tls, timeout, server.to_uri())


async def _http_connect(
    server: ProxyServer, host: str, port: int, auth: ProxyAuth, tls: ssl.SSLContext,
    timeout: float,
) -> Stream:
    authority = f"{host}:{port}"
    for attempt in (1, 2):
        reader, writer = await open_proxy(server, tls, timeout)
        sent = auth.sent(server)
        headers = [("Host", authority), *auth.header(server)]
        writer.write(serialize(f"CONNECT {authority} HTTP/1.1", headers))
        try:
            async with asyncio.timeout(timeout):
                await writer.drain()
                status, response = parse_status(await reader.readuntil(b"\r\n\r\n"))
        except (OSError, TimeoutError, HeadError, asyncio.IncompleteReadError,
                asyncio.LimitOverrunError) as error:
            close_quietly(writer)
            raise RouteError(f"{server.to_uri()} failed during CONNECT: {error!r}") from None
        if status == 200:
            return reader, writer
        close_quietly(writer)
        if status == 407 and attempt == 1 and await auth.renew(server, sent, response):
            continue
        raise RouteError(f"{server.to_uri()} answered CONNECT {authority} with {status}",
                         PROXY_AUTH_ERROR if status == 407 else RouteError.DEFAULT)
    raise AssertionError("unreachable")  # pragma: no cover


async def _socks4_address(host: str, lookup: HostLookup | None) -> ipaddress.IPv4Address:
    """SOCKS4 carries an IPv4 address: the first the session's resolver gives (NetError if
    it knows none); without a resolver, getaddrinfo's."""
    name = unbracketed(host)
    if lookup is None:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                name, None, family=socket.AF_INET, type=socket.SOCK_STREAM)
        except OSError as error:
            raise SocksError(f"SOCKS4 needs an IPv4 address for {host}: {error}") from None
        addresses: Sequence[str] = [str(info[4][0]) for info in infos]
    else:
        addresses = await lookup(name)
    for address in addresses:
        ip = ipaddress.ip_address(address)
        if isinstance(ip, ipaddress.IPv4Address):
            return ip
    raise SocksError(f"SOCKS4 needs an IPv4 address for {host}, which has none")


async def _socks_connect(
    server: ProxyServer, host: str, port: int, auth: ProxyAuth, timeout: float,
    lookup: HostLookup | None,
) -> Stream:
    reader, writer = await _dial(server.host, server.port, None, timeout, server.to_uri())
    try:
        async with asyncio.timeout(timeout):
            if server.scheme is Scheme.SOCKS4:
                address = await _socks4_address(host, lookup)
                await socks4_connect(reader, writer, host, port, address)
            else:
                ask = (lambda: auth.get(server)) if auth.can_ask else None
                await socks5_connect(reader, writer, host, port, ask)
    except NetError as error:  # the session's resolver knows no address for host
        close_quietly(writer)
        raise RouteError(f"{server.to_uri()}: cannot resolve {host}: {error}",
                         error.code) from None
    except (OSError, TimeoutError, SocksError, asyncio.IncompleteReadError) as error:
        close_quietly(writer)
        raise RouteError(f"{server.to_uri()}: {error or 'timed out'}") from None
    return reader, writer


async def open_tunnel(
    server: ProxyServer, host: str, port: int, auth: ProxyAuth, tls: ssl.SSLContext,
    timeout: float, lookup: HostLookup | None = None,
) -> Stream:
    """A byte stream to ``host:port`` through ``server``; RouteError if it cannot be had.
    ``lookup`` resolves ``host`` where Partita does (the session's resolver): for a DIRECT
    connection and for SOCKS4, which carries an address."""
    if server.scheme in (Scheme.HTTP, Scheme.HTTPS):
        return await _http_connect(server, host, port, auth, tls, timeout)
    if server.scheme in (Scheme.SOCKS4, Scheme.SOCKS5):
        return await _socks_connect(server, host, port, auth, timeout, lookup)
    return await _dial_origin(host, port, timeout, lookup)
