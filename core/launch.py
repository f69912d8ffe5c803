"""Starting other programs (``xdg-open``, the file manager) with the user's environment.

Inside the bundle PyInstaller's bootloader exports ``LD_LIBRARY_PATH=<bundle>/_internal``, and
``create_application`` points ``XDG_DATA_HOME`` into our data folder: a program started with
our environment would load the bundle's libraries and look for its data in the wrong place.
``app.user_environment()`` undoes both; everything started from here gets it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence

from PyQt6.QtCore import QProcess, QProcessEnvironment, QUrl

from core import app

log = logging.getLogger("partita.launch")

OPENER = "xdg-open"


def start_detached(argv: Sequence[str]) -> int:
    """Start ``argv`` detached from us, with the user's environment; returns its pid."""
    if not argv or not all(isinstance(arg, str) and arg for arg in argv):
        raise ValueError(f"argv must be non-empty strings, not {argv!r}")
    environment = QProcessEnvironment()
    for key, value in app.user_environment().items():
        environment.insert(key, value)
    process = QProcess()
    process.setProgram(argv[0])
    process.setArguments(list(argv[1:]))
    process.setProcessEnvironment(environment)
    process.setStandardInputFile(QProcess.nullDevice())
    started, pid = process.startDetached()
    if not started:
        raise OSError(f"cannot start {argv[0]!r}: {process.errorString()}")
    log.info("started %s (pid %d)", argv, pid)
    return int(pid)


def open_external(path_or_url: str) -> int:
    """Open a file, a folder or a URL with the desktop's default program; returns its pid.

    A path must be absolute (relative to what? our working directory means nothing to the
    user); it is passed as a ``file://`` URL, so a name starting with ``-`` is never read as
    an option.
    """
    if not isinstance(path_or_url, str) or not path_or_url:
        raise ValueError(f"nothing to open: {path_or_url!r}")
    if os.path.isabs(path_or_url):
        target = QUrl.fromLocalFile(path_or_url)
    else:
        target = QUrl(path_or_url, QUrl.ParsingMode.StrictMode)
        if not target.isValid() or not target.scheme():
            raise ValueError(f"not an absolute path or a URL: {path_or_url!r}")
    return start_detached([OPENER, target.toString(QUrl.ComponentFormattingOption.FullyEncoded)])
