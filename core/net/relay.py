"""Relaying bytes between a client's connection and its upstream: CONNECT tunnels, and plain-http
bodies once the response head is sent.

The fast path moves the bytes with ``splice(2)`` through a pipe, socket to socket, so they never
enter Python: the router thread only wakes up when a socket is ready. bench/router.py measured
0.3-0.4 CPU-s per GiB against 0.75-1.1 for the 256 KiB ``StreamReader`` copy, and the same
throughput as a blocking splice relay in plain threads (on 2 cores both reach 0.3-0.55x of a
direct loopback transfer, nginx as a proxy 0.15-0.26x: the second TCP hop is the cost). Bytes
the streams already hold (read ahead with a head, or by an inspection step before the relay)
are sent first, and the writers are flushed, before the sockets are spliced.

The stream path is kept where splicing cannot work or does not pay: a TLS upstream (an HTTPS
proxy), the session's network emulation (token buckets pace the bytes), a net log that records
them, a small exchange, or no descriptors left for the dups and pipes.

Both paths keep the same semantics: backpressure (a slow reader slows the writer; at most one
pipe, or one chunk, per direction is in flight), EOF passed on as a half-close, and an abort of
either StreamWriter's transport (``close_all_connections``) ends the relay.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import socket
from collections.abc import Callable
from typing import cast

from core.downloads.ratelimit import TokenBucket
from core.net.upstream import Stream, close_quietly

Observer = Callable[[bytes], None]

CHUNK = 256 * 1024
# A pipe this large moves a loopback burst in one splice; F_SETPIPE_SZ may refuse it (a user's
# pipe-user-pages-soft is spent), and the default 64 KiB pipe still works, only slower.
PIPE_SIZE = 1 << 20
# Below this size an exchange is cheaper to copy through the streams than to splice: setting up
# the pipes and the dups costs about 0.3 ms (bench/router.py's time per request).
SPLICE_FROM = 1 << 20
# Consecutive splices a direction may make before it lets other connections run.
_BURST = 16
_WRITE_BUFFER = 1 << 20
_SPLICE_FLAGS = os.SPLICE_F_MOVE | os.SPLICE_F_NONBLOCK


async def relay(client: Stream, upstream: Stream, *, both_ways: bool,
                half_close_timeout: float, upload: TokenBucket | None = None,
                download: TokenBucket | None = None, on_sent: Observer | None = None,
                on_received: Observer | None = None, small: bool = False) -> None:
    """Copy client -> upstream and upstream -> client until the exchange ends.

    ``both_ways``: a tunnel, which ends when both directions ended (the second gets
    ``half_close_timeout`` after the first); otherwise the upstream's EOF ends it (a plain-http
    response with ``Connection: close``). ``upload`` / ``download`` pace each direction;
    ``on_sent`` / ``on_received`` see each direction's bytes (both take the stream path), as
    does a ``small`` exchange (known to carry less than ``SPLICE_FROM`` bytes). The caller
    closes the client's connection; the upstream one is closed here.
    """
    try:
        spliced = None
        if not small and all(extra is None for extra in (upload, download, on_sent,
                                                         on_received)):
            spliced = await _take_over(client, upstream)
        if spliced is None:
            await _stream_relay(client, upstream, both_ways, half_close_timeout,
                                (upload, on_sent), (download, on_received))
        else:
            try:
                await _splice_relay(client, upstream, spliced, both_ways, half_close_timeout)
            finally:
                spliced.close()
    except OSError:
        pass  # a reset or an abort on either side just ends the relay
    finally:
        close_quietly(upstream[1])


def _transport(writer: asyncio.StreamWriter) -> asyncio.Transport:
    # A stream's transport reads too; typeshed types StreamWriter.transport as write-only.
    return cast(asyncio.Transport, writer.transport)


def _spliceable(writer: asyncio.StreamWriter) -> bool:
    return (writer.get_extra_info("sslcontext") is None
            and writer.get_extra_info("socket") is not None
            and not writer.transport.is_closing())


class _Spliced:
    """The descriptors of a spliced relay: dups of both sockets (the transports still own and
    close the originals) and one pipe per direction."""

    def __init__(self, client: asyncio.StreamWriter, upstream: asyncio.StreamWriter) -> None:
        self._sockets: list[socket.socket] = []
        self._pipe_fds: list[int] = []
        try:
            self.near = self._dup(client)
            self.far = self._dup(upstream)
            self.up = self._pipe()
            self.down = self._pipe()
        except OSError:
            self.close()
            raise

    def _dup(self, writer: asyncio.StreamWriter) -> socket.socket:
        sock = writer.get_extra_info("socket")
        self._sockets.append(socket.fromfd(sock.fileno(), sock.family, sock.type))
        return self._sockets[-1]

    def _pipe(self) -> tuple[int, int, int]:
        """(read end, write end, capacity in bytes)."""
        read_end, write_end = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self._pipe_fds += [read_end, write_end]
        with contextlib.suppress(OSError):
            fcntl.fcntl(write_end, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
        return read_end, write_end, fcntl.fcntl(write_end, fcntl.F_GETPIPE_SZ)

    def close(self) -> None:
        for sock in self._sockets:
            sock.close()
        for fd in self._pipe_fds:
            os.close(fd)
        self._sockets.clear()
        self._pipe_fds.clear()


async def _take_over(client: Stream, upstream: Stream) -> _Spliced | None:
    """Stop the streams, hand over what they hold, and give the descriptors to splice with;
    None where splicing cannot be used (the streams are then untouched)."""
    if not all(_spliceable(writer) for _, writer in (client, upstream)):
        return None
    try:
        spliced = _Spliced(client[1], upstream[1])
    except OSError:  # out of descriptors: the streams still work
        return None
    for _, writer in (client, upstream):
        _transport(writer).pause_reading()
    # What each reader holds goes to the other side first: mark the reader ended (its transport
    # no longer feeds it) and read its buffer; no await in there yields to the loop.
    held = []
    for reader, writer in (client, upstream):
        reader.feed_eof()
        held.append(await reader.read())
        if _transport(writer).is_reading():  # read() resumes a reader it had paused itself
            _transport(writer).pause_reading()
    client[1].write(held[1])
    upstream[1].write(held[0])
    for _, writer in (client, upstream):
        # A zero high mark makes drain() wait until the transport's buffer is empty, so the
        # spliced bytes cannot overtake it.
        writer.transport.set_write_buffer_limits(high=0)
        try:
            await writer.drain()
        except BaseException:
            spliced.close()
            raise
    return spliced


async def _splice_relay(client: Stream, upstream: Stream, spliced: _Spliced, both_ways: bool,
                        half_close_timeout: float) -> None:
    up = asyncio.ensure_future(_splice_one_way(spliced.near, spliced.far, spliced.up))
    down = asyncio.ensure_future(_splice_one_way(spliced.far, spliced.near, spliced.down))
    # An abort of either transport (close_all_connections, the router closing) closes only the
    # original socket; our dups would keep the connection open, so the relay ends with it.
    closed: set[asyncio.Future[None]] = {
        asyncio.ensure_future(writer.wait_closed()) for _, writer in (client, upstream)}
    try:
        await _until_done(up, down, closed, both_ways, half_close_timeout)
    finally:
        # The directions remove their selector entries when cancelled; that must happen before
        # the dups are closed (epoll keeps watching a dup whose twin is still open).
        for task in (up, down, *closed):
            task.cancel()
        await asyncio.gather(up, down, *closed, return_exceptions=True)


async def _until_done(up: asyncio.Future[None], down: asyncio.Future[None],
                      closed: set[asyncio.Future[None]], both_ways: bool,
                      half_close_timeout: float) -> None:
    watched = {up, down} if both_ways else {down}
    done, _ = await asyncio.wait(watched | closed, return_when=asyncio.FIRST_COMPLETED)
    if both_ways and not done & closed and not (up.done() and down.done()):
        rest = {up, down} - done
        await asyncio.wait(rest | closed, timeout=half_close_timeout,
                           return_when=asyncio.FIRST_COMPLETED)


async def _splice_one_way(source: socket.socket, sink: socket.socket,
                          pipe: tuple[int, int, int]) -> None:
    """Move bytes until the source's EOF, which is passed on; a reset just ends the copy."""
    loop = asyncio.get_running_loop()
    pipe_out, pipe_in, capacity = pipe
    pending = 0  # bytes in the pipe
    ended = False
    burst = 0
    with contextlib.suppress(OSError):
        while not ended or pending:
            moved = False
            if not ended and pending < capacity:
                with contextlib.suppress(BlockingIOError):
                    count = os.splice(source.fileno(), pipe_in, capacity - pending,
                                      flags=_SPLICE_FLAGS)
                    ended = count == 0
                    pending += count
                    moved = True
            if pending:
                with contextlib.suppress(BlockingIOError):
                    pending -= os.splice(pipe_out, sink.fileno(), pending,
                                         flags=_SPLICE_FLAGS)
                    moved = True
            if moved and burst < _BURST:
                burst += 1
                continue
            burst = 0
            if moved:
                await asyncio.sleep(0)
            elif pending:
                # The pipe may be full before ``capacity`` bytes (a TCP segment takes a
                # whole pipe slot), so with bytes pending only the sink is waited for.
                await _ready(loop, sink, writable=True)
            else:
                await _ready(loop, source, writable=False)
        sink.shutdown(socket.SHUT_WR)


async def _ready(loop: asyncio.AbstractEventLoop, sock: socket.socket, *, writable: bool) -> None:
    waiter = loop.create_future()

    def wake() -> None:
        if not waiter.done():
            waiter.set_result(None)

    fd = sock.fileno()
    if writable:
        loop.add_writer(fd, wake)
    else:
        loop.add_reader(fd, wake)
    try:
        await waiter
    finally:
        if writable:
            loop.remove_writer(fd)
        else:
            loop.remove_reader(fd)


async def _stream_relay(client: Stream, upstream: Stream, both_ways: bool,
                        half_close_timeout: float,
                        upload: tuple[TokenBucket | None, Observer | None],
                        download: tuple[TokenBucket | None, Observer | None]) -> None:
    for _, writer in (client, upstream):
        # drain() waits below the low mark; with the default 64 KiB high mark every 256 KiB
        # write would stall the copy.
        writer.transport.set_write_buffer_limits(high=_WRITE_BUFFER)
    up = asyncio.ensure_future(pump(client[0], upstream[1], *upload))
    down = asyncio.ensure_future(pump(upstream[0], client[1], *download))
    try:
        await _until_done(up, down, set(), both_ways, half_close_timeout)
    finally:
        up.cancel()
        down.cancel()


async def pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
               bucket: TokenBucket | None = None, observe: Observer | None = None) -> None:
    """Copy until EOF, then pass the EOF on; a reset on either side just ends the copy.
    ``bucket`` paces the copy (only what it allows is read, so the sender is slowed too);
    ``observe`` sees every piece."""
    with contextlib.suppress(OSError):
        while True:
            data = await reader.read(CHUNK if bucket is None else await allowance(bucket, CHUNK))
            if not data:
                break
            if bucket is not None:
                bucket.take(len(data))
            if observe is not None:
                observe(data)
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof() and not writer.is_closing():
            writer.write_eof()


async def allowance(bucket: TokenBucket, wanted: int) -> int:
    """How many of ``wanted`` bytes ``bucket`` lets through, once it lets any."""
    while not (allowed := bucket.available(wanted)):
        await asyncio.sleep(bucket.wait_seconds(wanted))
    return allowed
