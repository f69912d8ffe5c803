"""ses.fetch: QtNetwork through the router with the session's identity and cookies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core import session
from core.errors import NetError, NotSupportedError
from core.net import Response
from core.net.protocol import ProtocolRequest
from core.web_contents import WebContents
from tests.net_extras_servers import closed_port
from tests.servers import HttpServer


def test_fetch_sends_the_sessions_identity_and_cookies_through_the_router(
        run, unique: str, tmp_path: Path, http_server: HttpServer) -> None:
    ses = session.from_partition(unique)
    ses.set_user_agent("Partita-Fetch/1.0", "fr,en")
    log_path = tmp_path / "fetch.json"

    async def scenario() -> tuple[dict[str, str], dict[str, str], list[str]]:
        await ses.cookies.set(url=http_server.url("/"), name="have", value="1")
        await ses.net_log.start_logging(str(log_path))
        resp = await ses.fetch(http_server.url("/echo"), headers={"X-Test": "yes"})
        assert (resp.status, resp.ok, resp.redirected) == (200, True, False)
        assert resp.headers["content-type"] == "application/json"
        assert resp.url == http_server.url("/echo")
        echoed = await resp.json()
        omitted = await (await ses.fetch(http_server.url("/echo"), credentials="omit")).json()
        stored = await ses.fetch(http_server.url("/set-cookie?c=fresh=2"))
        assert stored.status_text == "OK"
        await ses.net_log.stop_logging()
        names = [c.name for c in await ses.cookies.get(url=http_server.url("/"))]
        return echoed, omitted, names

    echoed, omitted, names = run(scenario())
    assert echoed["user-agent"] == "Partita-Fetch/1.0"
    assert echoed["accept-language"] == "fr,en;q=0.9"
    assert echoed["cookie"] == "have=1" and echoed["x-test"] == "yes"
    assert "cookie" not in omitted
    assert sorted(names) == ["fresh", "have"]
    # Through the router, with this session's token: its net log saw the requests.
    log = json.loads(log_path.read_text())
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = [e["params"]["url"] for e in log["events"] if e["type"] == start and "params" in e]
    assert urls.count(http_server.url("/echo")) == 2


def test_redirects_are_followed_and_reported(run, unique: str, http_server: HttpServer) -> None:
    ses = session.from_partition(unique)
    resp = run(ses.fetch(http_server.url("/redirect?to=/page%3Ftitle%3DLanded")))
    assert resp.redirected and resp.url == http_server.url("/page?title=Landed")
    assert "<title>Landed</title>" in run(resp.text())
    assert run(resp.read()).startswith(b"<!doctype html>")


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_failures_raise_net_error_with_chromiums_name(run, unique: str, scheme: str) -> None:
    ses = session.from_partition(unique)
    with pytest.raises(NetError) as failure:
        run(ses.fetch(f"{scheme}://127.0.0.1:{closed_port()}/"))
    assert failure.value.code == "net::ERR_CONNECTION_REFUSED"


def test_http_errors_are_responses(run, unique: str, http_server: HttpServer) -> None:
    resp = run(session.from_partition(unique).fetch(http_server.url("/status/404")))
    assert (resp.status, resp.ok) == (404, False)


def test_bad_arguments_raise(run, unique: str, http_server: HttpServer) -> None:
    ses = session.from_partition(unique)
    with pytest.raises(TypeError, match="GET/HEAD"):
        run(ses.fetch(http_server.url("/echo"), body=b"x"))
    with pytest.raises(TypeError, match="credentials"):
        run(ses.fetch(http_server.url("/echo"), credentials="sometimes"))
    with pytest.raises(TypeError, match="not a valid HTTP method"):
        run(ses.fetch(http_server.url("/echo"), method="GE T"))
    with pytest.raises(NotSupportedError, match="data"):
        run(ses.fetch("data:text/plain,hi"))
    with pytest.raises(TypeError, match="parse URL"):
        run(ses.fetch("not a url"))


def test_a_protocol_handler_may_return_what_fetch_returned(run, unique: str,
                                                           http_server: HttpServer) -> None:
    ses = session.from_partition(unique)
    seen: list[Response] = []

    async def handler(request: ProtocolRequest) -> Response:
        if "/proxied" not in request.url:
            return Response("<title>plain</title>", headers={"Content-Type": "text/html"})
        fetched = await ses.fetch(http_server.url("/page?title=Fetched"))
        seen.append(fetched)
        return fetched

    ses.protocol.handle("http", handler)
    try:
        page = WebContents(ses)
        run(page.load_url(f"http://127.0.0.1:{closed_port()}/proxied"))
        assert page.page.title() == "Fetched"
    finally:
        ses.protocol.unhandle("http")
    assert len(seen) == 1 and http_server.requests("/page?title=Fetched")
