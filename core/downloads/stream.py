"""One HTTP response of a download: a ``QNetworkReply`` feeding one segment of the file.

Reads are bounded (Qt holds at most ``read_buffer`` bytes per reply, research/perf_baseline.md:
an unbounded buffer grew RSS to 1 GiB) and metered by the owner's token buckets; when the owner
allows nothing, the stream stops reading, which stops the socket: back-pressure reaches the
server through TCP.

Reads are also batched. Qt signals ``readyRead`` for every chunk its HTTP thread hands over,
a few kB from a slow server: 100 downloads at 40 kB/s woke the Qt thread 2,000 times a second,
and reading each chunk cost more Python than its bytes were worth (bench/downloads_gui.py).
A slow stream reads at once only when ``READ_BATCH`` bytes (or the rest of its segment) wait,
or the reply ended; anything smaller waits for the owner's next progress tick (``tick()``).
A fast one (``EAGER_RATE`` and up since the last tick) reads at every ``readyRead``, as before
batching: there each wake-up already finds Qt's buffer full (1 MiB on average, measured at
1 GB/s from nginx), so batching saves nothing, and Qt's HTTP thread sends more only as bytes
are read.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Protocol

from PyQt6.QtCore import QObject, QTimer, QUrl
from PyQt6.QtNetwork import (
    QHttp1Configuration,
    QNetworkAccessManager,
    QNetworkReply,
    QNetworkRequest,
)

from core.downloads.record import Segment

_Attr = QNetworkRequest.Attribute
_QT_DEFAULT_CONNECTIONS = 6
READ_BATCH = 64 << 10  # bytes that make a readyRead worth reading at once, for a slow stream
EAGER_RATE = 1 << 20  # bytes per second from which a stream reads at every readyRead


class StreamOwner(Protocol):
    def stream_headers(self, stream: Stream) -> None: ...
    def stream_allowance(self, wanted: int) -> int: ...
    def stream_wait(self, wanted: int) -> float: ...
    def stream_data(self, stream: Stream, data: bytes) -> bool: ...
    def stream_finished(self, stream: Stream) -> None: ...


def build_request(url: str, headers: Mapping[str, str], connections: int) -> QNetworkRequest:
    """A GET for the engine; ``connections``: how many Qt may open to one host at once.

    Qt's default is 6 per host, which would queue the 7th and 8th segment of a download
    behind the others. Qt sizes a host's pool when its first connection opens.
    """
    request = QNetworkRequest(QUrl(url))
    pool = QHttp1Configuration()
    pool.setNumberOfConnectionsPerHost(max(connections, _QT_DEFAULT_CONNECTIONS))
    request.setHttp1Configuration(pool)
    # Redirects are followed by the engine, which records the URL chain and computes the
    # cookies for each new URL (Qt would carry our Cookie header to another host).
    request.setAttribute(_Attr.RedirectPolicyAttribute,
                         QNetworkRequest.RedirectPolicy.ManualRedirectPolicy)
    request.setAttribute(_Attr.CacheLoadControlAttribute,
                         QNetworkRequest.CacheLoadControl.AlwaysNetwork)
    # An explicit Accept-Encoding turns off Qt's transparent gunzip, which would make byte
    # counts and ranges refer to different bodies.
    request.setRawHeader(b"Accept-Encoding", b"identity")
    for name, value in headers.items():
        request.setRawHeader(name.encode("latin-1"), value.encode("latin-1"))
    return request


class Stream(QObject):
    """Reads one reply into ``segment``, once the owner has accepted the answer's headers."""

    def __init__(self, nam: QNetworkAccessManager, request: QNetworkRequest,
                 segment: Segment, ranged: bool, owner: StreamOwner, read_buffer: int) -> None:
        super().__init__()
        self.segment = segment
        self.ranged = ranged
        self.accepted = False  # the owner accepted the headers; body bytes may be written
        self._owner = owner
        self._network_done = False
        self._closed = False  # no more callbacks to the owner
        self._released = False  # the reply is aborted and handed back to Qt
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.drain)
        self._batch = min(READ_BATCH, read_buffer // 2)
        self._eager = True  # until a tick shows the stream is slow
        self._read = 0  # bytes read since the last tick
        self._ticked = time.monotonic()
        reply = nam.get(request)
        assert reply is not None
        reply.setReadBufferSize(read_buffer)
        reply.metaDataChanged.connect(self._headers)
        reply.readyRead.connect(self._ready)
        reply.finished.connect(self._finished)
        self.reply = reply

    # ----------------------------------------------------------------- facts of the answer
    def status(self) -> int:
        value = self.reply.attribute(_Attr.HttpStatusCodeAttribute)
        return int(value) if value is not None else 0

    def header(self, name: str) -> str:
        return self.reply.rawHeader(name.encode()).data().decode("latin-1")

    def error(self) -> QNetworkReply.NetworkError:
        return self.reply.error()

    def error_text(self) -> str:
        return self.reply.errorString()

    @property
    def network_done(self) -> bool:
        return self._network_done

    # ----------------------------------------------------------------- reading
    def _headers(self) -> None:
        if not self._closed and self.status():
            self._owner.stream_headers(self)

    def _ready(self) -> None:
        """Qt buffered another chunk: read now if the stream is fast, or a batch (or the
        segment's rest) waits."""
        if not self._eager:
            available = self.reply.bytesAvailable()
            if available < self._batch:
                end = self.segment.end
                if end is None or available < end - self.segment.position:
                    return
        self.drain()

    def tick(self) -> None:
        """The owner's progress tick: read what waits, then choose eager or batched reads."""
        self.drain()
        now = time.monotonic()
        self._eager = self._read >= EAGER_RATE * (now - self._ticked)
        self._read, self._ticked = 0, now

    def drain(self) -> None:
        """Read what Qt holds, as far as the owner's speed limits allow."""
        if self._closed or not self.accepted:
            return
        reply = self.reply
        while not self._closed:
            wanted = reply.bytesAvailable()
            if self.segment.end is not None:
                wanted = min(wanted, self.segment.end - self.segment.position)
            if wanted <= 0:
                break
            allowed = self._owner.stream_allowance(wanted)
            if allowed <= 0:
                self._timer.start(max(1, int(self._owner.stream_wait(wanted) * 1000)))
                return
            data = reply.read(allowed)
            if not data or not self._owner.stream_data(self, data):
                return
            self._read += len(data)
            if self.segment.finished:
                # A full answer serving the first of several segments: the rest comes from
                # the other segments' requests.
                self.close()
                self._owner.stream_finished(self)
                return
        if self._network_done and not self._closed:
            self._closed = True
            self._owner.stream_finished(self)

    def _finished(self) -> None:
        self._network_done = True
        if not self.accepted:
            if not self._closed:
                self._closed = True
                self._owner.stream_finished(self)
            return
        self.drain()

    def close(self) -> None:
        """Stop reading and drop the connection; no further callbacks."""
        self._closed = True
        self._timer.stop()
        if self._released:
            return
        self._released = True
        reply = self.reply
        for signal in (reply.metaDataChanged, reply.readyRead, reply.finished):
            signal.disconnect()
        if not reply.isFinished():
            reply.abort()
        reply.deleteLater()
