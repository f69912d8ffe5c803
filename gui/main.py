"""``partita [URL] [--partition NAME] [--data-dir DIR] [--self-test]``: the application."""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from typing import Any

from PyQt6.QtCore import QCoreApplication, QEvent, QObject, QSocketNotifier, QTimer

from core import app, cli, logs, session
from core.single_instance import SingleInstance
from gui import notifications, sessions
from gui.main_window import MainWindow
from gui.resources import apply_theme
from gui.state import StateStore
from gui.tray import Tray

log = logging.getLogger("partita.gui.main")

FIRST_PAINT_ENV = "PARTITA_BENCH_FIRST_PAINT"


class _FirstPaint(QObject):
    """For bench/startup.py: print when any widget first paints, then quit."""

    def eventFilter(self, watched: QObject | None, event: QEvent | None) -> bool:
        if event is not None and event.type() == QEvent.Type.Paint:
            print(f"first-paint {time.time()}", flush=True)
            app.loop().call_soon(app.loop().stop)
            QCoreApplication.instance().removeEventFilter(self)  # type: ignore[union-attr]
        return False


class _AfterFirstPaint(QObject):
    def __init__(self, parent: QObject, then: Callable[[], None]) -> None:
        super().__init__(parent)
        self._then = then

    def eventFilter(self, watched: QObject | None, event: QEvent | None) -> bool:
        if event is not None and event.type() == QEvent.Type.Paint and watched is not None:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._then)
        return False


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
    application = app.create_application(argv[:1])
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
    tray: Tray | None = None
    notifications.watch(lambda title, text: tray.notify(title, text) if tray else None)
    window = MainWindow(store, restore=False)
    _quit_on_signals(window)
    tray = Tray(window)
    guard.message_received.connect(lambda message: _open(window, message))
    if os.environ.get(FIRST_PAINT_ENV):
        application.installEventFilter(_FirstPaint(window))

    def restore() -> None:
        window.restore()
        if options.url or options.partition:
            _open(window, options.handoff())

    # The frame first: partitions (and with the first profile, Chromium) start once the
    # window has painted, so the user sees the window without waiting for them.
    window.installEventFilter(_AfterFirstPaint(window, restore))
    window.show()
    # qasync's run_forever is app.exec() with asyncio told that its loop runs, so the
    # coroutines the widgets start (cache size, clearing) can await. It returns exec()'s
    # exit code (typeshed says None).
    code = int(app.loop().run_forever() or 0)  # type: ignore[func-returns-value]
    window.close()
    guard.close()
    session.shutdown()
    sessions.delete_pending(store)
    return code
