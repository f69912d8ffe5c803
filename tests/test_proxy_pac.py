"""PAC scripts through the real engine (pacparser), fetched from a real PAC server and from
``data:`` URLs, reloaded, and used by the router."""

from __future__ import annotations

import asyncio
import base64
import http.server
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from core.net.pac import load_proxy_config, reload_proxy_config
from core.net.pac_engine import PacError
from core.net.proxy_config import resolve_proxy
from core.net.router import Router, config_policy
from tests.servers import HttpServer
from tests.test_router_servers import UpstreamHttpProxy


class PacServer:
    """Serves ``script`` at /proxy.pac (any other path: 404) and counts the fetches."""

    def __init__(self) -> None:
        self.script = ""
        self.fetches = 0
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                if self.path != "/proxy.pac":
                    self.send_error(404)
                    return
                owner.fetches += 1
                body = owner.script.encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ns-proxy-autoconfig")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def url(self, path: str = "/proxy.pac") -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def pac_server() -> Iterator[PacServer]:
    server = PacServer()
    yield server
    server.close()


def pac(body: str) -> str:
    return f"function FindProxyForURL(url, host) {{ {body} }}"


def data_url(script: str) -> str:
    return "data:application/x-ns-proxy-autoconfig;base64," + base64.b64encode(
        script.encode()).decode()


HELPERS = pac("""
    if (isPlainHostName(host)) return "PROXY plain:1";
    if (dnsDomainIs(host, ".corp.example")) return "PROXY corp:2; SOCKS5 corp:3; DIRECT";
    if (shExpMatch(url, "http://*/shexp/*")) return "SOCKS sh:4";
    if (host == "resolve.test") return "PROXY " + dnsResolve("localhost") + ":5";
    if (host == "me.test") return "PROXY " + myIpAddress() + ":6";
    if (isInNet(host, "10.0.0.0", "255.0.0.0")) return "HTTPS ten:7";
    if (host == "echo.test") return "PROXY x:" + url.length;
    if (host == "junk.test") return "NONSENSE a:1; PROXY ok:8; ; SOCKS4 s4:9";
    return "DIRECT";
""")


@pytest.mark.parametrize(("url", "expected"), [
    ("http://intranet/", "PROXY plain:1"),
    ("https://a.corp.example/x", "PROXY corp:2;SOCKS5 corp:3;DIRECT"),
    ("http://a.b/shexp/x", "SOCKS sh:4"),
    ("http://resolve.test/", "PROXY 127.0.0.1:5"),
    ("http://10.1.2.3/", "HTTPS ten:7"),
    ("http://junk.test/", "PROXY ok:8;SOCKS s4:9"),  # bad entries are skipped, as in Chromium
    ("http://localhost/", "DIRECT"),  # implicit bypass: never asked to the script
    ("http://other.test/", "DIRECT"),
])
def test_pac_helpers_in_the_engine(url: str, expected: str) -> None:
    config = asyncio.run(load_proxy_config(pac_script=data_url(HELPERS)))
    assert resolve_proxy(config, url) == expected


def test_my_ip_address_is_an_address() -> None:
    config = asyncio.run(load_proxy_config(pac_script=data_url(HELPERS)))
    answer = resolve_proxy(config, "http://me.test/")
    assert answer.startswith("PROXY ") and answer.endswith(":6")


def test_https_urls_reach_the_script_without_path_or_credentials() -> None:
    # Chromium's SanitizeUrl: url.length tells what the script saw.
    config = asyncio.run(load_proxy_config(pac_script=data_url(HELPERS)))
    assert resolve_proxy(config, "https://u:p@echo.test/secret/path?q=1#frag") == \
        f"PROXY x:{len('https://echo.test/')}"
    assert resolve_proxy(config, "http://u:p@echo.test/a?q=1#frag") == \
        f"PROXY x:{len('http://echo.test/a?q=1')}"


@pytest.mark.parametrize(("script", "message"), [
    ("function FindProxyForURL(url, host) { return ", "SyntaxError"),
    ("var notAPacScript = 1;", "FindProxyForURL is not defined"),
])
def test_broken_scripts_raise_a_clear_error(script: str, message: str) -> None:
    with pytest.raises(PacError, match=f"PAC script from data:.* is broken: .*{message}"):
        asyncio.run(load_proxy_config(pac_script=data_url(script)))


@pytest.mark.parametrize(("body", "message"), [
    ("throw new Error('boom');", "Error: boom"),
    ("return 42;", "did not return a string"),
])
def test_failing_scripts_fail_requests_in_pac_script_mode(body: str, message: str) -> None:
    config = asyncio.run(load_proxy_config(pac_script=data_url(pac(body))))
    with pytest.raises(PacError, match=message):
        resolve_proxy(config, "http://a.test/")


def test_unreachable_or_missing_pac(pac_server: PacServer) -> None:
    with pytest.raises(PacError, match="HTTP 404"):
        asyncio.run(load_proxy_config(pac_script=pac_server.url("/missing.pac")))
    dead = pac_server.url().replace(pac_server.url().split(":")[2].split("/")[0], "1")
    with pytest.raises(PacError, match="could not be fetched"):
        asyncio.run(load_proxy_config(mode="pac_script", pac_script=dead))
    # A system PAC is not mandatory: without it, everything goes direct (as Chromium does).
    config = asyncio.run(load_proxy_config(mode="system", environ={"auto_proxy": dead}))
    assert resolve_proxy(config, "http://a.test/") == "DIRECT"


def test_reload_fetches_again_and_keeps_the_old_config(pac_server: PacServer) -> None:
    pac_server.script = pac('return "PROXY first:1";')
    old = asyncio.run(load_proxy_config(pac_script=pac_server.url()))
    assert resolve_proxy(old, "http://a.test/") == "PROXY first:1"
    pac_server.script = pac('return "SOCKS5 second:2";')
    assert resolve_proxy(old, "http://a.test/") == "PROXY first:1"  # not fetched again by itself
    new = asyncio.run(reload_proxy_config(old))
    assert resolve_proxy(new, "http://a.test/") == "SOCKS5 second:2"
    assert resolve_proxy(old, "http://a.test/") == "PROXY first:1"  # immutable
    pac_server.script = "function FindProxyForURL( {"
    with pytest.raises(PacError, match="broken"):
        asyncio.run(reload_proxy_config(new))
    assert resolve_proxy(new, "http://a.test/") == "SOCKS5 second:2"
    assert pac_server.fetches == 3


def test_router_follows_a_pac_script(http_server: HttpServer, pac_server: PacServer) -> None:
    async def main() -> None:
        upstream = await UpstreamHttpProxy(hosts={"origin.test": "127.0.0.1"}).start()
        pac_server.script = pac(
            f'if (shExpMatch(url, "*/echo?via*")) return "PROXY 127.0.0.1:{upstream.port}";'
            ' return "DIRECT";')
        config = await load_proxy_config(pac_script=pac_server.url())
        router = Router()
        await router.start()
        router.register("A", config_policy(config))

        def get(url: str) -> int:
            proxy = f"http://A:{router.secret}@127.0.0.1:{router.port}"
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy}))
            with opener.open(url, timeout=10) as response:
                return int(response.status)

        # 127.0.0.1 never reaches a PAC script (Chromium's implicit bypass: direct), so the
        # upstream case uses a name only the upstream proxy knows.
        via = f"http://origin.test:{http_server.port}/echo?via-upstream"
        assert await asyncio.to_thread(get, via) == 200
        assert await asyncio.to_thread(get, http_server.url("/echo?via-direct")) == 200
        await router.close()
        await upstream.close()
        targets = [urllib.parse.urlsplit(target).query for _, target, _ in upstream.seen]
        assert targets == ["via-upstream"]
        assert [s.path for s in http_server.requests("/echo")] == \
            ["/echo?via-upstream", "/echo?via-direct"]

    asyncio.run(main())
