"""Pages in sessions: loading, scripting, isolation, headers on the wire, preloads."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from core import session
from core.errors import JavaScriptError, NetError
from core.web_contents import WebContents
from tests.servers import HttpServer


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_load_url_resolves_on_load_and_for_http_errors(run, unique: str,
                                                       http_server: HttpServer) -> None:
    wc = WebContents(session.from_partition(unique))
    run(wc.load_url(http_server.url("/page?title=Hello")))
    assert wc.page.title() == "Hello"
    assert wc.get_url() == http_server.url("/page?title=Hello")
    run(wc.load_url(http_server.url("/status/404")))
    assert wc.page.title() == "Status 404"


def test_load_url_rejects_with_the_net_error(run, unique: str) -> None:
    wc = WebContents(session.from_partition(unique))
    with pytest.raises(NetError) as failure:
        run(wc.load_url(f"http://127.0.0.1:{_closed_port()}/"))
    assert failure.value.code == "net::ERR_CONNECTION_REFUSED"
    with pytest.raises(NetError) as invalid:
        run(wc.load_url("not a url"))
    assert invalid.value.code == "net::ERR_INVALID_URL"


def test_execute_javascript_awaits_promises_and_reports_errors(run, unique: str,
                                                               http_server: HttpServer) -> None:
    wc = WebContents(session.from_partition(unique))
    run(wc.load_url(http_server.url("/page")))
    assert run(wc.execute_javascript("1 + 2")) == 3
    assert run(wc.execute_javascript(
        "new Promise(r => setTimeout(() => r({a: [1, 'b']}), 50))")) == {"a": [1, "b"]}
    assert run(wc.execute_javascript("undefined")) is None
    with pytest.raises(JavaScriptError, match="boom"):
        run(wc.execute_javascript("Promise.reject(new Error('boom'))"))
    with pytest.raises(JavaScriptError, match="nope is not defined"):
        run(wc.execute_javascript("nope()"))


def test_user_gesture_gives_transient_activation(run, unique: str,
                                                 http_server: HttpServer) -> None:
    wc = WebContents(session.from_partition(unique))
    run(wc.load_url(http_server.url("/page")))
    probe = "navigator.userActivation.isActive"
    assert run(wc.execute_javascript(probe)) is False
    assert run(wc.execute_javascript(probe, user_gesture=True)) is True


def test_closed_contents_raise_electrons_error(run, unique: str) -> None:
    wc = WebContents(session.from_partition(unique))
    wc.close()
    assert wc.is_destroyed()
    with pytest.raises(RuntimeError, match="Object has been destroyed"):
        wc.get_url()


STORE = "localStorage.setItem('k', 'from-A'); document.cookie = 'ck=from-A; max-age=600'; 1"
READ = "[localStorage.getItem('k'), document.cookie]"


@pytest.mark.parametrize("kind", ["persist:", ""])
def test_partitions_do_not_see_each_others_storage(run, unique: str, kind: str,
                                                   http_server: HttpServer) -> None:
    a = WebContents(session.from_partition(f"{kind}{unique}-a"))
    b = WebContents(session.from_partition(f"{kind}{unique}-b"))
    a_again = WebContents(session.from_partition(f"{kind}{unique}-a"))
    for wc in (a, b, a_again):
        run(wc.load_url(http_server.url("/page")))
    run(a.execute_javascript(STORE))
    assert run(a_again.execute_javascript(READ)) == ["from-A", "ck=from-A"]
    assert run(b.execute_javascript(READ)) == [None, ""]
    run(b.load_url(http_server.url("/echo")))
    assert "cookie" not in http_server.requests("/echo")[-1].headers


def test_user_agent_and_accept_language_reach_the_server(run, unique: str,
                                                         http_server: HttpServer) -> None:
    ses = session.from_partition(unique)
    ses.set_user_agent("PartitaTest/1.0", "en-US,fr,de")
    wc = WebContents(ses)
    run(wc.load_url(http_server.url("/echo")))
    headers = http_server.requests("/echo")[-1].headers
    assert headers["user-agent"] == "PartitaTest/1.0"
    assert headers["accept-language"] == "en-US,fr;q=0.9,de;q=0.8"
    assert run(wc.execute_javascript("navigator.userAgent")) == "PartitaTest/1.0"


def test_preloads_run_before_the_page_in_every_frame(run, unique: str, tmp_path: Path,
                                                     http_server: HttpServer) -> None:
    preload = tmp_path / "preload.js"
    preload.write_text("window.__preloadMark = (window.__preloadMark || 0) + 1;")
    ses = session.from_partition(unique)
    ses.set_preloads([str(preload)])
    assert ses.get_preloads() == [str(preload)]
    wc = WebContents(ses)
    run(wc.load_url(http_server.url("/order")))
    assert run(wc.execute_javascript("window.__pageSawPreload")) is True
    assert run(wc.execute_javascript("window.__preloadMark")) == 1
    frame_mark = (
        "new Promise(r => { const f = document.querySelector('iframe');"
        " const done = () => r(f.contentWindow.__preloadMark);"
        " f.contentDocument.readyState === 'complete' ? done() : f.onload = done; })"
    )
    assert run(wc.execute_javascript(frame_mark)) == 1
    ses.set_preloads([])
    run(wc.load_url(http_server.url("/order")))
    assert run(wc.execute_javascript("window.__pageSawPreload")) is False


def test_cache_size_counts_real_bytes_and_clear_cache_empties_it(run, unique: str,
                                                                 http_server: HttpServer) -> None:
    ses = session.from_partition(f"persist:{unique}")
    wc = WebContents(ses)
    run(wc.load_url(http_server.url("/cacheable")))

    async def size_after_write() -> int:
        # Chromium writes cache entries asynchronously after the load.
        import asyncio

        for _ in range(100):
            size = await ses.get_cache_size()
            if size >= 200_000:
                return size
            await asyncio.sleep(0.05)
        return await ses.get_cache_size()

    assert run(size_after_write()) >= 200_000
    run(ses.clear_cache())
    assert run(ses.get_cache_size()) < 200_000
