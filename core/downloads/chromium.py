"""The ``Backend`` for downloads Chromium keeps (blob:, data:, POST): one
``QWebEngineDownloadRequest``, its states mapped in one table.

Chromium can pause and resume such a download only while Partita runs
(research/qtwebengine_network.md #12); a restored one cannot resume.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

from PyQt6.QtWebEngineCore import QWebEngineDownloadRequest

from core.downloads import names
from core.downloads.record import DownloadRecord, State
from core.errors import NotSupportedError

if TYPE_CHECKING:
    from collections.abc import Callable

    from core.downloads.item import DownloadItem

_S = QWebEngineDownloadRequest.DownloadState
_STATES: dict[_S, State] = {
    _S.DownloadRequested: "progressing",
    _S.DownloadInProgress: "progressing",
    _S.DownloadCompleted: "completed",
    _S.DownloadCancelled: "cancelled",
    _S.DownloadInterrupted: "interrupted",
}


def record_for(request: QWebEngineDownloadRequest) -> DownloadRecord:
    """What Chromium already knows when it asks where to save."""
    record = DownloadRecord(url_chain=[request.url().toString()], backend="chromium")
    record.mime_type = request.mimeType()
    record.total = max(0, request.totalBytes())
    record.suggested_name = names.sanitise(
        request.suggestedFileName() or request.downloadFileName())
    return record


class ChromiumDownload:
    """Chromium transfers; we mirror its progress into the record."""

    def __init__(self, item: DownloadItem, record: DownloadRecord,
                 request: QWebEngineDownloadRequest | None, save: Callable[[DownloadRecord], None]):
        self.item = item
        self.record = record
        self._request = request
        self._save = save
        self._bps = 0
        self._last = (time.monotonic(), record.received)

    def start(self) -> None:
        request = self._request
        if request is None:
            return
        folder, name = os.path.split(self.record.save_path)
        request.setDownloadDirectory(folder)
        request.setDownloadFileName(name)
        for signal, slot in self._slots(request):
            signal.connect(slot)
        self._save(self.record)
        request.accept()

    def _slots(self, request: QWebEngineDownloadRequest) -> list[tuple[Any, Any]]:
        return [(request.receivedBytesChanged, self._progress),
                (request.totalBytesChanged, self._progress),
                (request.isPausedChanged, self._paused), (request.stateChanged, self._state)]

    def discard(self) -> None:
        request, self._request = self._request, None
        if request is None:  # restored from an earlier run: Chromium has nothing of it
            return
        for signal, slot in self._slots(request):
            signal.disconnect(slot)
        if self.record.state == "interrupted":
            request.cancel()  # Chromium then deletes the partial file, as its Remove() does

    def _progress(self) -> None:
        request, record = self._request, self.record
        assert request is not None
        record.segments[0].done = max(0, request.receivedBytes())
        record.total = max(0, request.totalBytes())
        now = time.monotonic()
        stamp, before = self._last
        if now - stamp >= 0.25:
            self._bps = int((record.received - before) / (now - stamp))
            self._last = (now, record.received)
        if record.state == "progressing":
            self.item._updated()

    def _paused(self, paused: bool) -> None:
        self.record.paused = paused
        self.item._updated()

    def _state(self, state: _S) -> None:
        request, record = self._request, self.record
        assert request is not None
        if state not in _STATES:
            raise ValueError(f"unknown Chromium download state {state!r}")
        record.state = _STATES[state]
        record.segments[0].done = max(0, request.receivedBytes())
        if state == _S.DownloadInterrupted:
            record.reason = request.interruptReasonString()
        if record.state in ("completed", "cancelled"):
            record.end_time = time.time()
            record.total = record.total or record.received
        self._save(record)
        if record.state == "interrupted":
            self.item._updated()
        if record.state != "progressing":
            self.item._done()

    def pause(self) -> None:
        if self._request is not None and self.record.state == "progressing":
            self._request.pause()

    def resume(self) -> None:
        if self._request is not None and self.can_resume():
            self._request.resume()

    def cancel(self) -> None:
        if self._request is not None and not self.record.finished:
            self._request.cancel()

    def can_resume(self) -> bool:
        if self._request is None:  # restored from an earlier run: Chromium forgot it
            return False
        record = self.record
        return record.state == "interrupted" or (record.state == "progressing" and record.paused)

    def bytes_per_second(self) -> int:
        return self._bps if self.record.state == "progressing" and not self.record.paused else 0

    def set_speed_limit(self, bytes_per_second: int | None) -> None:
        raise NotSupportedError(
            "this download is transferred by Chromium (blob:, data: or POST), whose "
            "downloader has no speed limit")
