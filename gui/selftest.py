"""``partita --self-test``: prove that this installation can browse and download.

Offscreen-capable, so CI runs it on the built bundle: it renders the app icon, starts a web
server on 127.0.0.1, loads a page in an in-memory partition, reads the title with JavaScript,
downloads 5 MiB through the session's download manager, checks that a launched program gets
the user's environment, and reports whether Chromium's sandbox is on. One line of output;
exit status 0 on success, 1 on failure or after 60 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.server
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from PyQt6.QtCore import QTimer, QUrl

from core import app, launch
from core import session as sessions
from core.downloads.item import DownloadItem
from core.events import Event
from core.web_contents import WebContents
from gui import resources

TITLE = "Partita self-test"
FILE_SIZE = 5 * 1024 * 1024
TIMEOUT_MS = 60_000
_PAGE = f"<!doctype html><title>{TITLE}</title><p>ok</p>".encode()
_FILE = bytes(range(256)) * (FILE_SIZE // 256)
_ROUTES = {"/": (_PAGE, "text/html"), "/file.bin": (_FILE, "application/octet-stream")}


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body, kind = _ROUTES.get(self.path, (b"not found", "text/plain"))
        self.send_response(200 if self.path in _ROUTES else 404)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        # Chromium drops its own fetch when the download manager takes a file over.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the self-test prints one line."""


async def download(contents: WebContents, url: str, folder: Path) -> Path:
    """Download ``url`` as a click in ``contents`` would; returns the finished file.

    The page hands the download to Chromium, the session's download manager takes it over
    (``will-download``) and its engine fetches it: the whole path a user's download takes.
    """
    finished: asyncio.Future[DownloadItem] = asyncio.get_running_loop().create_future()

    def will_download(event: Event, item: DownloadItem, source: WebContents | None) -> None:
        if source is not contents or finished.done():
            return
        item.set_save_path(str(folder / "self-test.bin"))

        def done(_event: Event, _state: str) -> None:
            if not finished.done():
                finished.set_result(item)

        item.once("done", done)

    session = contents.session
    session.set_download_path(str(folder))
    session.on("will-download", will_download)
    try:
        contents.page.download(QUrl(url), "self-test.bin")
        item = await finished
    finally:
        session.off("will-download", will_download)
    if item.get_state() != "completed":
        raise RuntimeError(
            f"download ended {item.get_state()}: {item.get_interrupt_reason() or 'no reason'}"
        )
    return Path(item.get_save_path())


async def _launched_library_path(folder: Path) -> str:
    """``LD_LIBRARY_PATH`` as a program we launch sees it; never the bundle's folder."""
    out = folder / "launched-env.txt"
    script = 'printf %s "${LD_LIBRARY_PATH-<unset>}" > "$1.part" && mv "$1.part" "$1"'
    launch.start_detached(["/bin/sh", "-c", script, "sh", str(out)])
    deadline = time.monotonic() + 10
    while not out.exists():
        if time.monotonic() > deadline:
            raise RuntimeError("the launched program did not run")
        await asyncio.sleep(0.02)
    value = out.read_text()
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle and bundle in value:
        raise RuntimeError(f"a launched program got the bundle's LD_LIBRARY_PATH: {value}")
    return value


def _sandbox_state() -> str:
    """What Chromium actually did: its zygote processes carry ``--no-sandbox`` when it is off."""
    zygotes = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            argv = Path(entry.path, "cmdline").read_bytes().split(b"\0")
            parent = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()[1]
        except OSError:
            continue
        if int(parent) == os.getpid() and b"--type=zygote" in argv:
            zygotes.append(argv)
    if not zygotes:
        return "unknown (no zygote process found)"
    return "off" if any(b"--no-sandbox" in argv for argv in zygotes) else "on"


async def _check(folder: Path) -> str:
    if resources.icon("partita").pixmap(32, 32).isNull():
        raise RuntimeError("the app icon does not render (no SVG image plugin?)")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, name="self-test-http", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    contents = WebContents(sessions.from_partition("self-test"))  # in memory: nothing on disk
    try:
        await contents.load_url(base + "/")
        title = await contents.execute_javascript("document.title")
        if title != TITLE:
            raise RuntimeError(f"page title is {title!r}, expected {TITLE!r}")
        path = await download(contents, base + "/file.bin", folder)
        size = path.stat().st_size
        if size != FILE_SIZE:
            raise RuntimeError(f"downloaded {size} bytes, expected {FILE_SIZE}")
        library_path = await _launched_library_path(folder)
        return (
            f"title {title!r}, {size} bytes downloaded, sandbox {_sandbox_state()}, "
            f"a launched program's LD_LIBRARY_PATH is {library_path}"
        )
    finally:
        contents.close()
        server.shutdown()
        server.server_close()


def _timed_out() -> None:
    print(f"self-test FAILED: no result after {TIMEOUT_MS // 1000} s", flush=True)
    os._exit(1)  # the event loop may be stuck inside Chromium; do not wait for it


def run_self_test(data_dir: str | None = None) -> int:
    """Run the checks; prints one line and returns the exit status.

    Without ``data_dir`` it uses a throw-away folder, so it never touches the user's data.
    """
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="partita-self-test-") as scratch:
        os.environ[app.DATA_DIR_ENV] = data_dir or str(Path(scratch) / "data")
        application = app.create_application([sys.argv[0] if sys.argv else "partita"])
        watchdog = QTimer(application)
        watchdog.setSingleShot(True)
        watchdog.timeout.connect(_timed_out)
        watchdog.start(TIMEOUT_MS)
        folder = Path(scratch) / "downloads"
        folder.mkdir()
        try:
            summary = app.run(_check(folder))
        except Exception as error:
            print(f"self-test FAILED: {type(error).__name__}: {error}", flush=True)
            return 1
        finally:
            watchdog.stop()
            sessions.shutdown()
    print(f"self-test OK in {time.monotonic() - started:.1f} s: {summary}", flush=True)
    return 0
