"""HTTP/1.x message heads for the router: read with a size cap and a deadline, parse strictly,
rewrite hop-by-hop headers, and write the router's own short answers.

The head is all the router ever parses; bodies and tunnels are relayed as bytes.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from dataclasses import dataclass

# Hop-by-hop headers (RFC 9110 §7.6.1) plus the proxy's own: never forwarded.
_HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-connection", "proxy-authorization", "proxy-authenticate",
    "te", "trailer", "upgrade",
})
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_VERSION = re.compile(r"^HTTP/1\.[01]$")
_REASONS = {
    200: "OK", 400: "Bad Request", 403: "Forbidden", 407: "Proxy Authentication Required",
    408: "Request Timeout", 431: "Request Header Fields Too Large", 501: "Not Implemented",
    502: "Bad Gateway", 504: "Gateway Timeout",
}


class HeadError(Exception):
    """A request the router refuses; ``status`` is the HTTP answer (0: just close).

    ``net_error`` is the Chromium error a direct connection would have given (for instance
    ``net::ERR_CONNECTION_REFUSED``); the answer carries it in ``NET_ERROR_HEADER``.
    """

    def __init__(self, status: int, message: str, net_error: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.net_error = net_error


NET_ERROR_HEADER = "X-Partita-Net-Error"


@dataclass(frozen=True)
class Head:
    """A request line (method, target, version) or status line (version, status, reason)."""

    start: tuple[str, str, str]
    headers: tuple[tuple[str, str], ...]

    def get(self, name: str) -> str | None:
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)

    def forwardable(self) -> list[tuple[str, str]]:
        """Headers minus hop-by-hop ones and those the Connection header names."""
        named = {part.strip().lower() for part in (self.get("connection") or "").split(",")}
        return [(k, v) for k, v in self.headers if k.lower() not in _HOP_BY_HOP | named]


async def read_head(reader: asyncio.StreamReader, timeout: float) -> bytes:
    """Bytes up to and including the blank line; HeadError for too large, stalled or cut off.

    The size cap is the reader's limit (the router sets it), so an endless header line never
    grows memory past it.
    """
    try:
        async with asyncio.timeout(timeout):
            return await reader.readuntil(b"\r\n\r\n")
    except asyncio.LimitOverrunError:
        raise HeadError(431, "request head larger than the limit") from None
    except TimeoutError:
        raise HeadError(408, f"no complete request head within {timeout:g} s") from None
    except (asyncio.IncompleteReadError, ConnectionError):
        raise HeadError(0, "connection closed before a complete head") from None


def parse_head(raw: bytes) -> Head:
    """Parse a head strictly (no obs-fold, no bare LF, tokens for names); HeadError 400 if not."""
    text = raw.decode("latin-1")
    lines = text[:-4].split("\r\n")
    start = lines[0].split(" ", 2)
    if len(start) != 3 or any(not part for part in start) or "\n" in text.replace("\r\n", ""):
        raise HeadError(400, f"malformed start line {lines[0][:100]!r}")
    headers = []
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon or not _TOKEN.match(name):
            raise HeadError(400, f"malformed header line {line[:100]!r}")
        headers.append((name, value.strip(" \t")))
    return Head((start[0], start[1], start[2]), tuple(headers))


def parse_request(raw: bytes) -> Head:
    head = parse_head(raw)
    method, _, version = head.start
    if not _TOKEN.match(method) or not _VERSION.match(version):
        raise HeadError(400, f"malformed request line {' '.join(head.start)[:100]!r}")
    return head


def parse_status(raw: bytes) -> tuple[int, Head]:
    head = parse_head(raw)
    version, status, _ = head.start
    if not _VERSION.match(version) or not (status.isdigit() and len(status) == 3):
        raise HeadError(502, f"malformed status line {' '.join(head.start)[:100]!r}")
    return int(status), head


def serialize(start: str, headers: Iterable[tuple[str, str]]) -> bytes:
    lines = [start, *(f"{name}: {value}" for name, value in headers), "", ""]
    return "\r\n".join(lines).encode("latin-1")


def answer(status: int, message: str = "", headers: Iterable[tuple[str, str]] = ()) -> bytes:
    """A complete response from the router itself; it always closes the connection."""
    body = (message + "\n").encode() if message else b""
    fixed = [*headers, ("Content-Type", "text/plain; charset=utf-8"),
             ("Content-Length", str(len(body))), ("Connection", "close"),
             ("Proxy-Connection", "close")]
    return serialize(f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}", fixed) + body
