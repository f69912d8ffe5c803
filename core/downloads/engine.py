"""Our HTTP(S) GET download engine: one ``HttpDownload`` per item, on the Qt thread.

A byte is written to ``<final name>.part`` at its offset, and only after that write returned
is it counted in the database (every ``progress_interval``): the store never claims a byte the
file lacks. Resumes send ``Range`` with ``If-Range``; any ``200`` to a ranged request means the
resource changed (or has no ranges) and the file restarts from zero: versions never splice.

Durability: a written byte is in the kernel's page cache, which outlives our process, so a
kill -9 or a crash loses nothing the database claims, with no fsync. Only a power cut can drop
page-cache bytes already counted; ``settings.sync`` adds an ``fdatasync`` before every database
update (and on close) for that. It is off by default: it cost a third of the throughput (519
vs 795 MB/s for 1 GiB, bench/downloads.py), and curl, wget, aria2 and Chromium do not fsync.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, Protocol

from PyQt6.QtCore import QTimer
from PyQt6.QtNetwork import QNetworkAccessManager, QNetworkReply

from core import app
from core.downloads import files, http, names
from core.downloads.answers import AnswerHandling
from core.downloads.files import DiskError
from core.downloads.ratelimit import TokenBucket, global_bucket
from core.downloads.record import DownloadRecord, Segment
from core.downloads.settings import DownloadSettings
from core.downloads.stream import Stream, build_request

if TYPE_CHECKING:
    from core.downloads.item import DownloadItem

log = logging.getLogger("partita.downloads")

_MAX_BACKOFF = 30.0
_NoError = QNetworkReply.NetworkError.NoError


class Host(Protocol):
    """What a download needs from its session's manager."""

    nam: QNetworkAccessManager

    @property
    def settings(self) -> DownloadSettings: ...
    def request_headers(self, record: DownloadRecord) -> dict[str, str]: ...
    async def cookie_header(self, url: str) -> str | None: ...
    def keep_cookies(self, reply: QNetworkReply) -> None: ...
    def network_error(self, reply: QNetworkReply) -> str: ...
    def announce(self, item: DownloadItem) -> bool: ...
    def default_path(self, record: DownloadRecord) -> str: ...
    def save(self, record: DownloadRecord) -> None: ...
    def want_slot(self, download: HttpDownload) -> bool: ...
    def release_slot(self, download: HttpDownload) -> None: ...


class HttpDownload(AnswerHandling):
    """The ``Backend`` of an item that our engine transfers."""

    def __init__(self, item: DownloadItem, record: DownloadRecord, host: Host,
                 *, announced: bool) -> None:
        self.item = item
        self.record = record
        self._host = host
        self._announced = announced
        self._streams: list[Stream] = []
        self._headers: dict[str, str] = {}
        self._fd: int | None = None
        self._bucket = TokenBucket()
        self._running = False
        self._run_id = 0  # bumped by pause/cancel/interrupt so late callbacks are dropped
        self._failures = 0
        self._bps = 0
        self._tick_bytes = 0
        self._tick_stamp = time.monotonic()
        self._tasks: set[asyncio.Future[None]] = set()
        self._tick = QTimer()
        self._tick.timeout.connect(self._progress)

    # ----------------------------------------------------------------- Backend
    def start(self) -> None:
        record = self.record
        if record.finished or self._running:
            return
        record.state, record.paused, record.reason = "progressing", False, ""
        if self._host.want_slot(self):
            self.run()

    def pause(self) -> None:
        record = self.record
        if record.state != "progressing" or record.paused:
            return
        record.paused = True
        self._stop()
        self._host.save(record)
        self.item._updated()

    def resume(self) -> None:
        if self.can_resume():
            self.start()
            self.item._updated()  # "progressing" at once, as Electron, not at the first bytes

    def cancel(self) -> None:
        record = self.record
        if record.finished:
            return
        self._stop()
        self._remove_part()
        record.state, record.paused, record.end_time = "cancelled", False, time.time()
        self._host.save(record)
        self.item._done()

    def discard(self) -> None:
        if self.record.state == "interrupted":
            self._remove_part()

    def _remove_part(self) -> None:
        path = self.record.part_path
        if not path:
            return
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        except OSError as error:
            log.warning("cannot remove %s: %s", path, error)

    def can_resume(self) -> bool:
        record = self.record
        return record.state == "interrupted" or (record.state == "progressing" and record.paused)

    def bytes_per_second(self) -> int:
        return self._bps if self._running else 0

    def set_speed_limit(self, bytes_per_second: int | None) -> None:
        self._bucket.set_rate(bytes_per_second)

    def stop_for_shutdown(self) -> None:
        """Partita is closing: record what is written, emit nothing."""
        self._stop()
        self._host.save(self.record)

    # ----------------------------------------------------------------- running
    def run(self) -> None:
        """Called when the queue gives this download a slot."""
        self._running = True
        self._tick_stamp = time.monotonic()
        self._tick.start(int(self._host.settings.progress_interval * 1000))
        self._connect()

    def _connect(self) -> None:
        self._spawn(self._open_streams(self._run_id))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        # The loop keeps only weak references to tasks: hold each until it ends.
        task = asyncio.ensure_future(work, loop=app.loop())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _open_streams(self, run_id: int) -> None:
        record = self.record
        try:
            cookie = await self._host.cookie_header(record.url)
        except Exception as error:  # the page or protocol channel went away: go without
            log.warning("no cookies for %s: %s", record.url, error)
            cookie = None
        if run_id != self._run_id or not self._running:
            return
        self._headers = self._host.request_headers(record)
        if cookie:
            self._headers["Cookie"] = cookie
        validator = http.if_range(record.etag, record.last_modified)
        if record.received and not validator:
            # Nothing proves the server still has the same bytes: start over, never splice.
            self._reset_to_zero(None)
        busy = {id(stream.segment) for stream in self._streams}
        for segment in record.segments:
            if not segment.finished and id(segment) not in busy:
                self._open(segment, validator)
        self._maybe_complete()  # every byte was already here (e.g. stopped while verifying)

    def _open(self, segment: Segment, validator: str) -> None:
        headers = dict(self._headers)
        ranged = not (segment.position == 0 and len(self.record.segments) == 1)
        if ranged:
            headers["Range"] = http.range_header(segment.position, segment.end)
            if validator:
                headers["If-Range"] = validator
        settings = self._host.settings
        request = build_request(self.record.url, headers, settings.segments * settings.max_active)
        stream = Stream(self._host.nam, request, segment, ranged, self, settings.read_buffer)
        self._streams.append(stream)

    def _stop(self) -> None:
        """Drop every connection and the file handle; the bytes on disk stay."""
        self._run_id += 1
        self._running = False
        self._tick.stop()
        self._bps = 0
        for stream in self._streams:
            stream.close()
        self._streams.clear()
        self._close_file()
        self._host.release_slot(self)

    def _close_file(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        if self._host.settings.sync:
            try:
                files.flush(fd, self.record.part_path)
            except DiskError as error:
                log.warning("flush failed: %s", error)
        os.close(fd)

    # ----------------------------------------------------------------- accepting an answer
    def _accept(self, stream: Stream, total: int | None) -> None:
        record = self.record
        self._learn(stream, total)
        if not self._announced:
            self._announced = True
            if not self._host.announce(self.item):
                self._stop()
                return
        if not record.save_path:
            record.save_path = self._host.default_path(record)
        try:
            self._open_file(truncate=record.received == 0)
        except DiskError as error:
            self._interrupt(str(error), final=False)
            return
        self._split(stream)
        self._host.save(record)
        stream.accepted = True
        self._host.keep_cookies(stream.reply)

    def _learn(self, stream: Stream, total: int | None) -> None:
        record = self.record
        record.mime_type = http.mime_type(stream.header("Content-Type")) or record.mime_type
        record.content_disposition = (stream.header("Content-Disposition")
                                      or record.content_disposition)
        record.etag = stream.header("ETag") or record.etag
        record.last_modified = stream.header("Last-Modified") or record.last_modified
        if total is not None:
            record.total = total
        if not record.suggested_name:
            record.suggested_name = names.suggested_name(record.content_disposition, record.url)

    def _split(self, stream: Stream) -> None:
        """Turn a fresh full answer into several ranged requests when that can pay off."""
        settings, record = self._host.settings, self.record
        total = record.total
        validator = http.if_range(record.etag, record.last_modified)
        count = min(settings.segments, total // settings.min_segment_size)
        if (count < 2 or record.received or len(record.segments) != 1 or stream.ranged
                or not validator or stream.header("Accept-Ranges").lower() != "bytes"):
            return
        size = total // count
        bounds = [i * size for i in range(count)] + [total]
        record.segments = [Segment(bounds[i], bounds[i + 1]) for i in range(count)]
        stream.segment = record.segments[0]
        for segment in record.segments[1:]:
            self._open(segment, validator)

    def _open_file(self, *, truncate: bool) -> None:
        path = self.record.part_path
        if self._fd is None:
            self._fd = files.open_part(path, truncate=truncate)
        elif truncate:
            files.truncate(self._fd, 0, path)

    def _reset_to_zero(self, total: int | None) -> None:
        self.record.restart_from_zero(total)
        if self._fd is not None:
            try:
                files.truncate(self._fd, 0, self.record.part_path)
            except DiskError as error:
                self._interrupt(str(error), final=False)

    # ----------------------------------------------------------------- body
    def stream_allowance(self, wanted: int) -> int:
        return min(self._bucket.available(wanted), global_bucket().available(wanted))

    def stream_wait(self, wanted: int) -> float:
        return max(self._bucket.wait_seconds(wanted), global_bucket().wait_seconds(wanted))

    def stream_data(self, stream: Stream, data: bytes) -> bool:
        segment = stream.segment
        assert self._fd is not None
        try:
            written = files.write_at(self._fd, data, segment.position, self.record.part_path)
        except DiskError as error:
            segment.done += error.written
            self._interrupt(str(error), final=False)
            return False
        segment.done += written
        self._bucket.take(written)
        global_bucket().take(written)
        self._tick_bytes += written
        return True

    def stream_finished(self, stream: Stream) -> None:
        if stream not in self._streams:
            return
        segment = stream.segment
        if not stream.accepted:
            self._drop(stream)
            if stream.status() >= 400:
                self.stream_headers(stream)
            else:
                self._transient(self._failure(stream))
            return
        clean_end = stream.network_done and stream.error() == _NoError
        self._drop(stream)
        if segment.end is None and clean_end:
            segment.end = segment.position  # a body of unknown length ended normally
            self.record.total = self.record.total or segment.end
        if segment.finished:
            self._maybe_complete()
        else:
            self._transient(self._failure(stream) if not clean_end else "The transfer ended early")

    def _failure(self, stream: Stream) -> str:
        """Why the connection failed: Chromium's name for it, as a page would report, then
        Qt's words."""
        detail = stream.error_text() or "The connection failed"
        return f"{self._host.network_error(stream.reply)}: {detail}"

    def _drop(self, stream: Stream) -> None:
        stream.close()
        if stream in self._streams:
            self._streams.remove(stream)

    def _transient(self, reason: str) -> None:
        settings = self._host.settings
        if self._failures >= settings.retries:
            self._interrupt(reason, final=False)
            return
        delay = min(settings.retry_delay * 2 ** self._failures, _MAX_BACKOFF)
        self._failures += 1
        log.info("download %s: %s; retry %d in %.1f s", self.record.url, reason,
                 self._failures, delay)
        run_id = self._run_id
        QTimer.singleShot(int(delay * 1000), lambda: self._retry(run_id))

    def _retry(self, run_id: int) -> None:
        if run_id == self._run_id and self._running:
            self._connect()

    # ----------------------------------------------------------------- progress and the end
    def _progress(self) -> None:
        # Slow streams read small amounts only now (stream.py, batched reads): count them.
        run_id = self._run_id
        for stream in list(self._streams):
            stream.tick()
            if run_id != self._run_id or not self._running:  # ended, completed or failed
                return
        now = time.monotonic()
        elapsed = max(now - self._tick_stamp, 1e-6)
        self._bps = int(self._tick_bytes / elapsed)
        self._tick_stamp = now
        if not self._tick_bytes:
            return
        self._tick_bytes = 0
        self._failures = 0  # bytes flowed: the connection works again
        self._commit()
        self.item._updated()

    def _commit(self) -> None:
        """Record the written bytes (flushed first with ``sync``): never ahead of the file."""
        if self._fd is not None and self._host.settings.sync:
            try:
                files.flush(self._fd, self.record.part_path)
            except DiskError as error:
                self._interrupt(str(error), final=False)
                return
        self._host.save(self.record)

    def _maybe_complete(self) -> None:
        if self._streams or not all(s.finished for s in self.record.segments):
            return
        self._tick.stop()
        self._close_file()
        self._running = False
        self._spawn(self._complete(self._run_id))

    async def _complete(self, run_id: int) -> None:
        record = self.record
        expected = record.expected_sha256
        if expected:
            actual = await asyncio.get_running_loop().run_in_executor(
                None, files.sha256_of, record.part_path)
            if run_id != self._run_id:
                return
            if actual != expected:
                record.restart_from_zero(record.total or None)
                self._interrupt(f"SHA-256 mismatch: expected {expected}, got {actual}",
                                final=True)
                return
        try:
            record.save_path = files.finish(record.part_path, record.save_path,
                                            overwrite=record.path_chosen_by_user)
        except DiskError as error:
            self._interrupt(str(error), final=False)
            return
        record.state, record.end_time = "completed", time.time()
        record.total = record.total or record.received
        self._bps = 0
        self._host.release_slot(self)
        self._host.save(record)
        self.item._done()

    def fail(self, reason: str) -> None:
        """End a download that cannot even be tried (an address our engine cannot fetch)."""
        self._interrupt(reason, final=True)

    def _interrupt(self, reason: str, *, final: bool) -> None:
        """Stop with a reason; ``final``: no automatic way forward (``done`` is emitted)."""
        log.info("download %s interrupted: %s", self.record.url, reason)
        self._stop()
        record = self.record
        record.state, record.paused, record.reason = "interrupted", False, reason
        if not self._announced:
            # Failed before any answer (refused, unreachable, a 401): Electron reports such a
            # download too, with will-download and then done.
            self._announced, final = True, True
            record.suggested_name = record.suggested_name or names.suggested_name("", record.url)
            if not self._host.announce(self.item):
                return
        self._host.save(record)
        self.item._updated()
        if final:
            self.item._done()
