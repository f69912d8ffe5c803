"""Real HTTP servers on 127.0.0.1 for the tests, each in its own thread.

Every request is recorded (method, path, headers), so a test can assert what went over the wire.
"""

from __future__ import annotations

import base64
import contextlib
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


# ----------------------------------------------------------------- webRequest / protocol routes
def _route_redirect(handler: _Handler, url: urllib.parse.ParseResult) -> None:
    target = urllib.parse.parse_qs(url.query).get("to", ["/page"])[0]
    handler.reply(302, b"", "text/plain", extra={"Location": target})


_ASSETS = {
    "/asset.css": (b"body { color: rgb(1, 2, 3); }", "text/css"),
    "/asset.js": (b"window.__assetScript = true;", "application/javascript"),
    # A 1x1 transparent GIF.
    "/asset.gif": (base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"),
                   "image/gif"),
}


def _route_asset(handler: _Handler, url: urllib.parse.ParseResult) -> None:
    body, content_type = _ASSETS[url.path]
    handler.reply(200, body, content_type)


def _route_resources(handler: _Handler, url: urllib.parse.ParseResult) -> None:
    # One page with a stylesheet, a script and an image, for per-resource-type checks.
    _page(handler, "Resources",
          "<link rel='stylesheet' href='/asset.css'><script src='/asset.js'></script>"
          "<img src='/asset.gif'>")


ROUTES.update({"/redirect": _route_redirect, "/resources": _route_resources})
ROUTES.update(dict.fromkeys(_ASSETS, _route_asset))


# ----------------------------------------------------------------- GUI routes
_SLOW_SECONDS = 10  # bounded: the handler thread ends by itself even if nobody stops the load


def _route_slow(handler: _Handler, url: urllib.parse.ParseResult) -> None:
    # Headers and the start of a page, then nothing: the load stays in progress until stopped.
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    handler.wfile.write(b"<title>slow</title>")
    handler.wfile.flush()
    # Returns when the browser drops the connection (a stopped load), or after the bound.
    handler.connection.settimeout(_SLOW_SECONDS)
    with contextlib.suppress(OSError):
        handler.rfile.read(1)
    handler.close_connection = True


def _route_blank_link(handler: _Handler, url: urllib.parse.ParseResult) -> None:
    # One big link, so a real mouse click anywhere near the top left follows it.
    _page(handler, "Links", "<a id='out' href='/page?title=Opened' target='_blank' "
          "style='display:block;height:400px'>open in a new window</a>")


ROUTES.update({"/slow": _route_slow, "/blank-link": _route_blank_link})


# ----------------------------------------------------------------- HTTP authentication
def _route_basic_auth(handler: _Handler, url: urllib.parse.ParseResult) -> None:
    # /basic-auth?user=U&password=P: the page for that Basic login, else a 401 for realm "pages".
    query = urllib.parse.parse_qs(url.query)
    pair = f"{query.get('user', [''])[0]}:{query.get('password', [''])[0]}"
    if handler.headers.get("Authorization") == "Basic " + base64.b64encode(pair.encode()).decode():
        _page(handler, "Logged in")
        return
    handler.reply(401, b"<title>Login needed</title>", "text/html",
                  extra={"WWW-Authenticate": 'Basic realm="pages"'})


ROUTES["/basic-auth"] = _route_basic_auth


# ----------------------------------------------------------------- service worker routes
# Logs at start-up (before anyone can attach to it) and for each message a page posts.
_WORKER = b"""console.log('sw top', 42, {a: 1}, [1, 2], null, true);
console.warn('sw warned');
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('message', (event) => {
  console.debug('sw got', event.data);
  if (event.data === 'throw') throw new Error('boom');
});
"""


def _route_worker(handler: _Handler, url: urllib.parse.ParseResult) -> None:
    handler.reply(200, _WORKER, "text/javascript")


ROUTES.update({"/sw.js": _route_worker})


def _route_cacheable_script(handler: _Handler, url: urllib.parse.ParseResult) -> None:
    # Big and cacheable enough for V8 to cache its compiled code, were the cache enabled.
    body = b"".join(b"function f%d(a) { return a * %d + Math.sqrt(a); }\n" % (i, i)
                    for i in range(3000)) + b"window.__scriptRan = true;"
    handler.send_response(200)
    handler.send_header("Content-Type", "text/javascript")
    handler.send_header("Content-Length", str(len(body)))
    handler.send_header("Cache-Control", "public, max-age=3600")
    handler.send_header("Last-Modified", "Mon, 01 Jan 2024 00:00:00 GMT")
    handler.end_headers()
    handler.wfile.write(body)


ROUTES["/cacheable.js"] = _route_cacheable_script


def _route_bytes(handler: _Handler, url: urllib.parse.ParseResult) -> None:
    # ``n`` bytes of a known pattern (network emulation's throughput checks).
    count = int(urllib.parse.parse_qs(url.query).get("n", ["0"])[0])
    handler.reply(200, (bytes(range(256)) * (count // 256 + 1))[:count],
                  "application/octet-stream", extra={"Access-Control-Allow-Origin": "*"})


ROUTES["/bytes"] = _route_bytes
