"""What the engine does with each HTTP answer's status line and headers.

The router's answer in place of a connection it could not make is a failed connection, named
as Chromium names it; redirects extend the URL chain; a 200 to a ranged request (the resource
changed, or the server has no ranges) restarts the file from zero; a 206 must start exactly
where we asked; a 416 means either "you have it all" or "start over"; busy answers are
retried, other errors are final.
"""

from __future__ import annotations

from typing import Protocol

from PyQt6.QtCore import QUrl
from PyQt6.QtNetwork import QNetworkRequest

from core.downloads import http
from core.downloads.record import DownloadRecord
from core.downloads.stream import Stream
from core.net.reply_errors import routed_error


class _Engine(Protocol):
    record: DownloadRecord
    _streams: list[Stream]

    def _accept(self, stream: Stream, total: int | None) -> None: ...
    def _connect(self) -> None: ...
    def _drop(self, stream: Stream) -> None: ...
    def _interrupt(self, reason: str, *, final: bool) -> None: ...
    def _maybe_complete(self) -> None: ...
    def _reset_to_zero(self, total: int | None) -> None: ...
    def _transient(self, reason: str) -> None: ...


class AnswerHandling:
    """Mixed into ``HttpDownload``: the one place that reads an answer's status."""

    def stream_headers(self: _Engine, stream: Stream) -> None:
        status = stream.status()
        routed = routed_error(stream.reply)
        if routed is not None:  # the router could not connect: no server answered
            self._drop(stream)
            self._transient(f"{routed}: reported by the router")
        elif status in http.REDIRECT_STATUS:
            _redirect(self, stream)
        elif status == 416:
            _unsatisfiable(self, stream)
        elif status in http.TRANSIENT_STATUS:
            self._drop(stream)
            self._transient(_answered(stream))
        elif status not in (200, 206):
            self._interrupt(_answered(stream), final=True)
        elif status == 200:
            _full_answer(self, stream)
        else:
            _partial_answer(self, stream)


def _answered(stream: Stream) -> str:
    phrase = stream.reply.attribute(QNetworkRequest.Attribute.HttpReasonPhraseAttribute)
    return f"The server answered {stream.status()} {str(phrase or '').strip()}".strip()


def _redirect(engine: _Engine, stream: Stream) -> None:
    target = stream.reply.url().resolved(QUrl(stream.header("Location"))).toString()
    chain = engine.record.url_chain
    for other in engine._streams:
        other.close()
    engine._streams.clear()
    if len(chain) > http.MAX_REDIRECTS:
        engine._interrupt("Too many redirects", final=True)
        return
    if not target.startswith(("http://", "https://")):
        engine._interrupt(f"Redirected to an unsupported address: {target}", final=True)
        return
    chain.append(target)
    engine._connect()


def _unsatisfiable(engine: _Engine, stream: Stream) -> None:
    length = http.unsatisfied_length(stream.header("Content-Range"))
    segment = stream.segment
    engine._drop(stream)
    if length is not None and segment.end in (None, length) and segment.position == length:
        segment.end = length  # every byte was here already
        engine.record.total = engine.record.total or length
        engine._maybe_complete()
    else:
        engine._reset_to_zero(None)
        engine._connect()


def _full_answer(engine: _Engine, stream: Stream) -> None:
    length = stream.header("Content-Length")
    total = int(length) if length.isdigit() else None
    record = engine.record
    if stream.ranged or record.received:
        # The server ignored the range or the If-Range validator failed: the resource
        # changed. This answer is the whole new body, so it becomes the only stream.
        for other in engine._streams:
            if other is not stream:
                other.close()
        engine._streams = [stream]
        engine._reset_to_zero(total)
        stream.ranged = False
    stream.segment = record.segments[0]
    if total is not None and len(record.segments) == 1:
        stream.segment.end = total
    engine._accept(stream, total)


def _partial_answer(engine: _Engine, stream: Stream) -> None:
    found = http.parse_content_range(stream.header("Content-Range"))
    etag = stream.header("ETag")
    record = engine.record
    if (found is None or found.first != stream.segment.position
            or (record.etag and etag and etag != record.etag)):
        engine._drop(stream)
        engine._reset_to_zero(None)
        engine._connect()
        return
    engine._accept(stream, found.total)
