"""``partita [URL] [--partition NAME] [--data-dir DIR] [--self-test]``: the application."""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import time
from typing import Any

from PyQt6.QtCore import QCoreApplication, QEvent, QEventLoop, QObject, QSocketNotifier, QTimer

from core import app, cli, logs
from core.single_instance import SingleInstance
from gui import sessions
from gui.main_window import MainWindow
from gui.resources import apply_theme
from gui.state import StateStore
from gui.tray import Tray

log = logging.getLogger("partita.gui.main")

FIRST_PAINT_ENV = "PARTITA_BENCH_FIRST_PAINT"
"""Set, the app prints ``first-paint <time>`` when a widget first paints, then exits
(bench/startup.py)."""
# A window that is never exposed (started minimised, on another workspace) never paints.
_FIRST_PAINT_TIMEOUT_MS = 2000


class _FirstPaint(QObject):
    """Ends ``loop`` when any widget first paints (the paint itself completes first)."""

    def __init__(self, loop: QEventLoop, report: bool) -> None:
        super().__init__(loop)
        self._loop = loop
        self._report = report

    def eventFilter(self, watched: QObject | None, event: QEvent | None) -> bool:
        if event is not None and event.type() == QEvent.Type.Paint:
            if self._report:
                print(f"first-paint {time.time()}", flush=True)
            QCoreApplication.instance().removeEventFilter(self)  # type: ignore[union-attr]
            self._loop.quit()
        return False


def _wait_for_first_paint(report: bool) -> None:
    """Run Qt's event loop until the shown window has painted its first frame.

    Input and socket events (clicks, a second launch's URL) wait in Qt's queue: they may
    need sessions, which can exist only once ``main`` goes on.
    """
    application = QCoreApplication.instance()
    assert application is not None  # app.start_qt() created it
    loop = QEventLoop()
    watcher = _FirstPaint(loop, report)
    application.installEventFilter(watcher)
    timeout = QTimer(loop, singleShot=True, interval=_FIRST_PAINT_TIMEOUT_MS)
    timeout.timeout.connect(loop.quit)
    timeout.start()
    loop.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents
              | QEventLoop.ProcessEventsFlag.ExcludeSocketNotifiers)
    application.removeEventFilter(watcher)


def _quit_on_signals(parent: QObject) -> None:
    """SIGTERM / SIGINT (logout, ``kill``, Ctrl+C) end the loop, so sessions close cleanly.

    Python runs signal handlers only between bytecodes, and the Qt loop may not return to
    Python for a long time; the wake-up fd makes Qt's loop notice the signal at once.
    """
    receiver, sender = socket.socketpair()
    receiver.setblocking(False)
    sender.setblocking(False)
    signal.set_wakeup_fd(sender.fileno())
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: None)  # the wake-up fd does the work
    notifier = QSocketNotifier(receiver.fileno(), QSocketNotifier.Type.Read, parent)

    def woken() -> None:
        receiver.recv(64)
        log.info("signal received: closing")
        app.loop().stop()

    notifier.activated.connect(woken)
    # The sockets live as long as the notifier that watches them.
    notifier.setProperty("sockets", (receiver, sender))


def _open(window: MainWindow, message: dict[str, Any]) -> None:
    """A URL handed over by the command line or by a second launch."""
    url, partition = message.get("url"), message.get("partition")
    if url:
        window.open_url(str(url), partition if isinstance(partition, str) else None)
    elif isinstance(partition, str):
        try:
            window.select_partition(partition)
        except KeyError:
            window.open_url("about:blank", partition)
    window.showNormal()
    window.raise_()
    window.activateWindow()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    options = cli.parse_args(argv[1:])
    if options.data_dir is not None:
        os.environ[app.DATA_DIR_ENV] = options.data_dir
    if options.self_test:
        from gui.selftest import run_self_test

        return run_self_test(options.data_dir)
    # The frame first: start_qt() leaves the router and the asyncio loop for later, and the
    # window is built without panels and partitions. The rest loads once the window has
    # painted, so the user sees it without waiting for Chromium or the panels.
    application = app.start_qt(argv[:1])
    guard = SingleInstance(app.data_dir())
    if not guard.claim():
        # Another window serves this data folder: hand it the URL and leave.
        return 0 if guard.send(options.handoff()) else 1
    logs.setup_logging(app.data_dir(), logging.INFO)
    apply_theme(application)
    store = StateStore()
    # Data of partitions removed in an earlier run whose exit did not get to delete it;
    # no session exists yet, so nothing holds those folders open.
    sessions.delete_pending(store)
    window = MainWindow(store, restore=False)
    window.show()
    _wait_for_first_paint(report=bool(os.environ.get(FIRST_PAINT_ENV)))
    if os.environ.get(FIRST_PAINT_ENV):
        guard.close()
        return 0
    return _run(window, guard, store, options.handoff())


def _run(window: MainWindow, guard: SingleInstance, store: StateStore,
         handoff: dict[str, Any]) -> int:
    """After the first frame: the loop, the panels and partitions, then the app until it quits."""
    # Imported here, like everything that creates sessions: not needed for the first frame.
    from core import session
    from gui import downloads_notify
    from gui.panels_downloads import DownloadsPanel

    app.finish_start_up()
    # Until now a signal ended the process at once, which is right: no session existed yet.
    _quit_on_signals(window)
    tray = Tray(window)
    window.restore()
    downloads = window.panel("downloads")
    assert isinstance(downloads, DownloadsPanel)
    downloads_notify.connect_tray(downloads.finished, tray)
    if handoff.get("url") or handoff.get("partition"):
        _open(window, handoff)
    guard.message_received.connect(lambda message: _open(window, message))
    # qasync's run_forever is app.exec() with asyncio told that its loop runs, so the
    # coroutines the widgets start (cache size, clearing) can await. It returns exec()'s
    # exit code (typeshed says None).
    code = int(app.loop().run_forever() or 0)  # type: ignore[func-returns-value]
    window.close()
    guard.close()
    session.shutdown()
    sessions.delete_pending(store)
    return code
