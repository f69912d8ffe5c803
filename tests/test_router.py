"""The router with real clients (urllib, http.client, raw sockets, curl) against real servers on
127.0.0.1: an origin (tests.servers), an upstream HTTP proxy and a SOCKS proxy that log what
they see (tests.test_router_servers)."""

from __future__ import annotations

import asyncio
import base64
import http.client
import ipaddress
import json
import shutil
import socket
import subprocess
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from core.net.proxy_config import parse_proxy_config
from core.net.proxy_server import ProxyServer
from core.net.router import Router, config_policy
from core.net.upstream import Challenge, CredentialsCallback
from tests.servers import HttpServer
from tests.test_router_servers import SocksProxy, UpstreamHttpProxy


@asynccontextmanager
async def running(**options: Any) -> AsyncIterator[Router]:
    router = Router(**options)
    await router.start()
    try:
        yield router
    finally:
        await router.close()


def register(router: Router, token: str, rules: str = "", bypass: str = "<-loopback>",
             credentials: CredentialsCallback | None = None,
             ) -> None:
    # <-loopback>: every server here is on 127.0.0.1, which Chromium's rules bypass otherwise.
    config = parse_proxy_config(proxy_rules=rules, proxy_bypass_rules=bypass)
    router.register(token, config_policy(config, credentials))


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def get(router: Router, url: str, token: str | None, secret: str | None = None) -> tuple[int, str]:
    """A plain-http request through the router with urllib (absolute URI)."""
    auth = f"{token}:{secret or router.secret}@" if token else ""
    proxy = urllib.request.ProxyHandler({"http": f"http://{auth}127.0.0.1:{router.port}"})
    try:
        with urllib.request.build_opener(proxy).open(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def tunnel_get(router: Router, origin: HttpServer, path: str, token: str) -> tuple[int, str]:
    """A request inside a CONNECT tunnel, with http.client."""
    conn = http.client.HTTPConnection("127.0.0.1", router.port, timeout=10)
    conn.set_tunnel("127.0.0.1", origin.port,
                    headers={"Proxy-Authorization": basic(token, router.secret)})
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


async def get_both_ways(router: Router, origin: HttpServer, token: str) -> None:
    """One absolute-URI request and one inside a CONNECT tunnel; both must succeed."""
    assert (await asyncio.to_thread(get, router, origin.url("/echo?1"), token))[0] == 200
    assert (await asyncio.to_thread(tunnel_get, router, origin, "/echo?2", token))[0] == 200


def answering(pair: tuple[str, str], asked: list[ProxyServer]) -> CredentialsCallback:
    """A credentials callback that records each question."""
    async def credentials(server: ProxyServer, _: Challenge) -> tuple[str, str]:
        asked.append(server)
        return pair
    return credentials


def raw_exchange(port: int, data: bytes, read_timeout: float = 10) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=read_timeout) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_two_sessions_at_once_take_their_own_routes(http_server: HttpServer) -> None:
    async def main() -> None:
        upstream = await UpstreamHttpProxy().start()
        async with running() as router:
            register(router, "A", f"127.0.0.1:{upstream.port}")
            register(router, "B")  # direct
            calls = []
            for i in range(5):
                calls += [
                    asyncio.to_thread(get, router, http_server.url(f"/echo?a{i}"), "A"),
                    asyncio.to_thread(get, router, http_server.url(f"/echo?b{i}"), "B"),
                    asyncio.to_thread(tunnel_get, router, http_server, f"/echo?ta{i}", "A"),
                    asyncio.to_thread(tunnel_get, router, http_server, f"/echo?tb{i}", "B"),
                ]
            results = await asyncio.gather(*calls)
        await upstream.close()
        assert all(status == 200 for status, _ in results)
        # The origin never sees the router's credentials.
        assert all("proxy-authorization" not in json.loads(body) for _, body in results)
        seen = {target for _, target, _ in upstream.seen}
        port = http_server.port
        assert {f"http://127.0.0.1:{port}/echo?a{i}" for i in range(5)} <= seen
        assert sum(method == "CONNECT" for method, _, _ in upstream.seen) == 5
        assert not any("?b" in target for target in seen)
        assert len(upstream.seen) == 10
        assert len(http_server.requests("/echo")) == 20

    asyncio.run(main())


@pytest.mark.parametrize("authorization", [
    None, basic("A", "wrong"), basic("nobody", "x"), "Basic !!!notbase64", "Bearer abc",
    basic("A", ""),
])
def test_no_valid_token_gets_407_and_reaches_nothing(
        http_server: HttpServer, authorization: str | None) -> None:
    async def main() -> None:
        async with running() as router:
            register(router, "A")
            auth = f"Proxy-Authorization: {authorization}\r\n" if authorization else ""
            for line in (f"GET {http_server.url('/page')} HTTP/1.1",
                         f"CONNECT 127.0.0.1:{http_server.port} HTTP/1.1"):
                reply = await asyncio.to_thread(
                    raw_exchange, router.port, f"{line}\r\nHost: x\r\n{auth}\r\n".encode())
                assert reply.startswith(b"HTTP/1.1 407 ")
                assert b'Proxy-Authenticate: Basic realm="partita"' in reply
                assert not reply.partition(b"\r\n\r\n")[2].startswith(b"HTTP/")  # no tunnel

    asyncio.run(main())
    assert http_server.requests() == []


def test_socks5_upstream_with_password_asked_once(http_server: HttpServer) -> None:
    asked: list[ProxyServer] = []

    async def main() -> None:
        socks = await SocksProxy(credentials=("alice", "s3cret")).start()
        async with running() as router:
            register(router, "A", f"socks5://127.0.0.1:{socks.port}",
                     credentials=answering(("alice", "s3cret"), asked))
            await get_both_ways(router, http_server, "A")
        await socks.close()
        assert socks.seen == [("5", "127.0.0.1", str(http_server.port), "alice")] * 2
        assert [server.to_uri() for server in asked] == [f"socks5://127.0.0.1:{socks.port}"]

    asyncio.run(main())


def test_socks4_upstream(http_server: HttpServer) -> None:
    async def main() -> None:
        socks = await SocksProxy().start()
        async with running() as router:
            register(router, "A", f"socks4://127.0.0.1:{socks.port}")
            assert (await asyncio.to_thread(get, router, http_server.url("/page"), "A"))[0] == 200
        await socks.close()
        assert socks.seen == [("4", "127.0.0.1", str(http_server.port), "")]

    asyncio.run(main())


def test_upstream_http_proxy_credentials_after_407(http_server: HttpServer) -> None:
    asked: list[ProxyServer] = []

    async def main() -> None:
        upstream = await UpstreamHttpProxy(credentials=("bob", "pw")).start()
        async with running() as router:
            register(router, "A", f"127.0.0.1:{upstream.port}",
                     credentials=answering(("bob", "pw"), asked))
            await get_both_ways(router, http_server, "A")
            register(router, "B", f"127.0.0.1:{upstream.port}")  # no credentials to give
            status, body = await asyncio.to_thread(get, router, http_server.url("/echo?3"), "B")
            assert status == 502 and "credentials" in body
        await upstream.close()
        good = basic("bob", "pw")
        assert [(m, a) for m, _, a in upstream.seen] == [
            ("GET", ""), ("GET", good), ("CONNECT", good), ("GET", "")]
        assert len(asked) == 1

    asyncio.run(main())


def test_fail_over_skips_dead_proxies(http_server: HttpServer) -> None:
    async def main() -> None:
        socks = await SocksProxy().start()
        dead = free_port()
        async with running(connect_timeout=5) as router:
            register(router, "A", f"127.0.0.1:{dead},socks5://127.0.0.1:{socks.port},direct://")
            register(router, "B", f"127.0.0.1:{dead},direct://")
            register(router, "C", f"127.0.0.1:{dead},socks5://127.0.0.1:{free_port()}")
            assert (await asyncio.to_thread(get, router, http_server.url("/echo?a"), "A"))[0] == 200
            assert (await asyncio.to_thread(tunnel_get, router, http_server, "/echo?b", "B"))[0] \
                == 200
            status, body = await asyncio.to_thread(get, router, http_server.url("/echo?c"), "C")
            assert status == 502 and "no route" in body and str(dead) in body
        await socks.close()
        assert [seen[0] for seen in socks.seen] == ["5"]
        assert [s.path for s in http_server.requests("/echo")] == ["/echo?a", "/echo?b"]

    asyncio.run(main())


@pytest.mark.parametrize(("request_bytes", "status"), [
    (b"GARBAGE\r\n\r\n", b"400"),
    (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", b"407"),  # checked before the target: no oracle
    (b"GET http://x/ HTTP/9.9\r\n\r\n", b"400"),
    (b"GET http://x/ HTTP/1.1\r\nBad Header: v\r\n\r\n", b"400"),
    (b"GET http://x/ HTTP/1.1\nHost: x\r\n\r\n", b"400"),  # bare LF
    (b"GET http://x/ HTTP/1.1\r\nX: " + b"a" * 100_000 + b"\r\n\r\n", b"431"),
])
def test_malformed_and_oversized_requests_are_answered(
        request_bytes: bytes, status: bytes) -> None:
    async def main() -> None:
        async with running() as router:
            register(router, "A")
            reply = await asyncio.to_thread(raw_exchange, router.port, request_bytes)
            assert reply.split(b" ", 2)[1] == status, reply[:200]

    asyncio.run(main())


def test_requests_with_a_token_but_bad_targets(http_server: HttpServer) -> None:
    async def main() -> None:
        async with running() as router:
            register(router, "A")
            auth = f"Proxy-Authorization: {basic('A', router.secret)}\r\n"
            cases = [
                (f"GET /relative HTTP/1.1\r\n{auth}\r\n", b"400"),
                (f"GET ftp://x/f HTTP/1.1\r\n{auth}\r\n", b"501"),
                (f"CONNECT nohostport HTTP/1.1\r\n{auth}\r\n", b"400"),
                (f"GET http://x/ HTTP/1.1\r\n{auth}Content-Length: -5\r\n\r\n", b"400"),
            ]
            for text, status in cases:
                reply = await asyncio.to_thread(raw_exchange, router.port, text.encode())
                assert reply.split(b" ", 2)[1] == status, (text, reply[:200])

    asyncio.run(main())


def test_stalled_clients_time_out_and_the_router_keeps_serving(http_server: HttpServer) -> None:
    async def main() -> None:
        async with running(head_timeout=0.5) as router:
            register(router, "A")
            stalled = [await asyncio.open_connection("127.0.0.1", router.port) for _ in range(20)]
            for _, writer in stalled:
                writer.write(b"GET http://x/ HTTP/1.1\r\nHost: x\r\n")  # never finished
            # Meanwhile real requests are served.
            assert (await asyncio.to_thread(get, router, http_server.url("/page"), "A"))[0] == 200
            for reader, writer in stalled:
                reply = await asyncio.wait_for(reader.read(), 10)
                assert reply.startswith(b"HTTP/1.1 408 ")
                writer.close()
            # A body that never comes is cut off too.
            reader, writer = await asyncio.open_connection("127.0.0.1", router.port)
            writer.write(f"POST {http_server.url('/x')} HTTP/1.1\r\nProxy-Authorization: "
                         f"{basic('A', router.secret)}\r\nContent-Length: 10\r\n\r\nabc".encode())
            assert (await asyncio.wait_for(reader.read(), 10)).startswith(b"HTTP/1.1 408 ")
            writer.close()

    asyncio.run(main())


def test_close_all_connections_closes_that_sessions_tunnels(http_server: HttpServer) -> None:
    async def open_tunnel(router: Router, token: str) -> tuple[asyncio.StreamReader,
                                                                asyncio.StreamWriter]:
        reader, writer = await asyncio.open_connection("127.0.0.1", router.port)
        writer.write(f"CONNECT 127.0.0.1:{http_server.port} HTTP/1.1\r\nProxy-Authorization: "
                     f"{basic(token, router.secret)}\r\n\r\n".encode())
        assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 200 ")
        return reader, writer

    async def main() -> None:
        async with running() as router:
            register(router, "A")
            register(router, "B")
            a_reader, a_writer = await open_tunnel(router, "A")
            b_reader, b_writer = await open_tunnel(router, "B")
            assert router.close_all_connections("A") == 2  # the client side and the origin side
            assert await asyncio.wait_for(a_reader.read(), 10) == b""
            # B's tunnel still works.
            b_writer.write(b"GET /page HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert (await asyncio.wait_for(b_reader.read(), 10)).startswith(b"HTTP/1.1 200")
            a_writer.close()
            b_writer.close()

    asyncio.run(main())


def test_register_validates_tokens() -> None:
    router = Router()
    config = config_policy(parse_proxy_config())
    for bad in ("", "a:b", "a\nb"):
        with pytest.raises(ValueError, match="invalid router token"):
            router.register(bad, config)
    with pytest.raises(KeyError):
        router.credentials("unknown")


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_through_the_router(http_server: HttpServer) -> None:
    async def main() -> None:
        async with running() as router:
            register(router, "A")
            base = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                    "-x", router.proxy_url]
            with_token = [*base, "--proxy-user", f"A:{router.secret}"]
            runs = [
                (with_token, http_server.url("/page"), "200"),
                ([*with_token, "-p"], http_server.url("/page"), "200"),  # CONNECT
                (base, http_server.url("/page"), "407"),
            ]
            for command, url, expected in runs:
                done = await asyncio.to_thread(
                    subprocess.run, [*command, url], capture_output=True, text=True, timeout=30)
                assert done.stdout == expected, (command, done.stdout, done.stderr)

    asyncio.run(main())
    assert len(http_server.requests("/page")) == 2


def _self_signed(tmp_path: Any) -> tuple[str, str]:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "proxy.pem", tmp_path / "proxy.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_file), str(key_file)


def test_https_upstream_proxy(http_server: HttpServer, tmp_path: Any) -> None:
    import ssl

    cert, key = _self_signed(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    client_tls = ssl.create_default_context(cafile=cert)

    async def main() -> None:
        upstream = await UpstreamHttpProxy(tls=server_tls).start()
        async with running(upstream_tls=client_tls) as router:
            register(router, "A", f"https://127.0.0.1:{upstream.port}")
            await get_both_ways(router, http_server, "A")
        async with running() as router:  # the system trust store does not know this proxy
            register(router, "A", f"https://127.0.0.1:{upstream.port}")
            status, body = await asyncio.to_thread(get, router, http_server.url("/echo?3"), "A")
            assert status == 502 and "CERTIFICATE_VERIFY_FAILED" in body
        await upstream.close()
        assert [method for method, _, _ in upstream.seen] == ["GET", "CONNECT"]

    asyncio.run(main())


def test_large_bodies_pass_intact_both_ways() -> None:
    size = 32 * 1024 * 1024
    pattern = bytes(range(256)) * (size // 256)

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        upload = await reader.readexactly(size)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size)
        writer.write(upload[::-1])  # proves the upload arrived whole
        await writer.drain()
        writer.close()

    async def main() -> None:
        origin = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = origin.sockets[0].getsockname()[1]
        async with running() as router:
            register(router, "A")

            def post() -> bytes:
                conn = http.client.HTTPConnection("127.0.0.1", router.port, timeout=30)
                conn.request("POST", f"http://127.0.0.1:{port}/up", body=pattern, headers={
                    "Proxy-Authorization": basic("A", router.secret)})
                return conn.getresponse().read()

            assert await asyncio.to_thread(post) == pattern[::-1]
        origin.close()

    asyncio.run(main())
