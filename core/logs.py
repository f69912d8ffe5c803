"""Logging for the app: a rotating file in the data folder, warnings on stderr, Qt's messages.

Modules log through named loggers under ``partita`` (``partita.app``, ``partita.qt``, ...).
The handlers sit on the root logger so that warnings from libraries (asyncio, qasync) reach
the file too, while only ``partita.*`` is let through below WARNING.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import threading
from pathlib import Path
from types import TracebackType

from PyQt6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

LOG_FOLDER = "logs"
LOG_FILE = "partita.log"
MAX_BYTES = 1024 * 1024
BACKUPS = 5
_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"

log = logging.getLogger("partita")
qt_log = logging.getLogger("partita.qt")

_QT_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}
# Handlers this module installed, so that a second call replaces them instead of doubling.
_installed: list[logging.Handler] = []


def setup_logging(data_dir: str | Path, level: int | str = logging.INFO) -> Path:
    """Send ``partita.*`` records at ``level`` and up to ``<data_dir>/logs/partita.log``.

    Returns the log file's path. Safe to call again (e.g. with another data folder).
    """
    numeric = logging.getLevelName(level) if isinstance(level, str) else level
    if not isinstance(numeric, int):
        raise ValueError(f"unknown log level {level!r}")
    folder = Path(data_dir) / LOG_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_FILE
    to_file = logging.handlers.RotatingFileHandler(
        path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
    )
    to_file.setFormatter(logging.Formatter(_FORMAT))
    to_stderr = logging.StreamHandler(sys.stderr)
    to_stderr.setLevel(logging.WARNING)
    to_stderr.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for handler in _installed:
        root.removeHandler(handler)
        handler.close()
    _installed[:] = [to_file, to_stderr]
    for handler in _installed:
        root.addHandler(handler)
    root.setLevel(logging.WARNING)
    log.setLevel(numeric)
    qInstallMessageHandler(_qt_message)
    sys.excepthook = _uncaught
    threading.excepthook = _uncaught_in_thread
    log.info("logging to %s", path)
    return path


def _qt_message(kind: QtMsgType, context: QMessageLogContext, message: str | None) -> None:
    category = context.category or "default"
    prefix = "" if category == "default" else f"[{category}] "
    qt_log.log(_QT_LEVELS.get(kind, logging.WARNING), "%s%s", prefix, message or "")


def _uncaught(
    kind: type[BaseException], value: BaseException, traceback: TracebackType | None
) -> None:
    # PyQt6 aborts the process on an exception escaping a slot unless an excepthook is set;
    # logging it keeps the window (and the user's downloads) alive.
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, value, traceback)
        return
    log.critical("uncaught exception", exc_info=(kind, value, traceback))


def _uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None:
        return
    thread = args.thread.name if args.thread is not None else "?"
    log.critical(
        "uncaught exception in thread %s", thread,
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
    )
