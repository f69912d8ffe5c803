"""SOCKS client handshakes (RFC 1928 SOCKS5 with RFC 1929 user/password, and SOCKS4).

Like Chromium's SOCKS clients, SOCKS4 sends an IPv4 address the caller resolved (with the
session's resolver, core.net.upstream), while SOCKS5 sends the host name and lets the proxy
resolve it (so a SOCKS5 user's DNS goes through the proxy).
"""

from __future__ import annotations

import asyncio
import ipaddress
import struct
from collections.abc import Awaitable, Callable

Credentials = tuple[str, str]


class SocksError(Exception):
    """The SOCKS proxy refused or spoke something else."""


_SOCKS5_REPLIES = {
    1: "general failure", 2: "connection not allowed by ruleset", 3: "network unreachable",
    4: "host unreachable", 5: "connection refused", 6: "TTL expired",
    7: "command not supported", 8: "address type not supported",
}


async def socks4_connect(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, port: int,
    address: ipaddress.IPv4Address,
) -> None:
    """Ask for ``host:port`` by ``address``, the IPv4 address ``host`` resolved to."""
    writer.write(struct.pack(">BBH", 4, 1, port) + address.packed + b"\0")
    await writer.drain()
    reply = await reader.readexactly(8)
    if reply[1] != 90:
        raise SocksError(f"SOCKS4 proxy refused {host}:{port} (code {reply[1]})")


async def _socks5_login(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
    credentials: Callable[[], Awaitable[Credentials | None]],
) -> None:
    pair = await credentials()
    if pair is None:
        raise SocksError("SOCKS5 proxy asks for a user name and password, and none is known")
    user, password = (part.encode() for part in pair)
    if len(user) > 255 or len(password) > 255:
        raise SocksError("SOCKS5 user name or password longer than 255 bytes")
    writer.write(bytes([1, len(user)]) + user + bytes([len(password)]) + password)
    await writer.drain()
    if (await reader.readexactly(2))[1] != 0:
        raise SocksError("SOCKS5 proxy rejected the user name and password")


def _socks5_address(host: str) -> bytes:
    try:
        ip = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        name = host.encode("idna")
        return bytes([3, len(name)]) + name
    return bytes([1 if ip.version == 4 else 4]) + ip.packed


async def socks5_connect(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, port: int,
    credentials: Callable[[], Awaitable[Credentials | None]] | None,
) -> None:
    methods = b"\x00\x02" if credentials is not None else b"\x00"
    writer.write(bytes([5, len(methods)]) + methods)
    await writer.drain()
    version, method = await reader.readexactly(2)
    if version != 5:
        raise SocksError(f"not a SOCKS5 proxy (version byte {version})")
    if method == 2 and credentials is not None:
        await _socks5_login(reader, writer, credentials)
    elif method != 0:
        raise SocksError("SOCKS5 proxy accepts none of our authentication methods")
    writer.write(b"\x05\x01\x00" + _socks5_address(host) + struct.pack(">H", port))
    await writer.drain()
    _, reply, _, kind = await reader.readexactly(4)
    if reply != 0:
        reason = _SOCKS5_REPLIES.get(reply, f"code {reply}")
        raise SocksError(f"SOCKS5 proxy could not reach {host}:{port}: {reason}")
    length = {1: 4, 4: 16}.get(kind)
    if length is None:
        length = (await reader.readexactly(1))[0]
    await reader.readexactly(length + 2)  # the bound address and port, not needed
