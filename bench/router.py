"""Router benchmark, printed in one run (issue 4's "done when"):

1. curl fetching a large file (default 1 GiB) through the router vs direct, to /dev/null;
2. time added per request on loopback, p50 / p99 (fresh connection per request, as Chromium
   makes one per absolute-URI request through the router);
3. 200 CONNECT tunnels held open at once, each then used for one request.

Usage: python bench/router.py [--size-mib 1024] [--requests 500] [--tunnels 200]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.net.proxy_config import parse_proxy_config
from core.net.router import Router, config_policy

_BLOCK = b"\0" * (1 << 20)


async def _origin(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """GET /big/<MiB> streams that many MiB; anything else is a tiny answer."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    path = head.split(" ", 2)[1]
    mib = int(path.rsplit("/", 1)[1]) if path.startswith("/big/") else 0
    length = mib << 20 if mib else 2
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % length)
    for _ in range(mib):
        writer.write(_BLOCK)
        await writer.drain()
    if not mib:
        writer.write(b"ok")
    await writer.drain()
    writer.close()


def _curl(url: str, proxy: list[str]) -> float:
    done = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{speed_download}",
                           *proxy, url], capture_output=True, text=True, check=True)
    return float(done.stdout) / 1e6


async def _request_time(port: int, proxy_port: int | None, auth: str) -> float:
    start = time.perf_counter()
    target = f"127.0.0.1:{proxy_port or port}"
    reader, writer = await asyncio.open_connection(*target.split(":"))
    line = f"GET http://127.0.0.1:{port}/small HTTP/1.1" if proxy_port else "GET /small HTTP/1.1"
    writer.write(f"{line}\r\nHost: x\r\nProxy-Authorization: {auth}\r\n\r\n".encode())
    await reader.read()
    writer.close()
    return time.perf_counter() - start


async def _tunnel(router_port: int, port: int, auth: str, opened: asyncio.Event,
                  go: asyncio.Event) -> bool:
    reader, writer = await asyncio.open_connection("127.0.0.1", router_port)
    writer.write(f"CONNECT 127.0.0.1:{port} HTTP/1.1\r\nProxy-Authorization: {auth}\r\n\r\n"
                 .encode())
    ok = (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 200")
    opened.set()
    await go.wait()
    writer.write(b"GET /small HTTP/1.1\r\nHost: x\r\n\r\n")
    ok = ok and (await reader.read()).endswith(b"ok")
    writer.close()
    return ok


async def main(size_mib: int, requests: int, tunnels: int) -> None:
    origin = await asyncio.start_server(_origin, "127.0.0.1", 0, limit=1 << 20)
    port = origin.sockets[0].getsockname()[1]
    router = Router()
    await router.start()
    router.register("bench", config_policy(parse_proxy_config(
        proxy_rules="direct://", proxy_bypass_rules="<-loopback>")))
    auth = "Basic " + base64.b64encode(f"bench:{router.secret}".encode()).decode()
    url = f"http://127.0.0.1:{port}/big/{size_mib}"
    proxy = ["-x", router.proxy_url, "--proxy-user", f"bench:{router.secret}"]
    direct = await asyncio.to_thread(_curl, url, [])
    plain = await asyncio.to_thread(_curl, url, proxy)
    tunnel = await asyncio.to_thread(_curl, url, [*proxy, "-p"])
    print(f"curl {size_mib} MiB to /dev/null: direct {direct:.0f} MB/s, through the router "
          f"{plain:.0f} MB/s ({plain / direct:.2f}x), CONNECT {tunnel:.0f} MB/s "
          f"({tunnel / direct:.2f}x)")

    direct_times = sorted([await _request_time(port, None, auth) for _ in range(requests)])
    routed_times = sorted([await _request_time(port, router.port, auth) for _ in range(requests)])

    def quantile(values: list[float], q: float) -> float:
        return values[min(len(values) - 1, int(q * len(values)))] * 1000

    print(f"added per request ({requests} requests): "
          f"p50 {quantile(routed_times, .5) - quantile(direct_times, .5):.3f} ms, "
          f"p99 {quantile(routed_times, .99) - quantile(direct_times, .99):.3f} ms "
          f"(direct p50 {statistics.median(direct_times) * 1000:.3f} ms)")

    opened_events = [asyncio.Event() for _ in range(tunnels)]
    go = asyncio.Event()
    tasks = [asyncio.create_task(_tunnel(router.port, port, auth, opened, go))
             for opened in opened_events]
    await asyncio.wait_for(asyncio.gather(*(e.wait() for e in opened_events)), 60)
    go.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    good = sum(result is True for result in results)
    print(f"{tunnels} concurrent tunnels held open, then used: {good} ok, "
          f"{tunnels - good} errors")
    await router.close()
    origin.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--tunnels", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(main(args.size_mib, args.requests, args.tunnels))
