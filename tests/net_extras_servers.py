"""Servers for the net log, fetch, preconnect and auth-cache tests (no tests here).

``ConnectionServer`` numbers every TCP connection it accepts and records which connection
each request came on, so a test sees a connection opened before any request and the request
that later used it. It also serves a Basic-auth page and pages with preconnect links.
"""

from __future__ import annotations

import base64
import itertools
import socket
import urllib.parse
from dataclasses import dataclass, field

from tests import servers

BASIC_USER, BASIC_PASSWORD = "alice", "s3cret"


class _Handler(servers._Handler):
    server: _Server  # type: ignore[assignment]

    def setup(self) -> None:
        super().setup()
        self.connection_id = self.server.accepted()

    def _reply(self, status: int, body: bytes, extra: dict[str, str] | None = None) -> None:
        self.reply(status, body, "text/html; charset=utf-8", extra)

    def do_GET(self) -> None:
        url = urllib.parse.urlparse(self.path)
        self.server.record_connection(self.connection_id, self.path)
        query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        if url.path == "/basic":
            wanted = "Basic " + base64.b64encode(
                f"{BASIC_USER}:{BASIC_PASSWORD}".encode()).decode()
            if self.headers.get("Authorization") != wanted:
                self._reply(401, b"<title>denied</title>",
                            {"WWW-Authenticate": 'Basic realm="partita-test"'})
                return
            self._reply(200, b"<title>authed</title>")
        elif url.path == "/hints":
            links = "".join(f"<link rel='preconnect' href='{href}'{attr}>"
                            for href, attr in zip(query.get("href", []),
                                                  query.get("attr", []), strict=False))
            self._reply(200, f"<title>hints</title>{links}".encode())
        else:
            self._reply(200, b"<title>Page</title>")


class _Server(servers._Server):
    def __init__(self) -> None:
        super().__init__()
        self.RequestHandlerClass = _Handler
        self._ids = itertools.count(1)
        self.connections = 0
        self.by_connection: list[tuple[int, str]] = []

    def accepted(self) -> int:
        with self._lock:
            self.connections += 1
            return next(self._ids)

    def record_connection(self, connection: int, path: str) -> None:
        with self._lock:
            self.by_connection.append((connection, path))


@dataclass
class ConnectionServer(servers.HttpServer):
    _server: _Server = field(default_factory=_Server)

    @property
    def connections(self) -> int:
        with self._server._lock:
            return self._server.connections

    def by_connection(self) -> list[tuple[int, str]]:
        """(connection number, path) of every request, in order."""
        with self._server._lock:
            return list(self._server.by_connection)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
