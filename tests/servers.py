"""Real HTTP servers on 127.0.0.1 for the tests, each in its own thread.

Every request is recorded (method, path, headers), so a test can assert what went over the wire.
"""

from __future__ import annotations

import http.server
import json
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]


Route = Callable[["_Handler", urllib.parse.ParseResult], None]


def _page(handler: _Handler, title: str, body: str = "", status: int = 200) -> None:
    html = f"<!doctype html><html><head><title>{title}</title></head><body>{body}</body></html>"
    handler.reply(status, html.encode(), "text/html; charset=utf-8")


def _route_page(handler: _Handler, url: urllib.parse.ParseResult) -> None:
    query = urllib.parse.parse_qs(url.query)
    _page(handler, query.get("title", ["Page"])[0], query.get("body", [""])[0])


def _route_echo(handler: _Handler, url: urllib.parse.ParseResult) -> None:
    body = json.dumps({k.lower(): v for k, v in handler.headers.items()}).encode()
    handler.reply(200, body, "application/json")


def _route_status(handler: _Handler, url: urllib.parse.ParseResult) -> None:
    code = int(url.path.rsplit("/", 1)[1])
    _page(handler, f"Status {code}", status=code)


def _route_set_cookie(handler: _Handler, url: urllib.parse.ParseResult) -> None:
    query = urllib.parse.parse_qs(url.query)
    cookie = query.get("c", ["srv=1"])[0]
    handler.reply(200, b"<title>cookie</title>", "text/html",
                  extra={"Set-Cookie": cookie + "; Path=/; Max-Age=86400"})


def _route_order(handler: _Handler, url: urllib.parse.ParseResult) -> None:
    # The page's first script records whether a preload ran before it.
    script = "window.__pageSawPreload = (typeof window.__preloadMark !== 'undefined');"
    _page(handler, "Order", f"<script>{script}</script><iframe src='/page?title=inner'></iframe>")


def _route_cacheable(handler: _Handler, url: urllib.parse.ParseResult) -> None:
    body = b"<title>cacheable</title>" + b"x" * 200_000
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", str(len(body)))
    handler.send_header("Cache-Control", "public, max-age=3600")
    handler.end_headers()
    handler.wfile.write(body)


ROUTES: dict[str, Route] = {
    "/cacheable": _route_cacheable,
    "/page": _route_page,
    "/echo": _route_echo,
    "/set-cookie": _route_set_cookie,
    "/order": _route_order,
}


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def reply(self, status: int, body: bytes, content_type: str,
              extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        url = urllib.parse.urlparse(self.path)
        self.server.record(Seen("GET", self.path, {k.lower(): v for k, v in self.headers.items()}))
        if url.path.startswith("/status/"):
            _route_status(self, url)
            return
        route = ROUTES.get(url.path)
        if route is None:
            _page(self, "Not found", status=404)
        else:
            route(self, url)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self._lock = threading.Lock()
        self.seen: list[Seen] = []

    def record(self, seen: Seen) -> None:
        with self._lock:
            self.seen.append(seen)


@dataclass
class HttpServer:
    """A running server: ``url(path)`` builds addresses, ``requests(path)`` lists what came."""

    _server: _Server = field(default_factory=_Server)

    def __post_init__(self) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def requests(self, path_prefix: str = "/") -> list[Seen]:
        with self._server._lock:
            return [seen for seen in self._server.seen if seen.path.startswith(path_prefix)]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
