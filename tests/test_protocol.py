"""ses.protocol on real pages: custom schemes per partition, http interception, large bodies."""

from __future__ import annotations

import asyncio
import time

import pytest

from core import app, session
from core.errors import NetError, NotSupportedError
from core.net import Response
from core.net.protocol import ProtocolRequest
from core.web_contents import WebContents
from tests.servers import HttpServer

# Custom schemes are registered before QtWebEngine starts, as Electron requires; pytest imports
# every test module before the first test creates the application.
app.register_schemes_as_privileged([
    {"scheme": "ptest", "privileges": {"standard": True, "secure": True,
                                       "support_fetch_api": True, "cors_enabled": True}},
])


def _page(title: str) -> Response:
    return Response(f"<title>{title}</title>", headers={"Content-Type": "text/html"})


def test_custom_scheme_in_one_partition_only(run, unique: str) -> None:
    ses = session.from_partition(unique)
    other = session.from_partition(unique + "-other")
    seen: list[ProtocolRequest] = []

    def handler(request: ProtocolRequest) -> Response:
        seen.append(request)
        return _page("Custom " + request.url.rsplit("/", 1)[1])

    ses.protocol.handle("ptest", handler)
    assert ses.protocol.is_protocol_handled("ptest")
    assert not other.protocol.is_protocol_handled("ptest")
    wc = WebContents(ses)
    run(wc.load_url("ptest://bundle/index"))
    assert wc.page.title() == "Custom index"
    assert seen[0].method == "GET" and seen[0].url == "ptest://bundle/index"
    elsewhere = WebContents(other)
    with pytest.raises(NetError) as failure:
        run(elsewhere.load_url("ptest://bundle/index"))
    assert failure.value.code == "net::ERR_ABORTED"  # an unknown scheme in that partition


def test_handle_twice_unhandle_and_bad_arguments(run, unique: str) -> None:
    ses = session.from_partition(unique)
    ses.protocol.handle("ptest", lambda request: _page("x"))
    with pytest.raises(ValueError, match=r"^Failed to register protocol: ptest$"):
        ses.protocol.handle("ptest", lambda request: _page("y"))
    ses.protocol.unhandle("ptest")
    assert not ses.protocol.is_protocol_handled("ptest")
    with pytest.raises(ValueError, match=r"^Failed to unhandle protocol: ptest$"):
        ses.protocol.unhandle("ptest")
    with pytest.raises(NotSupportedError, match="data"):
        ses.protocol.handle("data", lambda request: _page("z"))
    with pytest.raises(TypeError):
        ses.protocol.handle("ptest", "not callable")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="invalid scheme"):
        ses.protocol.handle("no good", lambda request: _page("z"))
    assert not ses.protocol.is_protocol_handled("ptest")
    wc = WebContents(ses)
    with pytest.raises(NetError):
        run(wc.load_url("ptest://bundle/gone"))


def test_async_handler_fetch_headers_and_status_mapping(run, unique: str) -> None:
    ses = session.from_partition(unique)

    async def handler(request: ProtocolRequest) -> Response:
        await asyncio.sleep(0.05)
        if request.url.endswith("/missing"):
            return Response("no", status=404)
        if request.url.endswith("/moved"):
            return Response(status=302, headers={"Location": "/index"})
        if request.url.endswith("/broken"):
            raise RuntimeError("handler bug")
        return Response(b'{"ok": true}', headers={"Content-Type": "application/json",
                                                   "X-From": "python"})

    ses.protocol.handle("ptest", handler)
    wc = WebContents(ses)
    run(wc.load_url("ptest://bundle/index"))
    result = run(wc.execute_javascript("""Promise.all([
        fetch('/data').then(async r => [r.status, r.headers.get('x-from'), await r.json()]),
        fetch('/missing').then(r => r.status),
        fetch('/moved').then(r => [r.redirected, r.url]),
        fetch('/broken').then(r => r.status, e => e.name)])"""))
    assert result[0] == [200, "python", {"ok": True}]
    assert result[1] == 404
    assert result[2] == [True, "ptest://bundle/index"]
    assert result[3] in (400, "TypeError")  # ERR_FAILED: QtWebEngine answers 400 for a fetch


def test_http_interception_within_one_session_only(run, unique: str,
                                                   http_server: HttpServer) -> None:
    ses = session.from_partition(unique)
    other = session.from_partition(unique + "-other")
    bodies: list[bytes | None] = []

    async def handler(request: ProtocolRequest) -> Response:
        bodies.append(request.body)
        await asyncio.sleep(0.01)
        return Response(f"<title>Intercepted {request.method}</title>", status=201,
                        headers={"Content-Type": "text/html", "X-Handled": "1"})

    wc = WebContents(ses)  # exists before handle(): interception reaches it too
    ses.protocol.handle("http", handler)
    run(wc.load_url(http_server.url("/page?title=Server")))
    assert wc.page.title() == "Intercepted GET"
    result = run(wc.execute_javascript(
        "fetch('/echo', {method: 'POST', body: 'hello'})"
        ".then(r => [r.status, r.headers.get('x-handled')])"))
    assert result == [201, "1"]
    assert bodies[-1] == b"hello"
    assert http_server.requests("/") == []
    untouched = WebContents(other)
    run(untouched.load_url(http_server.url("/page?title=Server")))
    assert untouched.page.title() == "Server"
    ses.protocol.unhandle("http")
    run(wc.load_url(http_server.url("/page?title=Back")))
    assert wc.page.title() == "Back"


@pytest.mark.parametrize("scheme", ["ptest", "http"])
def test_large_body(run, unique: str, scheme: str, http_server: HttpServer) -> None:
    size = 20 * 1024 * 1024
    body = bytes(range(256)) * (size // 256)
    ses = session.from_partition(unique)
    ses.protocol.handle(scheme, lambda request: Response(
        body if request.url.endswith("/big") else "<title>start</title>",
        headers={"Content-Type": "application/octet-stream"}
        if request.url.endswith("/big") else {"Content-Type": "text/html"}))
    wc = WebContents(ses)
    start_url = "ptest://bundle/" if scheme == "ptest" else http_server.url("/")
    run(wc.load_url(start_url))
    started = time.monotonic()
    digest = run(wc.execute_javascript("""fetch('/big').then(r => r.arrayBuffer()).then(b => {
        const v = new Uint8Array(b); let sum = 0;
        for (let i = 0; i < v.length; i += 4099) sum = (sum + v[i] * (i % 7 + 1)) % 1000003;
        return [v.length, sum]; })"""))
    elapsed = time.monotonic() - started
    expected = 0
    for i in range(0, size, 4099):
        expected = (expected + body[i] * (i % 7 + 1)) % 1000003
    assert digest == [size, expected]
    assert elapsed < 30, f"20 MB through {scheme} took {elapsed:.1f} s"


def test_file_interception(run, unique: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    real = tmp_path / "page.html"
    real.write_text("<title>On disk</title>")
    ses = session.from_partition(unique)
    ses.protocol.handle("file", lambda request: _page("From handler"))
    wc = WebContents(ses)
    run(wc.load_url(real.as_uri()))
    assert wc.page.title() == "From handler"
