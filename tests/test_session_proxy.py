"""Per-partition proxies through the router, with real QtWebEngine pages."""

from __future__ import annotations

import asyncio
import socket
import urllib.error
import urllib.request

import pytest

from core import session
from core.errors import NetError
from core.net import router_service
from core.web_contents import WebContents
from tests.servers import HttpServer
from tests.test_router_servers import UpstreamHttpProxy


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_partition_a_uses_its_proxy_while_b_goes_direct(run, unique: str,
                                                        http_server: HttpServer) -> None:
    async def scenario() -> tuple[list[str], str, str]:
        upstream = await UpstreamHttpProxy().start()
        try:
            a = session.from_partition(f"{unique}-a")
            b = session.from_partition(f"{unique}-b")
            await a.set_proxy(proxy_rules=f"http=127.0.0.1:{upstream.port}",
                              proxy_bypass_rules="<-loopback>")
            page_a, page_b = WebContents(a), WebContents(b)
            await asyncio.gather(page_a.load_url(http_server.url("/page?who=a")),
                                 page_b.load_url(http_server.url("/page?who=b")))
            targets = [target for _, target, _ in upstream.seen]
            return targets, page_a.page.title(), page_b.page.title()
        finally:
            await upstream.close()

    targets, title_a, title_b = run(scenario())
    assert http_server.url("/page?who=a") in targets
    assert not any("who=b" in target for target in targets)
    assert title_a == title_b == "Page"


def test_resolve_proxy_follows_set_proxy_and_bad_input_changes_nothing(run, unique: str) -> None:
    ses = session.from_partition(unique)
    run(ses.set_proxy(mode="fixed_servers", proxy_rules="http=foopy:80;socks=sox:1080"))
    assert run(ses.resolve_proxy("http://example.test/")) == "PROXY foopy:80"
    assert run(ses.resolve_proxy("ftp://example.test/")) == "SOCKS sox:1080"
    with pytest.raises(ValueError, match="mode"):
        run(ses.set_proxy(mode="warp_drive"))
    with pytest.raises(ValueError):
        run(ses.set_proxy(proxy_rules="http=:::"))
    assert run(ses.resolve_proxy("http://example.test/")) == "PROXY foopy:80"
    assert run(session.from_partition(f"{unique}-other").resolve_proxy(
        "http://example.test/")) == "DIRECT"


def test_the_router_refuses_anyone_without_a_session_token(qapp, http_server: HttpServer) -> None:
    proxy = urllib.request.ProxyHandler({"http": router_service.service().proxy_url})
    opener = urllib.request.build_opener(proxy)
    with pytest.raises(urllib.error.HTTPError) as refused:
        opener.open(http_server.url("/page?from=outside"), timeout=10)
    assert refused.value.code == 407
    assert http_server.requests("/page?from=outside") == []


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_connection_errors_keep_chromiums_names_through_the_router(run, unique: str,
                                                                   scheme: str) -> None:
    wc = WebContents(session.from_partition(unique))
    with pytest.raises(NetError) as failure:
        run(wc.load_url(f"{scheme}://127.0.0.1:{_closed_port()}/"))
    assert failure.value.code == "net::ERR_CONNECTION_REFUSED"


def test_close_all_connections_resolves(run, unique: str, http_server: HttpServer) -> None:
    ses = session.from_partition(unique)
    wc = WebContents(ses)
    run(wc.load_url(http_server.url("/page")))
    run(ses.close_all_connections())
    run(wc.load_url(http_server.url("/page?again=1")))
    assert wc.page.title() == "Page"


def test_our_downloads_follow_the_partitions_proxy(run, unique: str, tmp_path,
                                                   http_server: HttpServer) -> None:
    async def scenario() -> tuple[list[str], str]:
        upstream = await UpstreamHttpProxy().start()
        try:
            ses = session.from_partition(unique)
            ses.set_download_path(str(tmp_path))
            await ses.set_proxy(proxy_rules=f"127.0.0.1:{upstream.port}",
                                proxy_bypass_rules="<-loopback>")
            item = ses.download_url(http_server.url("/page?download=1"))
            assert item is not None
            done: asyncio.Future[str] = asyncio.get_running_loop().create_future()
            item.once("done", lambda _event, state: done.set_result(state))
            state = await asyncio.wait_for(done, 30)
            return [target for _, target, _ in upstream.seen], state
        finally:
            await upstream.close()

    targets, state = run(scenario())
    assert state == "completed"
    assert http_server.url("/page?download=1") in targets
