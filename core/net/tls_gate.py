"""The router's TLS steps around a CONNECT tunnel, before the byte relay takes over.

``vet_certificate`` runs before the router answers the CONNECT: a refusal becomes the
CONNECT's error answer, which the page reports as the net error the session chose
(core.net.session_network.real_error).

``check_server_hello`` runs once the tunnel is open: it forwards the client's ClientHello,
reads the server's records up to the end of its ServerHello and checks the negotiated version
and cipher suite against the session's SslConfig. A HelloRetryRequest is checked like a
ServerHello: the ServerHello that follows must repeat its version and cipher suite
(RFC 8446 §4.1.4). On a violation the client gets a fatal ``protocol_version`` or
``insufficient_security`` alert, which Chromium reports as
``net::ERR_SSL_VERSION_OR_CIPHER_MISMATCH``, and the tunnel closes.

The policy cannot make a server pick something else: the ClientHello is part of the
handshake transcript, so the router cannot rewrite its version or cipher list. A
``max_version`` below what the server chooses therefore fails the connection rather than
downgrading it (Chromium's own setting would downgrade).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from core.net import cert_probe
from core.net.http_head import HeadError
from core.net.tls_hello import (
    CLIENT_HELLO,
    HelloError,
    NotHandshake,
    alert_record,
    parse_server_hello,
    read_handshake_message,
)
from core.net.tls_policy import CertificateGate, SslConfig, version_name
from core.net.upstream import Stream, close_quietly

log = logging.getLogger("partita.net.tls")

MISMATCH = "net::ERR_SSL_VERSION_OR_CIPHER_MISMATCH"
_ALERT_PROTOCOL_VERSION = 70
_ALERT_INSUFFICIENT_SECURITY = 71


async def vet_certificate(gate: CertificateGate, host: str,
                          open_stream: Callable[[], Awaitable[Stream]], timeout: float) -> None:
    """Raise HeadError (502, the session's net error) if the session refuses ``host``'s
    certificate. A port that does not speak TLS has no certificate to refuse."""
    try:
        probe = await cert_probe.probe(open_stream, host, timeout)
    except cert_probe.ProbeError as error:
        log.info("%s: %s; left to the browser", host, error)
        return
    refusal = await gate.decide(host, probe)
    if refusal is not None:
        raise HeadError(502, f"the session refused the certificate of {host}", refusal)


async def check_server_hello(client: Stream, upstream: Stream, config: SslConfig,
                             timeout: float) -> None:
    """Forward the hellos if the server's choice fits ``config``; else alert the client and
    raise HeadError (status 0: the tunnel is answered already).

    The client may take its time (the relay has no idle limit either); the server gets
    ``timeout`` to answer.
    """
    try:
        await _check_server_hello(client, upstream, config, timeout)
    except BaseException:
        close_quietly(upstream[1])  # the relay that would have closed it never starts
        raise


async def _check_server_hello(client: Stream, upstream: Stream, config: SslConfig,
                              timeout: float) -> None:
    client_reader, client_writer = client
    upstream_reader, upstream_writer = upstream
    try:
        try:
            hello = await read_handshake_message(client_reader)
        except NotHandshake as error:
            # Not TLS (a WebSocket through CONNECT, say): nothing to check.
            upstream_writer.write(error.raw)
            return
        upstream_writer.write(hello.raw)
        await upstream_writer.drain()
        if hello.msg_type != CLIENT_HELLO:
            return
        async with asyncio.timeout(timeout):
            try:
                reply = await read_handshake_message(upstream_reader)
            except NotHandshake as error:
                # The server's own alert (no shared cipher, say): the client reports it.
                client_writer.write(error.raw)
                return
        server = parse_server_hello(reply)
    except (asyncio.IncompleteReadError, TimeoutError, HelloError) as error:
        raise HeadError(0, f"TLS handshake not checked: {error!r}") from None
    if not config.allows_version(server.version):
        reason = (f"the server chose {version_name(server.version)}, outside "
                  f"{config.min_version}..{config.max_version}")
        alert = _ALERT_PROTOCOL_VERSION
    elif not config.allows_cipher(server):
        reason = f"the server chose disabled cipher suite 0x{server.cipher_suite:04X}"
        alert = _ALERT_INSUFFICIENT_SECURITY
    else:
        client_writer.write(reply.raw)
        return
    # Chromium reports either alert as ERR_SSL_VERSION_OR_CIPHER_MISMATCH.
    client_writer.write(alert_record(alert))
    await client_writer.drain()
    raise HeadError(0, f"TLS policy: {reason}", MISMATCH)
