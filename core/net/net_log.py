"""``ses.net_log``: Electron's ``NetLog`` for one session, recorded by the router.

QtWebEngine exposes no NetLog (Chromium's ``--log-net-log`` is process-wide and fixed at start),
but every request of a session passes through the router, so the router logs what it does for
that session: each request (URL, method), its proxy decision, name lookup and TCP connect,
CONNECT tunnels with the bytes they carried, plain-HTTP request and response headers, and
failures with Chromium's net error numbers, in Chromium's NetLog JSON format
(``core.net.net_log_format``, written by ``core.net.net_log_sink``). What happens inside
Chromium before its request reaches the router (cache hits, HTTP/2 sessions, TLS inside a
tunnel) is not in it.
"""

from __future__ import annotations

import asyncio
import os
from typing import TYPE_CHECKING

from core.events import EventEmitter
from core.net.net_log_format import CAPTURE_MODES
from core.net.net_log_sink import NetLogFile

if TYPE_CHECKING:
    from core.net.session_network import SessionNetwork


class NetLog(EventEmitter):
    def __init__(self, network: SessionNetwork) -> None:
        super().__init__()
        self._network = network
        self._file: NetLogFile | None = None
        self._starting = False

    @property
    def currently_logging(self) -> bool:
        return self._file is not None

    async def start_logging(self, path: str, capture_mode: str = "default",
                            max_file_size: int | None = None) -> None:
        """Record this session's network events to ``path`` (replaced if it exists).

        ``capture_mode``: ``default`` (cookies and credentials stripped), ``includeSensitive``
        or ``everything`` (also the bytes relayed); ``max_file_size``: bytes the file may
        reach, after which later events are left out (the file stays valid).
        """
        if not isinstance(path, str) or not path:
            raise TypeError(f"The first parameter must be a valid string, not {path!r}")
        if not os.path.isabs(path):
            raise ValueError(f"the net log path must be absolute, not {path!r}")
        if capture_mode not in CAPTURE_MODES:
            raise TypeError(f"Invalid value for captureMode: {capture_mode!r} "
                            f"(one of {', '.join(CAPTURE_MODES)})")
        if max_file_size is not None and (
                isinstance(max_file_size, bool) or not isinstance(max_file_size, int)
                or max_file_size < 0):
            raise TypeError(f"Invalid value for maxFileSize: {max_file_size!r} "
                            "(a non-negative integer or None)")
        if self._file is not None or self._starting:
            raise TypeError("There is already a net log running")
        self._starting = True
        try:
            log_file = await asyncio.get_running_loop().run_in_executor(
                None, NetLogFile, path, capture_mode, max_file_size)
            try:
                self._network.set_net_log(log_file)
            except BaseException:
                log_file.close()
                raise
            self._file = log_file
        finally:
            self._starting = False

    async def stop_logging(self) -> None:
        """Stop recording; returns once the file is complete on disk."""
        log_file = self._file
        if log_file is None:
            raise RuntimeError("No net log in progress")
        self._file = None
        self._network.set_net_log(None)
        await asyncio.get_running_loop().run_in_executor(None, log_file.close)

    def close(self) -> None:
        """The session is closing: finish the file, as Electron does when the app quits."""
        log_file, self._file = self._file, None
        if log_file is not None:
            log_file.close()
