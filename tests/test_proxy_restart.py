"""Proxy settings across an app restart: real Partita processes on one data folder
(tests/proxy_child.py), a real upstream proxy and a PAC server in this process."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.servers import HttpServer
from tests.test_router_servers import UpstreamHttpProxy

ROOT = Path(__file__).resolve().parent.parent
ONLY_UPSTREAM = "only-upstream.test"  # a name that only the upstream proxy resolves


def _child_env(data: Path) -> dict[str, str]:
    env = dict(os.environ, PARTITA_DATA_DIR=str(data), QT_QPA_PLATFORM="offscreen")
    for name in ("XDG_DATA_HOME", "PARTITA_ORIGINAL_XDG_DATA_HOME", "http_proxy",
                 "https_proxy", "all_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                 "ALL_PROXY", "NO_PROXY"):
        env.pop(name, None)
    return env


def _start(data: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "tests.proxy_child", *args], cwd=ROOT,
                            env=_child_env(data), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _finish(child: subprocess.Popen[str]) -> Any:
    out, err = child.communicate(timeout=90)
    assert child.returncode == 0, err[-2000:]
    return json.loads(out.strip().splitlines()[-1])


async def _child(data: Path, *args: str) -> Any:
    return await asyncio.to_thread(lambda: _finish(_start(data, *args)))


class PacServer:
    """Serves one PAC script, holding each answer while ``gate`` is closed."""

    def __init__(self, script: str) -> None:
        self.script = script.encode()
        self.gate = asyncio.Event()
        self.gate.set()
        self.fetches = 0
        self.port = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> PacServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/proxy.pac"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        self.fetches += 1
        await self.gate.wait()
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/x-ns-proxy-autoconfig\r\n"
                     b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(self.script)
                     + self.script)
        await writer.drain()
        writer.close()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()


@pytest.mark.slow
def test_fixed_servers_come_back_after_a_restart(run, tmp_path: Path,
                                                 http_server: HttpServer) -> None:
    async def scenario() -> tuple[Any, list[tuple[str, ...]], int]:
        upstream = await UpstreamHttpProxy().start()
        try:
            arguments = {"proxy_rules": f"127.0.0.1:{upstream.port}",
                         "proxy_bypass_rules": "<-loopback>"}
            assert await _child(tmp_path, "set", "persist:work", json.dumps(arguments)) == "ok"
            result = await _child(tmp_path, "load", "persist:work",
                                  http_server.url("/page?title=Restored"))
            return result, upstream.seen, upstream.port
        finally:
            await upstream.close()

    result, seen, port = run(scenario())
    assert result == {"outcome": "Restored", "resolve": f"PROXY 127.0.0.1:{port}",
                      "settings": {"mode": None, "pac_script": None,
                                   "proxy_rules": f"127.0.0.1:{port}",
                                   "proxy_bypass_rules": "<-loopback>"}}
    assert http_server.url("/page?title=Restored") in [target for _, target, _ in seen]


@pytest.mark.slow
def test_a_restored_pac_script_is_fetched_without_blocking_and_nothing_goes_direct(
        run, tmp_path: Path, http_server: HttpServer) -> None:
    url = f"http://{ONLY_UPSTREAM}:{http_server.port}/page?title=Via+PAC"

    async def scenario() -> tuple[Any, int, list[tuple[str, ...]], int]:
        upstream = await UpstreamHttpProxy(hosts={ONLY_UPSTREAM: "127.0.0.1"}).start()
        pac = await PacServer(f'function FindProxyForURL(url, host) {{ return '
                              f'"PROXY 127.0.0.1:{upstream.port}"; }}').start()
        try:
            arguments = {"mode": "pac_script", "pac_script": pac.url}
            assert await _child(tmp_path, "set", "persist:pac", json.dumps(arguments)) == "ok"
            pac.gate.clear()  # the restarted process gets no PAC script yet
            child = _start(tmp_path, "load", "persist:pac", url)
            assert child.stdout is not None
            # Creating the session must not wait for the PAC script: the gate is still shut.
            assert (await asyncio.to_thread(child.stdout.readline)).strip() == "created"
            pac.gate.set()
            result = await asyncio.to_thread(_finish, child)
            return result, pac.fetches, upstream.seen, upstream.port
        finally:
            await pac.close()
            await upstream.close()

    result, fetches, seen, port = run(scenario())
    # The page's request waited for the script, then went through the proxy it names
    # (direct, the name would not even resolve).
    assert result["outcome"] == "Via PAC"
    assert result["resolve"] == f"PROXY 127.0.0.1:{port}"
    assert url in [target for _, target, _ in seen]
    assert fetches == 2  # fetched again by the restarted process


@pytest.mark.slow
def test_an_in_memory_partition_writes_no_proxy_settings(run, tmp_path: Path,
                                                         http_server: HttpServer) -> None:
    async def scenario() -> tuple[set[Path], set[Path], Any]:
        await _child(tmp_path, "set", "persist:warm", "{}")  # the engine's own folders exist
        before = set(tmp_path.rglob("*"))
        arguments = {"proxy_rules": "127.0.0.1:9", "proxy_bypass_rules": "<-loopback>"}
        assert await _child(tmp_path, "set", "scratch", json.dumps(arguments)) == "ok"
        after = set(tmp_path.rglob("*"))
        return before, after, await _child(tmp_path, "load", "scratch",
                                           http_server.url("/page?title=Direct"))

    before, after, result = run(scenario())
    assert after - before == set()
    assert result == {"outcome": "Direct", "resolve": "DIRECT", "settings": None}
