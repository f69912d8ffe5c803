#!/usr/bin/env python3
"""Render Partita's main window to a PNG, under Xvfb when there is no display.

    scripts/screenshot.py [PATH]                   (default: screenshots/main-window.png)
    scripts/screenshot.py [PATH] --panel NAME ...  also the window with panel NAME in front,
                                                   as panel-NAME.png next to PATH
    scripts/screenshot.py [PATH] --panel all       every panel so

Uses a throw-away data folder and a local page server, so it touches nothing of the user's.
The pages set a cookie and two downloads (one finished, one failed) are made, so that the
Site data and Downloads panels show rows.
"""

from __future__ import annotations

import argparse
import asyncio
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

ROOT = Path(__file__).resolve().parent.parent
PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>
<link rel="icon" href="/{icon}.png">
<style>body{{font-family:sans-serif;margin:0;color:#1f2328}}
header{{background:{colour};color:white;padding:48px 64px}}h1{{margin:0;font-size:34px}}
main{{padding:32px 64px;line-height:1.6;max-width:760px}}</style></head>
<body><header><h1>{title}</h1><p>Served from 127.0.0.1 for the screenshot.</p></header>
<main><p>Each partition of Partita is an isolated browser profile: its own cookies,
storage, cache and tabs. Persistent partitions keep them across restarts; in-memory
partitions forget everything when the app exits.</p></main></body></html>"""
PAGES = {
    "/welcome": ("Welcome to Partita", "#4f7cff"),
    "/docs": ("Partition docs", "#22a06b"),
    "/scratch": ("Scratch pad", "#8e4ec6"),
}
DOWNLOADS = ("/files/quarterly-report.pdf", "/files/missing-archive.zip")
"""Downloaded in the Work partition: the first is served, the second answers 404."""
REPORT = b"%PDF-1.4 screenshot" * 4096


class _Pages(http.server.BaseHTTPRequestHandler):
    favicons: ClassVar[dict[str, bytes]] = {}  # PNG bytes by path, drawn once Qt is up

    def do_GET(self) -> None:
        if self.path in self.favicons:
            self._reply(200, self.favicons[self.path], "image/png")
            return
        if self.path == DOWNLOADS[0]:
            self._reply(200, REPORT, "application/pdf")
            return
        title, colour = PAGES.get(self.path, ("Not found", "#6b7280"))
        page = PAGE.format(title=title, colour=colour, icon=self.path.strip("/"))
        self._reply(200 if self.path in PAGES else 404, page.encode(), "text/html")

    def _reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if content_type == "text/html":
            self.send_header("Set-Cookie", "theme=light; Max-Age=86400; Path=/")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


def _favicon(colour: str) -> bytes:
    from PyQt6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PyQt6.QtGui import QColor, QImage, QPainter

    image = QImage(32, 32, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colour))
    painter.drawRoundedRect(2, 2, 28, 28, 8, 8)
    painter.setBrush(QColor("white"))
    painter.drawEllipse(10, 10, 12, 12)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def under_xvfb(argv: list[str]) -> int:
    """Run ``argv`` with a fresh Xvfb as its display; Xvfb stops after the program exits."""
    if shutil.which("Xvfb") is None:
        sys.exit("no DISPLAY and no Xvfb: apt-get install xvfb libxcb-cursor0")
    read_fd, write_fd = os.pipe()
    # -displayfd: Xvfb picks a free display number and writes it once it accepts clients.
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,), stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    try:
        with os.fdopen(read_fd) as ready:
            number = ready.readline().strip()
        if not number:
            sys.exit("Xvfb did not start")
        return subprocess.run(argv, env={**os.environ, "DISPLAY": f":{number}"}).returncode
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)


def render(output: Path, panel_ids: list[str]) -> None:
    sys.path.insert(0, str(ROOT))
    from PyQt6.QtWidgets import QApplication

    from core import app, session
    from gui.main_window import MainWindow
    from gui.resources import apply_theme
    from gui.state import Kind, PartitionEntry, StateStore

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    application = app.create_application(["partita-screenshot"])
    apply_theme(application)
    _Pages.favicons = {f"{path}.png": _favicon(colour) for path, (_, colour) in PAGES.items()}
    store = StateStore()
    store.partitions[0].label = "Personal"
    store.partitions += [
        PartitionEntry(Kind.PERSISTENT, "persist:work", "Work", "#22a06b",
                       [f"{base}/docs", f"{base}/welcome"], 1),
        PartitionEntry(Kind.MEMORY, "scratch", "Scratch", "#8e4ec6", [f"{base}/scratch"]),
    ]
    store.selected = (Kind.PERSISTENT, "persist:work")
    window = MainWindow(store)
    if "all" in panel_ids:
        panel_ids = list(window.docks)
    unknown = [name for name in panel_ids if name not in window.docks]
    if unknown:
        sys.exit(f"no panel {unknown[0]!r}; the panels are: {', '.join(window.docks)}, all")
    window.resize(1360, 820)
    window.show()
    for partition in ("scratch", "persist:work"):
        window.select_partition(partition)
    tabs = [tab for browser in window.browsers.values() for tab in browser.all_tabs()]
    work = window.browsers[store.selected].session
    work.set_download_path(str(Path(os.environ["PARTITA_DATA_DIR"]) / "downloads"))
    downloads = [work.download_url(base + path) for path in DOWNLOADS]

    async def settle(busy: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + 30
        while busy():
            if time.monotonic() > deadline:
                sys.exit(f"{what} within 30 s")
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # Chromium and the panels paint a little after the change

    def shot(path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(str(path)):
            sys.exit(f"could not write {path}")
        print(path)

    app.run(settle(lambda: any(
        tab.is_loading or not tab.page.title() or tab.page.icon().isNull() for tab in tabs
    ) or any(item is None or item.get_state() == "progressing" for item in downloads),
        "pages and downloads did not finish"))
    shot(output)

    def to_front(panel_id: str) -> None:
        dock = window.docks[panel_id]
        dock.show()
        dock.raise_()
        # Qt moves a dock behind another tab out of the window's sight: wait until it is back.
        app.run(settle(lambda: dock.visibleRegion().isEmpty(),
                       f"panel {panel_id!r} did not come to the front"))

    for panel_id in panel_ids:
        to_front(panel_id)
        shot(output.with_name(f"panel-{panel_id}.png"))
    window.close()
    session.shutdown()
    server.shutdown()
    QApplication.processEvents()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=str(ROOT / "screenshots" / "main-window.png"))
    parser.add_argument("--panel", action="append", default=[], metavar="NAME",
                        help="also render the window with this panel in front ('all': each)")
    arguments = parser.parse_args()
    output = Path(arguments.path).resolve()
    if not os.environ.get("DISPLAY"):
        # The application must end before its X server does: run it as a child of Xvfb's.
        panel_options = [option for name in arguments.panel for option in ("--panel", name)]
        sys.exit(under_xvfb([sys.executable, __file__, str(output), *panel_options]))
    with tempfile.TemporaryDirectory(prefix="partita-screenshot-") as data:
        os.environ["PARTITA_DATA_DIR"] = data
        os.environ["QT_QPA_PLATFORM"] = "xcb"
        render(output, arguments.panel)


if __name__ == "__main__":
    main()
