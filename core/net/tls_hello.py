"""Reading the first handshake message of each side of a TLS connection from the record layer.

The router looks at a tunnel's first bytes only: the client's ClientHello (to forward it
whole) and the server's ServerHello (for the negotiated version and cipher suite, RFC 8446
§4.1.3 and RFC 5246 §7.4.1.3). Both are in the clear in every TLS version. A handshake
message may be split over several records and a record may be split over several reads;
``read_handshake_message`` handles both, and keeps every byte it read so that the caller can
pass them on unchanged.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

CONTENT_HANDSHAKE = 22
CONTENT_ALERT = 21
CLIENT_HELLO = 1
SERVER_HELLO = 2
EXTENSION_SUPPORTED_VERSIONS = 43

TLS1_2 = 0x0303
# A HelloRetryRequest is a ServerHello with this random (RFC 8446 §4.1.3): SHA-256 of
# "HelloRetryRequest".
HELLO_RETRY_RANDOM = bytes.fromhex(
    "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")

_RECORD_HEADER = 5
_MAX_RECORD = 16384 + 2048  # TLSCiphertext's limit (RFC 8446 §5.2)
# A hello is small; Chromium's ClientHello with post-quantum key shares is about 2 KiB.
_MAX_HELLO = 64 * 1024


class HelloError(Exception):
    """The bytes are not the TLS handshake message expected."""


class NotHandshake(HelloError):
    """The stream does not start with (or continue as) TLS handshake records."""

    def __init__(self, raw: bytes, content_type: int) -> None:
        super().__init__(f"record of content type {content_type} where a handshake was expected")
        self.raw = raw
        self.content_type = content_type


@dataclass(frozen=True)
class ServerHello:
    version: int
    """The negotiated version (``supported_versions`` wins over ``legacy_version``)."""
    cipher_suite: int
    retry: bool
    """A HelloRetryRequest: its version and cipher suite bind the ServerHello that follows."""


@dataclass(frozen=True)
class HandshakeMessage:
    msg_type: int
    body: bytes
    raw: bytes
    """Every byte read from the stream, records whole: what to pass on."""


async def read_handshake_message(reader: asyncio.StreamReader) -> HandshakeMessage:
    """Read records until the first handshake message is complete.

    Raises NotHandshake when a record is not a handshake record (an alert, or not TLS at all:
    the caller passes ``error.raw`` on), HelloError for a message too large to be a hello,
    and asyncio.IncompleteReadError when the stream ends first.
    """
    raw = bytearray()
    handshake = bytearray()
    offset = 0
    while True:
        if len(raw) < offset + _RECORD_HEADER:
            raw += await reader.readexactly(offset + _RECORD_HEADER - len(raw))
        content_type = raw[offset]
        length = int.from_bytes(raw[offset + 3:offset + 5], "big")
        if content_type != CONTENT_HANDSHAKE or raw[offset + 1] != 3 or length > _MAX_RECORD:
            raise NotHandshake(bytes(raw), content_type)
        end = offset + _RECORD_HEADER + length
        if len(raw) < end:
            raw += await reader.readexactly(end - len(raw))
        handshake += raw[offset + _RECORD_HEADER:end]
        offset = end
        if len(handshake) >= 4:
            size = int.from_bytes(handshake[1:4], "big")
            if size > _MAX_HELLO:
                raise HelloError(f"handshake message of {size} bytes is not a hello")
            if len(handshake) >= 4 + size:
                return HandshakeMessage(handshake[0], bytes(handshake[4:4 + size]), bytes(raw))


class _Cursor:
    def __init__(self, data: bytes) -> None:
        self._data = data
        self._at = 0

    def take(self, size: int) -> bytes:
        if self._at + size > len(self._data):
            raise HelloError("ServerHello is truncated")
        chunk = self._data[self._at:self._at + size]
        self._at += size
        return chunk

    def number(self, size: int) -> int:
        return int.from_bytes(self.take(size), "big")

    @property
    def remaining(self) -> int:
        return len(self._data) - self._at


def parse_server_hello(message: HandshakeMessage) -> ServerHello:
    if message.msg_type != SERVER_HELLO:
        raise HelloError(f"handshake message type {message.msg_type} is not a ServerHello")
    cursor = _Cursor(message.body)
    version = cursor.number(2)
    random = cursor.take(32)
    cursor.take(cursor.number(1))  # legacy_session_id_echo
    cipher_suite = cursor.number(2)
    cursor.take(1)  # legacy_compression_method
    # Extensions are optional before TLS 1.3 (RFC 5246 §7.4.1.3).
    extensions = _Cursor(cursor.take(cursor.number(2))) if cursor.remaining else _Cursor(b"")
    while extensions.remaining:
        kind = extensions.number(2)
        data = extensions.take(extensions.number(2))
        if kind == EXTENSION_SUPPORTED_VERSIONS and len(data) == 2:
            version = int.from_bytes(data, "big")
    return ServerHello(version, cipher_suite, random == HELLO_RETRY_RANDOM)


def alert_record(description: int) -> bytes:
    """A fatal alert record in the clear (what a server sends instead of a ServerHello)."""
    return bytes([CONTENT_ALERT, 3, 3, 0, 2, 2, description])
