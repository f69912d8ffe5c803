"""Real upstream proxies for the router tests (no tests here): a logging HTTP proxy (absolute
URI and CONNECT, optional Basic auth) and a logging SOCKS4/SOCKS5 proxy (optional password).
They run on the test's asyncio loop, on 127.0.0.1, and record what they see.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ipaddress
import socket
import ssl
import struct
from dataclasses import dataclass, field


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()


async def _splice(a: tuple[asyncio.StreamReader, asyncio.StreamWriter],
                  b: tuple[asyncio.StreamReader, asyncio.StreamWriter]) -> None:
    await asyncio.gather(_pipe(a[0], b[1]), _pipe(b[0], a[1]))
    a[1].close()
    b[1].close()


@dataclass
class _Base:
    host: str = "127.0.0.1"
    port: int = 0
    seen: list[tuple[str, ...]] = field(default_factory=list)
    server: asyncio.Server | None = None

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()


@dataclass
class UpstreamHttpProxy(_Base):
    """Logs (method, target, Proxy-Authorization); wants ``user:password`` if ``credentials``."""

    credentials: tuple[str, str] | None = None
    tls: ssl.SSLContext | None = None
    hosts: dict[str, str] = field(default_factory=dict)  # names only this proxy can resolve

    async def start(self) -> UpstreamHttpProxy:
        self.server = await asyncio.start_server(self._serve, self.host, 0, ssl=self.tls)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    def _resolve(self, host: str) -> str:
        return self.hosts.get(host, host)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        except (asyncio.IncompleteReadError, OSError):
            writer.close()
            return
        lines = head.split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = {k.strip().lower(): v.strip() for k, _, v in
                   (line.partition(":") for line in lines[1:] if line)}
        auth = headers.get("proxy-authorization", "")
        self.seen.append((method, target, auth))
        if self.credentials is not None:
            wanted = "Basic " + base64.b64encode(":".join(self.credentials).encode()).decode()
            if auth != wanted:
                writer.write(b"HTTP/1.1 407 Auth\r\nProxy-Authenticate: Basic realm=\"up\"\r\n"
                             b"Content-Length: 0\r\nConnection: close\r\n\r\n")
                await writer.drain()
                writer.close()
                return
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            origin = await asyncio.open_connection(self._resolve(host.strip("[]")), int(port))
            writer.write(b"HTTP/1.1 200 OK\r\n\r\n")
            await _splice((reader, writer), origin)
            return
        rest = target.split("://", 1)[1]
        authority, _, path = rest.partition("/")
        host, _, port = authority.rpartition(":") if ":" in authority else (authority, "", "80")
        origin = await asyncio.open_connection(self._resolve(host), int(port))
        kept = [line for line in lines[1:] if line and
                not line.lower().startswith(("proxy-authorization", "proxy-connection"))]
        origin[1].write(("\r\n".join([f"{method} /{path} HTTP/1.1", *kept, "", ""])).encode())
        await _splice((reader, writer), origin)


@dataclass
class SocksProxy(_Base):
    """Logs (version, host, port, user); SOCKS5 wants ``user:password`` if ``credentials``."""

    credentials: tuple[str, str] | None = None

    async def start(self) -> SocksProxy:
        self.server = await asyncio.start_server(self._serve, self.host, 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            version = (await reader.readexactly(1))[0]
            if version == 4:
                await self._socks4(reader, writer)
            else:
                await self._socks5(reader, writer)
        except (asyncio.IncompleteReadError, OSError):
            writer.close()

    async def _socks4(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        _, port = struct.unpack(">BH", await reader.readexactly(3))
        address = socket.inet_ntoa(await reader.readexactly(4))
        await reader.readuntil(b"\0")
        self.seen.append(("4", address, str(port), ""))
        origin = await asyncio.open_connection(address, port)
        writer.write(b"\x00\x5a" + b"\0" * 6)
        await _splice((reader, writer), origin)

    async def _socks5(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        methods = await reader.readexactly((await reader.readexactly(1))[0])
        user = ""
        if self.credentials is not None:
            if 2 not in methods:
                writer.write(b"\x05\xff")
                writer.close()
                return
            writer.write(b"\x05\x02")
            await reader.readexactly(1)
            user = (await reader.readexactly((await reader.readexactly(1))[0])).decode()
            password = (await reader.readexactly((await reader.readexactly(1))[0])).decode()
            ok = (user, password) == self.credentials
            writer.write(b"\x01\x00" if ok else b"\x01\x01")
            if not ok:
                writer.close()
                return
        else:
            writer.write(b"\x05\x00")
        _, _, _, kind = await reader.readexactly(4)
        if kind == 3:
            host = (await reader.readexactly((await reader.readexactly(1))[0])).decode()
        else:
            host = str(ipaddress.ip_address(await reader.readexactly(4 if kind == 1 else 16)))
        port = struct.unpack(">H", await reader.readexactly(2))[0]
        self.seen.append(("5", host, str(port), user))
        origin = await asyncio.open_connection(host, port)
        writer.write(b"\x05\x00\x00\x01" + b"\0" * 6)
        await _splice((reader, writer), origin)
