"""Per-session network emulation with real QtWebEngine pages and real servers: what a page
observes offline, with latency and with a throughput limit, while another session is
unaffected; bad arguments; the settings across a restart (tests/emulation_child.py)."""

from __future__ import annotations

import asyncio
import base64
import json
import math
import re
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from core import session
from core.errors import NetError
from core.net import router_service
from core.web_contents import WebContents
from tests.servers import HttpServer
from tests.test_proxy_restart import _child_env

ROOT = Path(__file__).resolve().parent.parent
OFFLINE = "net::ERR_INTERNET_DISCONNECTED"
KIB = 1024

# The page fetches a resource and reports how long it took, by the page's own clock.
TIMED_FETCH = """(async () => {
  const start = performance.now();
  const response = await fetch(%s);
  const size = (await response.arrayBuffer()).byteLength;
  return {ms: performance.now() - start, size: size, status: response.status};
})()"""
TRY_FETCH = "fetch(%s).then(r => 'status ' + r.status, e => 'failed: ' + e.message)"


async def until(check: Callable[[], Awaitable[Any]], wanted: Any, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while (got := await check()) != wanted:
        assert time.monotonic() < deadline, f"still {got!r}, waiting for {wanted!r}"
        await asyncio.sleep(0.05)


def test_an_offline_session_fails_while_another_loads(run, unique: str,
                                                      http_server: HttpServer) -> None:
    a = session.from_partition(f"{unique}-a")
    b = session.from_partition(f"{unique}-b")
    a.enable_network_emulation(offline=True)
    assert a.get_network_emulation() == {"offline": True, "latency": 0.0,
                                         "download_throughput": 0.0, "upload_throughput": 0.0}
    assert b.get_network_emulation() is None
    page_a, page_b = WebContents(a), WebContents(b)
    for scheme_url in (http_server.url("/page?who=a"),
                       f"https://127.0.0.1:{http_server.port}/page?who=a"):
        with pytest.raises(NetError) as failure:
            run(page_a.load_url(scheme_url))
        assert failure.value.code == OFFLINE
    # The session's own requests, which the router carries: ses.fetch and downloads.
    with pytest.raises(NetError) as failure:
        run(a.fetch(http_server.url("/page?who=a-fetch")))
    assert failure.value.code == OFFLINE
    run(page_b.load_url(http_server.url("/page?who=b")))
    assert page_b.page.title() == "Page"
    assert http_server.requests("/page?who=a") == []


def test_going_offline_closes_the_sessions_tunnels_and_refuses_new_ones(
        run, unique: str, http_server: HttpServer) -> None:
    ses = session.from_partition(unique)
    service = router_service.service()
    auth = base64.b64encode(f"{ses.network.token}:{service.secret}".encode()).decode()

    async def tunnel() -> tuple[bytes, asyncio.StreamReader, asyncio.StreamWriter]:
        reader, writer = await asyncio.open_connection("127.0.0.1", service.port)
        writer.write(f"CONNECT 127.0.0.1:{http_server.port} HTTP/1.1\r\n"
                     f"Proxy-Authorization: Basic {auth}\r\n\r\n".encode())
        return await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10), reader, writer

    async def scenario() -> tuple[bytes, bytes]:
        head, reader, writer = await tunnel()
        assert head.startswith(b"HTTP/1.1 200")
        ses.enable_network_emulation(offline=True)
        ended = await asyncio.wait_for(reader.read(), 10)
        writer.close()
        refused, _, writer = await tunnel()
        writer.close()
        return ended, refused

    ended, refused = run(scenario())
    assert ended == b""
    assert refused.startswith(b"HTTP/1.1 502") and f"{OFFLINE}".encode() in refused
    assert ses.network.real_error(f"https://127.0.0.1:{http_server.port}/",
                                  "net::ERR_TUNNEL_CONNECTION_FAILED") == OFFLINE


def test_going_offline_and_back_as_the_page_sees_it(run, unique: str,
                                                     http_server: HttpServer) -> None:
    ses = session.from_partition(unique)
    page = WebContents(ses)
    run(page.load_url(http_server.url("/page")))
    url = json.dumps(http_server.url("/bytes?n=10"))

    async def scenario() -> tuple[str, str]:
        ses.enable_network_emulation(offline=True)
        await until(lambda: page.execute_javascript("navigator.onLine"), False)
        offline = await page.execute_javascript(TRY_FETCH % url)
        ses.disable_network_emulation()
        await until(lambda: page.execute_javascript("navigator.onLine"), True)
        return offline, await page.execute_javascript(TRY_FETCH % url)

    offline, online = run(scenario())
    assert offline.startswith("failed")
    assert online == "status 200"
    assert ses.get_network_emulation() is None


def test_latency_delays_each_request_the_page_makes(run, unique: str,
                                                    http_server: HttpServer) -> None:
    ses = session.from_partition(unique)
    ses.enable_network_emulation(latency=700)
    page = WebContents(ses)
    start = time.monotonic()
    run(page.load_url(http_server.url("/page")))
    assert time.monotonic() - start >= 0.7
    timed = run(page.execute_javascript(TIMED_FETCH % json.dumps(http_server.url("/bytes?n=10"))))
    assert timed["status"] == 200 and timed["ms"] >= 700


def test_download_throughput_bounds_fetches_and_downloads(run, unique: str, tmp_path,
                                                          http_server: HttpServer) -> None:
    size, rate = 384 * KIB, 128 * KIB  # 3 s at the limit, less the bucket's first burst
    limited = session.from_partition(unique)
    limited.enable_network_emulation(download_throughput=rate)
    page = WebContents(limited)
    run(page.load_url(http_server.url("/page")))
    url = http_server.url(f"/bytes?n={size}")
    timed = run(page.execute_javascript(TIMED_FETCH % json.dumps(url)))
    assert timed["size"] == size
    assert 2000 <= timed["ms"] < 30000, timed

    # Our own downloads go through the router while emulation is on, so they obey it too.
    limited.set_download_path(str(tmp_path))

    async def download() -> tuple[str, float]:
        start = time.monotonic()
        item = limited.download_url(http_server.url(f"/bytes?n={256 * KIB}&download=1"))
        assert item is not None
        done: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        item.once("done", lambda _event, state: done.set_result(state))
        return await asyncio.wait_for(done, 60), time.monotonic() - start

    state, took = run(download())
    assert state == "completed" and took >= 1.3, took

    limited.disable_network_emulation()
    fast = run(page.execute_javascript(TIMED_FETCH % json.dumps(url)))
    assert fast["size"] == size and fast["ms"] < timed["ms"] / 2, (fast, timed)


@pytest.mark.parametrize(("options", "error", "named"), [
    ({"latency": -1}, ValueError, "-1"),
    ({"latency": True}, TypeError, "True"),
    ({"offline": "yes"}, TypeError, "'yes'"),
    ({"download_throughput": math.inf}, ValueError, "inf"),
    ({"upload_throughput": "fast"}, TypeError, "'fast'"),
    ({"download_throughput": math.nan}, ValueError, "nan"),
])
def test_bad_arguments_raise_naming_the_value_and_change_nothing(
        qapp, unique: str, options: dict[str, Any], error: type[Exception], named: str) -> None:
    ses = session.from_partition(unique)
    ses.enable_network_emulation(latency=100, upload_throughput=5000.5)
    before = ses.get_network_emulation()
    with pytest.raises(error, match=re.escape(named)):
        ses.enable_network_emulation(**options)
    assert ses.get_network_emulation() == before
    assert ses.settings.get("network_emulation") == before


def _child(data: Path, *args: str) -> Any:
    done = subprocess.run([sys.executable, "-m", "tests.emulation_child", *args], cwd=ROOT,
                          env=_child_env(data), capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_emulation_is_restored_when_the_partition_opens_again(tmp_path: Path,
                                                              http_server: HttpServer) -> None:
    partition, url = "persist:emulated", http_server.url("/page")
    options = {"offline": True, "latency": 5, "download_throughput": 0,
               "upload_throughput": 1000}
    assert _child(tmp_path, "set", partition, json.dumps(options)) == "ok"
    restored = _child(tmp_path, "load", partition, url)
    assert restored == {"outcome": OFFLINE, "emulation": {**options, "latency": 5.0,
                                                           "download_throughput": 0.0,
                                                           "upload_throughput": 1000.0}}
    assert _child(tmp_path, "set", partition, "null") == "ok"
    assert _child(tmp_path, "load", partition, url) == {"outcome": "Page", "emulation": None}
