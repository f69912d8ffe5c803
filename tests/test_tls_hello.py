"""Reading hellos from the record layer (core.net.tls_hello) and SslConfig's rules, on the real
bytes of handshakes between Python's ssl client and server."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.net.tls_hello import (
    CLIENT_HELLO,
    HandshakeMessage,
    NotHandshake,
    parse_server_hello,
    read_handshake_message,
)
from core.net.tls_policy import SslConfig
from tests.tls_servers import Issued, first_flights, make_ca, make_leaf

TLS12, TLS13 = 0x0303, 0x0304
ECDHE_RSA_AES128_GCM = 0xC02F


@pytest.fixture(scope="module")
def leaf(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Issued]:
    folder: Path = tmp_path_factory.mktemp("pki")
    yield make_leaf(folder, make_ca(folder))


def _read(data: bytes, piece: int = 1 << 20) -> tuple[HandshakeMessage, bytes]:
    """The first handshake message of ``data`` fed to a StreamReader ``piece`` bytes at a
    time, as a slow network would deliver it, and the bytes left unread."""

    async def scenario() -> tuple[HandshakeMessage, bytes]:
        reader = asyncio.StreamReader()

        async def feed() -> None:
            for start in range(0, len(data), piece):
                reader.feed_data(data[start:start + piece])
                await asyncio.sleep(0)  # let the reader run between pieces
            reader.feed_eof()

        feeding = asyncio.create_task(feed())
        message = await read_handshake_message(reader)
        await feeding
        return message, await reader.read()

    return asyncio.run(scenario())


@pytest.mark.parametrize("piece", [1, 3, 7, 1 << 20])
def test_server_hello_of_tls13_read_whatever_the_reads(leaf: Issued, piece: int) -> None:
    _, flight = first_flights(leaf)
    message, rest = _read(flight, piece)
    assert message.raw + rest == flight  # every byte is kept for passing on
    hello = parse_server_hello(message)
    assert hello.version == TLS13  # from supported_versions: legacy_version says TLS 1.2
    assert hello.cipher_suite in (0x1301, 0x1302, 0x1303)
    assert not hello.retry


def test_client_hello_is_read_whole_across_reads(leaf: Issued) -> None:
    hello, _ = first_flights(leaf)
    message, rest = _read(hello, 5)
    assert (message.msg_type, message.raw, rest) == (CLIENT_HELLO, hello, b"")


def test_tls12_server_hello_gives_version_and_cipher(leaf: Issued) -> None:
    _, flight = first_flights(leaf, {"maximum_version": ssl.TLSVersion.TLSv1_2,
                                     "ciphers": "ECDHE-RSA-AES128-GCM-SHA256"})
    message, rest = _read(flight, 2)
    assert rest  # the certificate and key exchange follow in the same flight
    hello = parse_server_hello(message)
    assert (hello.version, hello.cipher_suite, hello.retry) == (TLS12, ECDHE_RSA_AES128_GCM,
                                                                False)


def test_hello_retry_request_is_recognised(leaf: Issued) -> None:
    # The client sends an X25519 key share only; a server limited to P-384 asks again.
    _, flight = first_flights(leaf, {"ecdh_curve": "secp384r1"})
    hello = parse_server_hello(_read(flight, 4)[0])
    assert hello.retry
    assert hello.version == TLS13


def test_a_stream_that_is_not_tls_is_handed_back() -> None:
    async def scenario() -> bytes:
        reader = asyncio.StreamReader()
        reader.feed_data(b"GET / HTTP/1.1\r\n\r\n")
        with pytest.raises(NotHandshake) as caught:
            await read_handshake_message(reader)
        return caught.value.raw

    assert asyncio.run(scenario()) == b"GET /"  # what was read, to pass on unchanged


def test_ssl_config_checks_versions_and_ciphers(leaf: Issued) -> None:
    _, flight = first_flights(leaf, {"maximum_version": ssl.TLSVersion.TLSv1_2,
                                     "ciphers": "ECDHE-RSA-AES128-GCM-SHA256"})
    tls12 = parse_server_hello(_read(flight)[0])
    assert SslConfig.parse().allows_version(tls12.version)
    assert not SslConfig.parse(min_version="tls1.3").allows_version(tls12.version)
    assert not SslConfig.parse(disabled_cipher_suites=[ECDHE_RSA_AES128_GCM]).allows_cipher(
        tls12)
    _, flight13 = first_flights(leaf)
    tls13 = parse_server_hello(_read(flight13)[0])
    assert not SslConfig.parse(max_version="tls1.2").allows_version(tls13.version)
    # TLS 1.3 suites cannot be disabled (Electron's reference).
    assert SslConfig.parse(disabled_cipher_suites=[tls13.cipher_suite]).allows_cipher(tls13)


@pytest.mark.parametrize(("arguments", "error", "message"), [
    ({"min_version": "tls1.4"}, ValueError, "min_version must be one of .*'tls1.4'"),
    ({"max_version": "tls1.1"}, ValueError, "max_version must be one of .*'tls1.1'"),
    ({"min_version": "tls1.3", "max_version": "tls1.2"}, ValueError, "above max_version"),
    ({"disabled_cipher_suites": "0x009C"}, TypeError, "list of integers"),
    ({"disabled_cipher_suites": [0x10000]}, ValueError, "invalid cipher suite 65536"),
    ({"disabled_cipher_suites": [True]}, ValueError, "invalid cipher suite True"),
    ({"min_version": 3}, ValueError, "min_version must be one of"),
])
def test_ssl_config_names_bad_values(arguments: dict[str, object], error: type[Exception],
                                     message: str) -> None:
    with pytest.raises(error, match=message):
        SslConfig.parse(**arguments)  # type: ignore[arg-type]
