"""ses.net_log: the router writes a session's requests in Chromium's NetLog JSON format."""

from __future__ import annotations

import base64
import json
import socket
from pathlib import Path
from typing import Any

import pytest

from core import session
from core.errors import NetError
from core.net import router_service
from core.web_contents import WebContents
from tests.net_extras_servers import closed_port
from tests.servers import HttpServer
from tests.waiting import wait_until

# What Chromium's netlog viewer (log_util.js, areValidConstants) requires to open a file.
VIEWER_CONSTANTS = {"logEventTypes": dict, "clientInfo": dict, "logEventPhase": dict,
                    "logSourceType": dict, "loadFlag": dict, "netError": dict,
                    "addressFamily": dict, "timeTickOffset": str, "logFormatVersion": int}


def _named(log: dict[str, Any]) -> list[dict[str, Any]]:
    """The events with their type and source type as names, checked as the viewer checks."""
    constants = log["constants"]
    types = {v: k for k, v in constants["logEventTypes"].items()}
    sources = {v: k for k, v in constants["logSourceType"].items()}
    phases = set(constants["logEventPhase"].values())
    named = []
    for event in log["events"]:
        assert isinstance(event["time"], str) and event["phase"] in phases
        assert isinstance(event["source"]["start_time"], str)
        named.append({**event, "type": types[event["type"]],
                      "source_type": sources[event["source"]["type"]]})
    return named


def _viewer_load(text: str) -> dict[str, Any]:
    """Chromium's viewer: parse, or repair a log cut short (last ",\\n" + "]}")."""
    try:
        return dict(json.loads(text))
    except json.JSONDecodeError:
        return dict(json.loads(text[:text.rindex(",\n")] + "]}"))


def test_a_page_load_is_logged_with_headers_cookies_stripped(run, unique: str, tmp_path: Path,
                                                             http_server: HttpServer) -> None:
    ses = session.from_partition(unique)
    path = tmp_path / "net.json"

    async def scenario() -> None:
        await ses.cookies.set(url=http_server.url("/"), name="secret", value="hunter2")
        await ses.net_log.start_logging(str(path))
        assert ses.net_log.currently_logging
        page = WebContents(ses)
        await page.load_url(http_server.url("/page?logged=1"))
        with pytest.raises(NetError):
            await page.load_url(f"http://127.0.0.1:{closed_port()}/refused")
        await ses.net_log.stop_logging()

    run(scenario())
    assert not ses.net_log.currently_logging
    log = json.loads(path.read_text())
    for key, kind in VIEWER_CONSTANTS.items():
        assert isinstance(log["constants"][key], kind), key
    assert log["constants"]["logFormatVersion"] == 1
    events = _named(log)
    starts = [e for e in events if e["type"] == "URL_REQUEST_START_JOB" and e["phase"] == 1]
    page = next(e for e in starts if e["params"]["url"] == http_server.url("/page?logged=1"))
    assert page["params"]["method"] == "GET" and page["source_type"] == "URL_REQUEST"
    mine = [e for e in events if e["source"]["id"] == page["source"]["id"]]
    kinds = [e["type"] for e in mine]
    for step in ("REQUEST_ALIVE", "PROXY_RESOLUTION_SERVICE_RESOLVED_PROXY_LIST",
                 "SOCKET_POOL_BOUND_TO_SOCKET", "HTTP_TRANSACTION_SEND_REQUEST_HEADERS",
                 "HTTP_TRANSACTION_READ_RESPONSE_HEADERS"):
        assert step in kinds, step
    resolved = next(e for e in mine if e["type"].endswith("RESOLVED_PROXY_LIST"))
    assert resolved["params"]["pac_string"] == "DIRECT"
    sent = next(e for e in mine if e["type"] == "HTTP_TRANSACTION_SEND_REQUEST_HEADERS")
    assert sent["params"]["line"] == "GET /page?logged=1 HTTP/1.1\r\n"
    cookie = [h for h in sent["params"]["headers"] if h.lower().startswith("cookie:")]
    assert cookie == [f"Cookie: [{len('secret=hunter2')} bytes were stripped]"]
    received = next(e for e in mine if e["type"] == "HTTP_TRANSACTION_READ_RESPONSE_HEADERS")
    assert received["params"]["headers"][0] == "HTTP/1.0 200 OK" or \
        received["params"]["headers"][0].endswith("200 OK")
    # The socket's own source: name lookup and TCP connect to the server.
    socket_id = next(e for e in mine if e["type"] == "SOCKET_POOL_BOUND_TO_SOCKET")[
        "params"]["source_dependency"]["id"]
    connect = [e for e in events if e["source"]["id"] == socket_id and e["type"] == "TCP_CONNECT"]
    assert connect[-1]["params"]["remote_address"] == f"127.0.0.1:{http_server.port}"
    refused = next(e for e in starts if e["params"]["url"].endswith("/refused"))
    failed = [e for e in events if e["source"]["id"] == refused["source"]["id"]
              and e["type"] == "FAILED"]
    assert failed and failed[0]["params"]["net_error"] == -102
    assert log["events"][-1]["phase"] in (0, 2)


def test_include_sensitive_keeps_cookies(run, unique: str, tmp_path: Path,
                                         http_server: HttpServer) -> None:
    ses = session.from_partition(unique)
    path = tmp_path / "sensitive.json"

    async def scenario() -> None:
        await ses.cookies.set(url=http_server.url("/"), name="secret", value="hunter2")
        await ses.net_log.start_logging(str(path), capture_mode="includeSensitive")
        await WebContents(ses).load_url(http_server.url("/page?sensitive=1"))
        await ses.net_log.stop_logging()

    run(scenario())
    headers = [h for e in _named(json.loads(path.read_text()))
               if e["type"] == "HTTP_TRANSACTION_SEND_REQUEST_HEADERS"
               for h in e["params"]["headers"]]
    assert "Cookie: secret=hunter2" in headers


def _tunnel_through_router(token: str, port: int) -> bytes:
    """A real CONNECT through the router with the session's credential, then one request."""
    service = router_service.service()
    credential = base64.b64encode(f"{token}:{service.secret}".encode()).decode()
    with socket.create_connection(("127.0.0.1", service.port), timeout=10) as sock:
        sock.sendall(f"CONNECT 127.0.0.1:{port} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                     f"Proxy-Authorization: Basic {credential}\r\n\r\n".encode())
        assert b" 200 " in sock.recv(4096)
        sock.sendall(b"GET /page?tunnel=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


@pytest.mark.parametrize("mode", ["default", "everything"])
def test_a_tunnel_is_logged_with_the_bytes_it_carried(run, unique: str, tmp_path: Path,
                                                      http_server: HttpServer,
                                                      mode: str) -> None:
    ses = session.from_partition(unique)
    path = tmp_path / "tunnel.json"
    run(ses.net_log.start_logging(str(path), capture_mode=mode))
    answer = _tunnel_through_router(ses.network.token, http_server.port)

    def request_ended() -> bool:  # the router ends its side just after the client saw EOF
        return any(e["type"] == "REQUEST_ALIVE" and e["phase"] == 2
                   for e in _named(_viewer_load(path.read_text())))

    run(wait_until(request_ended))
    run(ses.net_log.stop_logging())
    assert b"<title>Page</title>" in answer
    events = _named(json.loads(path.read_text()))
    start = next(e for e in events if e["type"] == "URL_REQUEST_START_JOB")
    assert start["params"] == {"url": f"127.0.0.1:{http_server.port}", "method": "CONNECT",
                               "load_flags": 0}
    alive = [e for e in events if e["type"] == "SOCKET_ALIVE" and e["phase"] == 2]
    assert alive[0]["params"]["bytes_received"] == len(answer)
    assert alive[0]["params"]["bytes_sent"] > 0
    chunks = [e for e in events if e["type"] == "SOCKET_BYTES_RECEIVED"]
    if mode == "everything":
        assert b"".join(base64.b64decode(e["params"]["bytes"]) for e in chunks) == answer
    else:
        assert chunks == []


def test_the_file_holds_every_event_before_stop_and_respects_max_file_size(
        run, unique: str, tmp_path: Path, http_server: HttpServer) -> None:
    ses = session.from_partition(unique)
    growing, small = tmp_path / "growing.json", tmp_path / "small.json"

    async def scenario() -> None:
        await ses.net_log.start_logging(str(growing))
        await WebContents(ses).load_url(http_server.url("/page?before-crash=1"))

    run(scenario())
    # As after a crash: no closing brackets yet, yet the viewer's repair reads every event.
    text = growing.read_text()
    assert text.endswith(",\n")
    starts = [e for e in _named(_viewer_load(text))
              if e["type"] == "URL_REQUEST_START_JOB" and e["phase"] == 1]
    assert any(e["params"]["url"].endswith("before-crash=1") for e in starts)
    run(ses.net_log.stop_logging())
    json.loads(growing.read_text())

    head = text.index('"events": [\n') + len('"events": [\n')
    limit = head + 3000  # the constants and a few events; 4 page loads write more than that
    other = session.from_partition(f"{unique}-small")

    async def limited() -> None:
        await other.net_log.start_logging(str(small), max_file_size=limit)
        page = WebContents(other)
        for index in range(4):
            await page.load_url(http_server.url(f"/page?limited={index}"))
        await other.net_log.stop_logging()

    run(limited())
    assert len(small.read_bytes()) <= limit
    kept = _named(json.loads(small.read_text()))
    urls = [e["params"]["url"] for e in kept
            if e["type"] == "URL_REQUEST_START_JOB" and e["phase"] == 1]
    assert http_server.url("/page?limited=0") in urls
    assert http_server.url("/page?limited=3") not in urls


def test_bad_arguments_change_nothing(run, unique: str, tmp_path: Path) -> None:
    net_log = session.from_partition(unique).net_log
    with pytest.raises(ValueError, match=r"relative/net\.json"):
        run(net_log.start_logging("relative/net.json"))
    with pytest.raises(TypeError, match="captureMode"):
        run(net_log.start_logging(str(tmp_path / "a.json"), capture_mode="all"))
    with pytest.raises(TypeError, match="maxFileSize"):
        run(net_log.start_logging(str(tmp_path / "a.json"), max_file_size=-1))
    with pytest.raises(TypeError, match="valid string"):
        run(net_log.start_logging(""))
    with pytest.raises(FileNotFoundError):
        run(net_log.start_logging(str(tmp_path / "missing" / "a.json")))
    assert not net_log.currently_logging
    with pytest.raises(RuntimeError, match="No net log in progress"):
        run(net_log.stop_logging())
    run(net_log.start_logging(str(tmp_path / "b.json")))
    with pytest.raises(TypeError, match="already a net log"):
        run(net_log.start_logging(str(tmp_path / "c.json")))
    run(net_log.stop_logging())
    assert not (tmp_path / "a.json").exists()
