"""Router benchmark, printed in one run (issue 4's "done when"):

1. curl fetching a large file (default 1 GiB) through the router vs direct, to /dev/null:
   plain http, CONNECT, and CONNECT on the stream path (what network emulation uses), with
   the router's CPU, and socat relaying the same bytes as the reference for what any relay
   process costs here; medians of alternating runs (the VM is noisy);
2. time added per request on loopback, p50 / p99 (fresh connection per request, as Chromium
   makes one per absolute-URI request through the router);
3. 200 CONNECT tunnels held open at once, each then used for one request.

The origin runs in a process of its own and the router on its own thread, as in the app.

Usage: python bench/router.py [--size-mib 1024] [--requests 500] [--tunnels 200] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import shutil
import socket
import socketserver
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.net.emulation import Emulation, NetworkConditions
from core.net.proxy_config import parse_proxy_config
from core.net.router import config_policy
from core.net.router_service import RouterService

_BLOCK = b"\0" * (1 << 20)


class _Origin(socketserver.StreamRequestHandler):
    """GET /big/<MiB> streams that many MiB; anything else is a tiny answer. It runs in a
    process of its own (``--origin``), so that it does not share the router's thread."""

    def handle(self) -> None:
        head = b""
        while not head.endswith(b"\r\n\r\n") and (line := self.rfile.readline()):
            head += line
        path = head.split(b" ", 2)[1].decode("latin-1") if head else "/"
        mib = int(path.rsplit("/", 1)[1]) if path.startswith("/big/") else 0
        length = mib << 20 if mib else 2
        self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close"
                             b"\r\n\r\n" % length)
        for _ in range(mib):
            self.request.sendall(_BLOCK)
        if not mib:
            self.request.sendall(b"ok")


def _serve_origin() -> None:
    socketserver.ThreadingTCPServer.daemon_threads = True
    socketserver.ThreadingTCPServer.request_queue_size = 512
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Origin) as server:
        print(server.server_address[1], flush=True)
        server.serve_forever()


def _curl(arguments: list[str]) -> float:
    done = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{speed_download}",
                           *arguments], capture_output=True, text=True, check=True)
    return float(done.stdout) / 1e6


def _start_socat(port: int) -> tuple[subprocess.Popen[bytes], int]:
    with socket.socket() as probe:  # a free port for socat to listen on
        probe.bind(("127.0.0.1", 0))
        free = int(probe.getsockname()[1])
    # 256 KiB copies, as the router's; its complaint about the probe's early close is noise.
    child = subprocess.Popen(["socat", "-b", str(256 * 1024),
                              f"TCP-LISTEN:{free},bind=127.0.0.1,reuseaddr,fork",
                              f"TCP:127.0.0.1:{port}"], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", free), timeout=1).close()
            return child, free
        except OSError:
            time.sleep(0.05)  # socat starting: poll its port, bounded by the deadline
    child.kill()
    raise RuntimeError("socat did not start listening")


def _request_time(port: int, proxy_port: int | None, auth: str) -> float:
    start = time.perf_counter()
    line = f"GET http://127.0.0.1:{port}/small HTTP/1.1" if proxy_port else "GET /small HTTP/1.1"
    with socket.create_connection(("127.0.0.1", proxy_port or port)) as sock:
        sock.sendall(f"{line}\r\nHost: x\r\nProxy-Authorization: {auth}\r\n\r\n".encode())
        while sock.recv(65536):
            pass
    return time.perf_counter() - start


def _time_requests(port: int, proxy_port: int, auth: str, requests: int) -> None:
    """``--times``: in a process of its own, as Chromium is, alternating direct and routed
    requests; prints both lists of seconds as JSON."""
    times: dict[str, list[float]] = {"direct": [], "routed": []}
    for _ in range(requests):
        times["direct"].append(_request_time(port, None, auth))
        times["routed"].append(_request_time(port, proxy_port, auth))
    print(json.dumps(times))


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


def _median_runs(runs: int, commands: dict[str, list[str]]) -> dict[str, tuple[float, float]]:
    """Median MB/s and the router's CPU seconds, per label; the labels alternate run by run, so
    the VM's drifts hit them alike."""
    speeds: dict[str, list[float]] = {label: [] for label in commands}
    cpu: dict[str, list[float]] = {label: [] for label in commands}
    for _ in range(runs):
        for label, arguments in commands.items():
            # This process does nothing else meanwhile: its CPU time is the router thread's.
            before = os.times()
            speeds[label].append(_curl(arguments))
            after = os.times()
            cpu[label].append(after.user + after.system - before.user - before.system)
    return {label: (statistics.median(speeds[label]), statistics.median(cpu[label]))
            for label in commands}


async def main(size_mib: int, requests: int, tunnels: int, runs: int) -> None:
    origin = subprocess.Popen([sys.executable, __file__, "--origin"], stdout=subprocess.PIPE)
    assert origin.stdout is not None
    port = int(origin.stdout.readline())
    # As in the app: the router runs on a thread of its own.
    service = RouterService()
    service.start()
    config = parse_proxy_config(proxy_rules="direct://", proxy_bypass_rules="<-loopback>")
    service.register("bench", config_policy(config))
    # The stream path, for comparison: emulation with a limit no transfer reaches.
    unlimited = NetworkConditions(download_throughput=1e12, upload_throughput=1e12)
    service.register("streams", replace(config_policy(config), emulation=Emulation(unlimited)))
    auth = "Basic " + base64.b64encode(f"bench:{service.secret}".encode()).decode()
    url = f"http://127.0.0.1:{port}/big/{size_mib}"

    def proxy(token: str) -> list[str]:
        return ["-x", service.proxy_url, "--proxy-user", f"{token}:{service.secret}", url]

    commands = {"direct": [url], "plain": proxy("bench"), "CONNECT": [*proxy("bench"), "-p"],
                "CONNECT, stream path": [*proxy("streams"), "-p"]}
    # The ceiling of any relay on this machine: socat copying the same bytes between two
    # sockets in C, one process between curl and the origin, as the router is.
    relay = _start_socat(port) if shutil.which("socat") else None
    if relay is not None:
        commands["socat TCP relay (reference)"] = [f"http://127.0.0.1:{relay[1]}/big/{size_mib}"]
    figures = await asyncio.to_thread(_median_runs, runs, commands)
    if relay is not None:
        relay[0].terminate()
        relay[0].wait()
    direct = figures["direct"][0]
    print(f"curl {size_mib} MiB to /dev/null, median of {runs} alternating runs: "
          f"direct {direct:.0f} MB/s")
    reference = figures.get("socat TCP relay (reference)", (0.0, 0.0))[0]
    for label, (speed, cpu) in figures.items():
        if label == "direct":
            continue
        versus = f", {speed / reference:.2f}x socat" if reference and "socat" not in label else ""
        router_cpu = f", router CPU {cpu / size_mib * 1024:.2f} s/GiB" if "socat" not in label \
            else ""
        print(f"  {label}: {speed:.0f} MB/s ({speed / direct:.2f}x direct{versus}){router_cpu}")

    timed = await asyncio.to_thread(subprocess.run, [
        sys.executable, __file__, "--times", f"{port} {service.port} {auth} {requests}"],
        capture_output=True, text=True, check=True)
    times = json.loads(timed.stdout)
    direct_times, routed_times = times["direct"], times["routed"]

    def quantile(values: list[float], q: float) -> float:
        return sorted(values)[min(len(values) - 1, int(q * len(values)))] * 1000

    print(f"added per request ({requests} requests, fresh connections): "
          f"p50 {quantile(routed_times, .5) - quantile(direct_times, .5):.3f} ms, "
          f"p99 {quantile(routed_times, .99) - quantile(direct_times, .99):.3f} ms "
          f"(direct p50 {quantile(direct_times, .5):.3f} ms)")

    opened_events = [asyncio.Event() for _ in range(tunnels)]
    go = asyncio.Event()
    tasks = [asyncio.create_task(_tunnel(service.port, port, auth, opened, go))
             for opened in opened_events]
    await asyncio.wait_for(asyncio.gather(*(e.wait() for e in opened_events)), 60)
    go.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    good = sum(result is True for result in results)
    print(f"{tunnels} concurrent tunnels held open, then used: {good} ok, "
          f"{tunnels - good} errors")
    service.stop()
    origin.terminate()
    origin.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--tunnels", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--origin", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--times", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.origin:
        _serve_origin()
    elif args.times:
        port_text, proxy_text, scheme, token, count = args.times.split(" ")
        _time_requests(int(port_text), int(proxy_text), f"{scheme} {token}", int(count))
    else:
        asyncio.run(main(args.size_mib, args.requests, args.tunnels, args.runs))
