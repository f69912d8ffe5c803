"""The router's own TLS handshake with a server, for its certificate chain and verdict.

QtWebEngine has no certificate verify hook (research/qtwebengine_network.md row 9), so for a
session with a verify proc (or a revoked certificate exception) the router shakes hands with
the host itself, through the same route the tunnel will take, and reads the chain there.

The verdict comes from OpenSSL with the system's trust store and a host name check, which is
not Chromium's verifier: the two can disagree on corner cases (Chromium's own root store,
Certificate Transparency, revocation). A valid chain costs one handshake; an invalid one two,
because Python hands out the chain of a failed verification only from a handshake that did
not verify (CERT_NONE).
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from core import net_errors
from core.net.upstream import Stream, close_quietly

# OpenSSL X509_V_ERR_* codes → Chromium's certificate errors; anything else is CERT_INVALID.
_VERIFY_ERRORS: dict[int, int] = {
    2: -202,   # UNABLE_TO_GET_ISSUER_CERT
    9: -201,   # CERT_NOT_YET_VALID
    10: -201,  # CERT_HAS_EXPIRED
    18: -202,  # DEPTH_ZERO_SELF_SIGNED_CERT
    19: -202,  # SELF_SIGNED_CERT_IN_CHAIN
    20: -202,  # UNABLE_TO_GET_ISSUER_CERT_LOCALLY
    21: -202,  # UNABLE_TO_VERIFY_LEAF_SIGNATURE
    23: -206,  # CERT_REVOKED
    24: -202,  # INVALID_CA
    27: -202,  # CERT_UNTRUSTED
    62: -200,  # HOSTNAME_MISMATCH
    64: -200,  # IP_ADDRESS_MISMATCH
    66: -211,  # EE_KEY_TOO_SMALL
    67: -211,  # CA_KEY_TOO_SMALL
    68: -208,  # CA_MD_TOO_WEAK
}
_CERT_INVALID = -207


@dataclass(frozen=True)
class Probe:
    chain: tuple[bytes, ...]
    """DER, leaf first, as the server sent it."""
    validated_chain: tuple[bytes, ...]
    """The chain the verifier built (to a trusted root); the sent chain when it failed."""
    error_code: int
    """0, or Chromium's certificate error number."""

    @property
    def verification_result(self) -> str:
        return net_errors.name_for(self.error_code)


class ProbeError(Exception):
    """No handshake: the server does not speak TLS on this port, or the route failed."""


# Made on first use: loading the system's trust store takes a while, and most sessions
# never need it.
@functools.cache
def _context(verify: bool) -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.set_alpn_protocols(["h2", "http/1.1"])  # as Chromium offers, for the same certificate
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _der_chain(writer: asyncio.StreamWriter, verified: bool) -> tuple[bytes, ...]:
    ssl_object = writer.get_extra_info("ssl_object")
    # Public only from Python 3.13 (SSLSocket.get_verified_chain / get_unverified_chain);
    # 3.11's _ssl object has both.
    native: Any = ssl_object._sslobj
    chain = native.get_verified_chain() if verified else native.get_unverified_chain()
    return tuple(ssl.PEM_cert_to_DER_cert(cert.public_bytes()) for cert in chain or ())


async def _handshake(open_stream: Callable[[], Awaitable[Stream]], host: str,
                     context: ssl.SSLContext, timeout: float) -> asyncio.StreamWriter:
    _, writer = await open_stream()
    try:
        async with asyncio.timeout(timeout):
            await writer.start_tls(context, server_hostname=host)
    except BaseException:
        close_quietly(writer)
        raise
    return writer


async def probe(open_stream: Callable[[], Awaitable[Stream]], host: str,
                timeout: float) -> Probe:
    """Shake hands with ``host`` over streams from ``open_stream`` (one per attempt)."""
    try:
        writer = await _handshake(open_stream, host, _context(True), timeout)
    except ssl.SSLCertVerificationError as error:
        code = _VERIFY_ERRORS.get(error.verify_code, _CERT_INVALID)
    except (OSError, TimeoutError, ssl.SSLError) as error:
        raise ProbeError(f"no TLS handshake with {host}: {error!r}") from None
    else:
        try:
            return Probe(_der_chain(writer, False), _der_chain(writer, True), 0)
        finally:
            close_quietly(writer)
    try:
        writer = await _handshake(open_stream, host, _context(False), timeout)
    except (OSError, TimeoutError, ssl.SSLError) as error:
        raise ProbeError(f"no TLS handshake with {host}: {error!r}") from None
    try:
        chain = _der_chain(writer, False)
    finally:
        close_quietly(writer)
    return Probe(chain, chain, code)
