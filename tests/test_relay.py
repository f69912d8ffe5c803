"""The router's relay (core.net.relay) with real sockets: big transfers byte-exact, bytes read
ahead with a head, half-close, backpressure, close_all_connections, and the paced stream path
of network emulation."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from core.net.emulation import Emulation, NetworkConditions
from core.net.proxy_config import parse_proxy_config
from core.net.router import Router, config_policy
from tests.test_router import basic, register, running

MIB = 1 << 20
Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def pattern(size: int) -> bytes:
    return (bytes(range(251)) * (size // 251 + 1))[:size]


async def serve(handler: Handler) -> tuple[asyncio.Server, int]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def connect(router: Router, port: int, token: str = "A", early: bytes = b"") -> tuple[
        asyncio.StreamReader, asyncio.StreamWriter]:
    """A CONNECT tunnel to 127.0.0.1:port; ``early`` is sent in the same write as the head,
    so the router reads it ahead with the head."""
    reader, writer = await asyncio.open_connection("127.0.0.1", router.port)
    writer.write(f"CONNECT 127.0.0.1:{port} HTTP/1.1\r\nProxy-Authorization: "
                 f"{basic(token, router.secret)}\r\n\r\n".encode() + early)
    assert (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)).startswith(b"HTTP/1.1 200")
    return reader, writer


def through_router(origin: Handler, scenario: Callable[[Router, int], Awaitable[None]],
                   **options: Any) -> None:
    """Run ``scenario(router, origin_port)`` with session "A" registered (direct)."""
    async def main() -> None:
        server, port = await serve(origin)
        try:
            async with running(**options) as router:
                register(router, "A")
                await scenario(router, port)
        finally:
            server.close()

    asyncio.run(main())


def test_a_tunnel_carries_big_transfers_byte_exact_with_half_close() -> None:
    up, down = pattern(24 * MIB), pattern(48 * MIB)[::-1]

    async def origin(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # Answers only after the client's EOF: the half-close must come through.
        received = await reader.read()
        writer.write(hashlib.sha256(received).digest() + down)
        await writer.drain()
        writer.close()

    async def scenario(router: Router, port: int) -> None:
        # The first 100 KiB ride with the CONNECT head: read ahead, they must go first.
        reader, writer = await connect(router, port, early=up[:100_000])
        writer.write(up[100_000:])
        await writer.drain()
        writer.write_eof()
        answer = await asyncio.wait_for(reader.read(), 60)
        writer.close()
        assert answer[:32] == hashlib.sha256(up).digest()
        assert len(answer) - 32 == len(down) and answer[32:] == down

    through_router(origin, scenario)


def test_plain_http_response_bodies_arrive_byte_exact() -> None:
    body = pattern(40 * MIB)

    async def origin(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        # Head and the body's start in one write: the router reads some body with the head.
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body[:5000])
        writer.write(body[5000:])
        await writer.drain()
        writer.close()

    async def scenario(router: Router, port: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", router.port)
        writer.write(f"GET http://127.0.0.1:{port}/big HTTP/1.1\r\nHost: x\r\n"
                     f"Proxy-Authorization: {basic('A', router.secret)}\r\n\r\n".encode())
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        received = await asyncio.wait_for(reader.read(), 60)
        writer.close()
        assert head.startswith(b"HTTP/1.1 200") and received == body

    through_router(origin, scenario)


def test_a_slow_reader_holds_the_sender_back_and_loses_nothing() -> None:
    total = 256 * MIB
    sent = [0]
    block = pattern(MIB)

    async def origin(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while sent[0] < total:
            writer.write(block)
            await writer.drain()
            sent[0] += len(block)
        writer.close()

    async def scenario(router: Router, port: int) -> None:
        reader, writer = await connect(router, port)
        # The client reads nothing: the origin must stall once the socket buffers and the
        # relay's pipe are full, far below the file's size.
        last, still = -1, 0
        deadline = time.monotonic() + 30
        while still < 10:
            assert time.monotonic() < deadline, "the origin never stalled"
            still = still + 1 if sent[0] == last else 0
            last = sent[0]
            await asyncio.sleep(0.05)
        stalled_at = sent[0]
        received = hashlib.sha256()
        count = 0
        while chunk := await asyncio.wait_for(reader.read(MIB), 30):
            received.update(chunk)
            count += len(chunk)
        writer.close()
        assert stalled_at < 48 * MIB, stalled_at
        expected = hashlib.sha256()
        for _ in range(total // MIB):
            expected.update(block)
        assert count == total and received.digest() == expected.digest()

    through_router(origin, scenario)


def test_close_all_connections_ends_a_busy_tunnel_on_both_sides() -> None:
    origin_ended = asyncio.Event()

    async def origin(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            for _ in range(4096):  # bounded: 4 GiB at most
                writer.write(pattern(MIB))
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            origin_ended.set()
            writer.close()

    async def scenario(router: Router, port: int) -> None:
        reader, writer = await connect(router, port)
        assert len(await asyncio.wait_for(reader.readexactly(4 * MIB), 10)) == 4 * MIB
        assert router.close_all_connections("A") == 2
        await asyncio.wait_for(origin_ended.wait(), 10)
        # The client's side ends too: whatever was in flight, then EOF or a reset.
        try:
            while await asyncio.wait_for(reader.read(MIB), 10):
                pass
        except ConnectionError:
            pass
        writer.close()

    through_router(origin, scenario)


def test_the_other_direction_gets_half_close_timeout_after_an_eof() -> None:
    origin_saw_eof = asyncio.Event()

    async def origin(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # Reads to EOF, then keeps its side open and silent (bounded).
        assert await reader.read() == b"ping"
        origin_saw_eof.set()
        await asyncio.sleep(30)
        writer.close()

    async def scenario(router: Router, port: int) -> None:
        reader, writer = await connect(router, port)
        writer.write(b"ping")
        writer.write_eof()
        start = time.monotonic()
        await asyncio.wait_for(origin_saw_eof.wait(), 10)
        assert await asyncio.wait_for(reader.read(), 10) == b""
        assert 0.4 < time.monotonic() - start < 10
        writer.close()

    through_router(origin, scenario, half_close_timeout=0.5)


def test_emulated_throughput_paces_both_directions_byte_exact() -> None:
    size = 192 * 1024
    rate = 96 * 1024  # 2 s per direction, less the bucket's first burst
    body = pattern(size)

    async def origin(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received = await reader.readexactly(size)
        writer.write(hashlib.sha256(received).digest() + body)
        await writer.drain()
        writer.close()

    async def scenario(router: Router, port: int) -> None:
        conditions = NetworkConditions(download_throughput=rate, upload_throughput=rate)
        config = parse_proxy_config(proxy_bypass_rules="<-loopback>")
        router.register("A", replace(config_policy(config), emulation=Emulation(conditions)))
        reader, writer = await connect(router, port)
        start = time.monotonic()
        writer.write(body)
        answer = await asyncio.wait_for(reader.readexactly(32 + size), 60)
        took = time.monotonic() - start
        writer.close()
        assert answer == hashlib.sha256(body).digest() + body
        # Each direction carries ``size`` bytes at ``rate``; the buckets start empty.
        assert took >= 2 * size / rate * 0.8, took

    through_router(origin, scenario)
