"""ses.web_request on real pages: the eight hooks, their details, and what they change."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from core import session
from core.errors import NetError
from core.net.request_details import RequestDetails
from core.web_contents import WebContents
from tests.servers import HttpServer
from tests.waiting import wait_until

_SIMPLE = ("send_headers", "response_started", "before_redirect", "completed", "error_occurred")


def _record_all(ses: session.Session) -> list[tuple[str, RequestDetails]]:
    """Attach a listener to every hook; blocking ones answer at once with no change."""
    seen: list[tuple[str, RequestDetails]] = []

    def blocking(hook: str) -> Any:
        def listener(details: RequestDetails, callback: Any) -> None:
            seen.append((hook, details))
            callback({})
        return listener

    wr = ses.web_request
    wr.on_before_request(blocking("before_request"))
    wr.on_before_send_headers(blocking("before_send_headers"))
    wr.on_headers_received(blocking("headers_received"))
    for hook in _SIMPLE:
        getattr(wr, f"on_{hook}")(lambda details, hook=hook: seen.append((hook, details)))
    return seen


def _for(seen: list[tuple[str, RequestDetails]], suffix: str) -> list[tuple[str, RequestDetails]]:
    return [(hook, details) for hook, details in seen if details.url.endswith(suffix)]


def test_every_hook_fires_in_order_for_a_page_load(run, unique: str,
                                                   http_server: HttpServer) -> None:
    ses = session.from_partition(unique)
    seen = _record_all(ses)
    wc = WebContents(ses)
    run(wc.load_url(http_server.url("/page?title=Hooks")))
    # Network.loadingFinished may come after the page reports its load as finished.
    run(wait_until(lambda: any(hook == "completed" for hook, _ in
                                _for(seen, "/page?title=Hooks"))))
    page = _for(seen, "/page?title=Hooks")
    assert [hook for hook, _ in page] == [
        "before_request", "before_send_headers", "send_headers", "headers_received",
        "response_started", "completed",
    ]
    ids = {details.id for _, details in page}
    assert len(ids) == 1 and isinstance(ids.pop(), int)
    first = page[0][1]
    assert first.method == "GET"
    assert first.resource_type == "mainFrame"
    assert first.web_contents_id == wc.id and first.web_contents is wc
    assert first.timestamp > 1e12  # milliseconds since the epoch
    assert first.request_headers is None
    assert "User-Agent" in (page[1][1].request_headers or {})
    received = page[3][1]
    assert received.status_code == 200
    assert received.status_line == "HTTP/1.1 200 OK"
    assert received.response_headers is not None
    assert received.response_headers["Content-Type"] == ["text/html; charset=utf-8"]
    completed = page[-1][1]
    assert completed.status_code == 200 and completed.from_cache is False
    assert completed.ip == "127.0.0.1" and completed.error == "net::OK"
    assert completed["url"] == completed.url  # details also read like Electron's objects


def test_subresources_and_fetch_have_their_resource_types(run, unique: str,
                                                          http_server: HttpServer) -> None:
    ses = session.from_partition(unique)
    seen = _record_all(ses)
    wc = WebContents(ses)
    run(wc.load_url(http_server.url("/resources")))
    run(wc.execute_javascript("fetch('/echo').then(r => r.json())"))
    types = {
        suffix: {details.resource_type for _, details in _for(seen, suffix)}
        for suffix in ("/resources", "/asset.css", "/asset.js", "/asset.gif", "/echo")
    }
    assert types == {"/resources": {"mainFrame"}, "/asset.css": {"stylesheet"},
                     "/asset.js": {"script"}, "/asset.gif": {"image"}, "/echo": {"xhr"}}
    for suffix in ("/asset.css", "/echo"):
        run(wait_until(lambda suffix=suffix: any(
            hook == "completed" for hook, _ in _for(seen, suffix))))
        hooks = [hook for hook, _ in _for(seen, suffix)]
        assert hooks[0] == "before_request" and hooks[-1] == "completed"
    referrer = _for(seen, "/asset.css")[0][1].referrer
    assert referrer == http_server.url("/resources")


def test_cancel_fails_the_load_and_fetch(run, unique: str, http_server: HttpServer) -> None:
    ses = session.from_partition(unique)
    errors: list[RequestDetails] = []
    ses.web_request.on_before_request(
        lambda details, callback: callback(cancel="/blocked" in details.url))
    ses.web_request.on_error_occurred(errors.append)
    wc = WebContents(ses)
    with pytest.raises(NetError) as failure:
        run(wc.load_url(http_server.url("/blocked")))
    assert failure.value.code == "net::ERR_BLOCKED_BY_CLIENT"
    run(wc.load_url(http_server.url("/page")))
    outcome = run(wc.execute_javascript(
        "fetch('/blocked/x').then(() => 'loaded', e => e.name)"))
    assert outcome == "TypeError"
    assert http_server.requests("/blocked") == []
    run(wait_until(lambda: len([d for d in errors if "/blocked" in d.url]) == 2))
    assert [d.error for d in errors if "/blocked" in d.url] == ["net::ERR_BLOCKED_BY_CLIENT"] * 2


def test_redirect_from_before_request(run, unique: str, http_server: HttpServer) -> None:
    ses = session.from_partition(unique)
    redirects: list[RequestDetails] = []
    target = http_server.url("/page?title=Moved")
    ses.web_request.on_before_request(
        lambda details, callback: callback(redirect_url=target)
        if details.url.endswith("/old") else callback())
    ses.web_request.on_before_redirect(redirects.append)
    wc = WebContents(ses)
    run(wc.load_url(http_server.url("/old")))
    assert wc.get_url() == target
    assert wc.page.title() == "Moved"
    assert http_server.requests("/old") == []
    assert [(d.url, d.redirect_url, d.status_code, d.status_line) for d in redirects] == [
        (http_server.url("/old"), target, 307, "HTTP/1.1 307 Internal Redirect")]


def test_server_redirect_is_reported(run, unique: str, http_server: HttpServer) -> None:
    ses = session.from_partition(unique)
    redirects: list[RequestDetails] = []
    ses.web_request.on_before_redirect(redirects.append)
    wc = WebContents(ses)
    run(wc.load_url(http_server.url("/redirect?to=/page")))
    assert wc.get_url() == http_server.url("/page")
    [details] = redirects
    assert details.url == http_server.url("/redirect?to=/page")
    assert details.redirect_url == http_server.url("/page")
    assert details.status_code == 302 and details.response_headers is not None
    assert details.response_headers["Location"] == ["/page"]


def test_changed_request_headers_reach_the_server(run, unique: str,
                                                  http_server: HttpServer) -> None:
    ses = session.from_partition(unique)
    sent: list[dict[str, str]] = []

    def change(details: RequestDetails, callback: Any) -> None:
        headers = details.request_headers or {}
        headers["X-Partita"] = "changed"
        headers["User-Agent"] = "MyAgent"
        callback(request_headers=headers)

    ses.web_request.on_before_send_headers(change)
    ses.web_request.on_send_headers(lambda details: sent.append(details.request_headers or {}))
    wc = WebContents(ses)
    run(wc.load_url(http_server.url("/page")))
    echoed = run(wc.execute_javascript("fetch('/echo').then(r => r.json())"))
    assert echoed["x-partita"] == "changed" and echoed["user-agent"] == "MyAgent"
    [page] = http_server.requests("/page")
    assert page.headers["x-partita"] == "changed"
    assert all(headers["X-Partita"] == "changed" for headers in sent)


def test_response_headers_and_status_line_seen_by_the_page(run, unique: str,
                                                           http_server: HttpServer) -> None:
    ses = session.from_partition(unique)

    def rewrite(details: RequestDetails, callback: Any) -> None:
        headers = dict(details.response_headers or {})
        headers["X-Rewritten"] = ["yes"]
        callback(response_headers=headers, status_line="HTTP/1.1 299 Rewritten")

    ses.web_request.on_headers_received(rewrite, urls=["*://*/echo*"])
    wc = WebContents(ses)
    run(wc.load_url(http_server.url("/page")))
    result = run(wc.execute_javascript(
        "fetch('/echo').then(r => [r.status, r.statusText, r.headers.get('x-rewritten')])"))
    assert result == [299, "Rewritten", "yes"]
    untouched = run(wc.execute_javascript(
        "fetch('/page').then(r => [r.status, r.headers.get('x-rewritten')])"))
    assert untouched == [200, None]


def test_url_filters_and_removing_a_listener(run, unique: str,
                                             http_server: HttpServer) -> None:
    ses = session.from_partition(unique)
    urls: list[str] = []
    ses.web_request.on_completed(lambda d: urls.append(d.url),
                                 urls=[f"http://127.0.0.1:{http_server.port}/asset*"])
    wc = WebContents(ses)
    run(wc.load_url(http_server.url("/resources")))
    run(wait_until(lambda: len(urls) >= 3))  # Network events may trail the load
    assert sorted(u.rsplit("/", 1)[1] for u in urls) == ["asset.css", "asset.gif", "asset.js"]
    bad = re.escape("Invalid url pattern nope: Missing scheme separator.")
    with pytest.raises(TypeError, match=bad):
        ses.web_request.on_completed(lambda d: None, urls=["nope"])
    ses.web_request.on_completed(None)
    urls.clear()
    run(wc.load_url(http_server.url("/resources?again")))
    assert urls == []


def test_one_listener_per_hook_and_late_async_callbacks(run, unique: str,
                                                        http_server: HttpServer) -> None:
    ses = session.from_partition(unique)
    calls: list[str] = []
    ses.web_request.on_before_request(lambda d, cb: (calls.append("first"), cb()))

    async def later(details: RequestDetails, callback: Any) -> None:
        calls.append("second " + details.url.rsplit("/", 1)[1])
        await asyncio.sleep(0.2)  # the request waits for the callback, however late
        callback(cancel=details.url.endswith("/never"))

    ses.web_request.on_before_request(later, urls=["*://*/page", "*://*/never"])
    wc = WebContents(ses)
    run(wc.load_url(http_server.url("/page")))
    with pytest.raises(NetError):
        run(wc.load_url(http_server.url("/never")))
    assert calls == ["second page", "second never"]
    assert http_server.requests("/never") == []


def test_entry_point_for_other_request_sources_and_bad_answers(run, unique: str) -> None:
    """What the download engine calls; a callback with a bad key raises in the listener."""
    ses = session.from_partition(unique)
    problems: list[str] = []

    def listener(details: RequestDetails, callback: Any) -> None:
        try:
            callback(redirectURL="http://b.test/")
        except TypeError as exc:
            problems.append(str(exc))
        callback(redirect_url="http://b.test/")

    ses.web_request.on_before_request(listener, urls=["http://a.test/*"])
    trace = ses.web_request.start_request("http://a.test/file.zip", resource_type="other")
    decision = run(trace.before_request())
    assert decision.redirect_url == "http://b.test/" and not decision.cancel
    assert problems and "redirectURL" in problems[0]
    other = ses.web_request.start_request("http://c.test/")
    assert run(other.before_request()).redirect_url is None  # filtered out: no change
    assert other.id != trace.id
    with pytest.raises(TypeError, match="Must pass null or a Function"):
        ses.web_request.on_completed("nope")  # type: ignore[arg-type]
