"""A real HTTP server for the download tests: files with ranges and validators, and the ways
servers misbehave (no ranges, a changed file, redirects, auth, drops, slow links, hostile names).

Every file's bytes are a function of its name and version, so a test can compute the expected
SHA-256; ``bump(name)`` publishes a new version (new bytes, new ETag, new Last-Modified).
"""

from __future__ import annotations

import email.utils
import hashlib
import http.server
import random
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import pytest

from core import session
from core.downloads.manager import DownloadManager
from core.session import Session
from tests.servers import Seen

_EPOCH = 1_700_000_000


@lru_cache(maxsize=32)
def content(name: str, version: int, size: int) -> bytes:
    return random.Random(f"{name}:{version}").randbytes(size)


def sha256(name: str, version: int, size: int) -> str:
    return hashlib.sha256(content(name, version, size)).hexdigest()


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        return

    def _simple(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None,
                content_type: str = "text/plain") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.server.record(Seen("POST", self.path, {k.lower(): v for k, v in self.headers.items()}))
        self._simple(200, b"posted body", {"Content-Disposition": 'attachment; filename="p.txt"'})

    def do_GET(self) -> None:
        url = urllib.parse.urlparse(self.path)
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query).items()}
        self.server.record(Seen("GET", self.path, {k.lower(): v for k, v in self.headers.items()}))
        parts = url.path.strip("/").split("/")
        kind, name = parts[0], parts[-1]
        if kind == "redirect":
            hops = int(parts[1])
            target = query["to"] if hops <= 1 else f"/redirect/{hops - 1}?to={query['to']}"
            self._simple(302, headers={"Location": target})
        elif kind == "auth" and self.headers.get("Authorization") != "Bearer good":
            self._simple(401, b"no", {"WWW-Authenticate": 'Bearer realm="files"'})
        elif kind == "flaky" and self.server.count(url.path) <= int(query.get("fails", "1")):
            self._simple(503, b"busy")
        elif kind == "page":
            body = (f"<title>{name}</title>"
                    "<form method=post action='/post'><button>go</button></form>")
            cookies = ["httponly=secret; Path=/; HttpOnly", "plain=visible; Path=/"]
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            for cookie in cookies:
                self.send_header("Set-Cookie", cookie)
            self.end_headers()
            self.wfile.write(body.encode())
        elif kind in ("files", "auth", "flaky"):
            self._file(name, query)
        else:
            self._simple(404, b"not found")

    def _file(self, name: str, query: dict[str, str]) -> None:
        version = self.server.versions.get(name, 1)
        size = int(query.get("size", "100000"))
        body = content(name, version, size)
        etag = f'"{name}-v{version}"'
        modified = email.utils.formatdate(_EPOCH + version * 1000, usegmt=True)
        ranges = query.get("norange") != "1"
        first, last, status = 0, size - 1, 200
        wanted = self.headers.get("Range", "")
        validator = self.headers.get("If-Range")
        fresh = validator is None or validator in (etag, modified)
        if ranges and wanted.startswith("bytes=") and fresh:
            start, _, end = wanted[6:].partition("-")
            first = int(start)
            last = min(int(end), size - 1) if end else size - 1
            if first >= size:
                self._simple(416, headers={"Content-Range": f"bytes */{size}"})
                return
            status = 206
        self.send_response(status)
        self.send_header("Content-Type", query.get("type", "application/octet-stream"))
        self.send_header("Content-Length", str(last - first + 1))
        if query.get("noetag") != "1":
            self.send_header("ETag", etag)
        self.send_header("Last-Modified", modified)
        if ranges:
            self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
        if "cd" in query:
            self.send_header("Content-Disposition", query["cd"])
        self.end_headers()
        self._send(body[first:last + 1], query)

    def _send(self, data: bytes, query: dict[str, str]) -> None:
        rate = int(query.get("rate", "0"))
        cut = int(query.get("cut", "0"))
        if cut and self.server.count("cut:" + self.path) == 1:
            self.wfile.write(data[:cut])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)  # a dropped connection: a short read
            self.close_connection = True
            return
        chunk = max(1, rate // 20) if rate else 1 << 20
        try:
            for offset in range(0, len(data), chunk):
                self.wfile.write(data[offset:offset + chunk])
                if rate:
                    self.wfile.flush()
                    time.sleep(chunk / rate)  # the link's speed, not synchronisation
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.seen: list[Seen] = []
        self.versions: dict[str, int] = {}
        self.counts: dict[str, int] = {}

    def record(self, seen: Seen) -> None:
        with self.lock:
            self.seen.append(seen)

    def count(self, key: str) -> int:
        with self.lock:
            self.counts[key] = self.counts.get(key, 0) + 1
            return self.counts[key]


class DownloadServer:
    def __init__(self) -> None:
        self._server = _Server()
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def bump(self, name: str) -> None:
        with self._server.lock:
            self._server.versions[name] = self._server.versions.get(name, 1) + 1

    def requests(self, prefix: str = "/") -> list[Seen]:
        with self._server.lock:
            return [seen for seen in self._server.seen if seen.path.startswith(prefix)]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


# ----------------------------------------------------------------- helpers for the tests
async def finished(item: object, timeout: float = 30.0) -> str:
    """Wait for the item's ``done`` event; returns its state."""
    import asyncio

    from core.downloads.item import DownloadItem

    assert isinstance(item, DownloadItem)
    if item.get_state() in ("completed", "cancelled"):
        return item.get_state()
    future: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    def done(_event: object, state: str) -> None:
        if not future.done():
            future.set_result(state)

    item.once("done", done)
    return await asyncio.wait_for(future, timeout)


async def until(predicate: object, timeout: float = 20.0) -> None:
    """Poll ``predicate`` on the Qt loop until it is true (fails after ``timeout``)."""
    import asyncio

    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {predicate}")
        await asyncio.sleep(0.02)


# ----------------------------------------------------------------- fixtures (imported by tests)
@pytest.fixture
def server() -> Iterator[DownloadServer]:
    running = DownloadServer()
    yield running
    running.close()


@pytest.fixture
def ses(qapp, unique: str, tmp_path: Path) -> Session:  # type: ignore[no-untyped-def]
    """An in-memory session downloading into ``tmp_path``, retrying quickly."""
    made = session.from_partition(f"dl-{unique}")
    made.set_download_path(str(tmp_path))
    manager(made).configure(retry_delay=0.05)
    return made


def manager(ses: Session) -> DownloadManager:
    return ses._downloads


def digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
