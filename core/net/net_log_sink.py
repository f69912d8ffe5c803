"""Where the router's NetLog events go: a file written by a thread of its own.

The router (its own thread) calls ``NetLogFile.request`` for each request of a session that is
logging, and the returned ``RequestTrace`` records the request's steps; the trace of the request
in progress is in a context variable, so the router's helpers find it without passing it
around. Building an event is a dict on the router's thread; serialising and writing happen on
the writer thread, so a slow disk never stalls the router loop.

The file is written as Chromium writes it: the constants and ``"events": [`` first, then one
event per line, each followed by ``,`` and flushed, so a crash leaves every event so far (the
netlog viewer repairs such a file by cutting at the last ``,\\n`` and adding ``]}``);
``close`` replaces the last comma with the closing brackets.
"""

from __future__ import annotations

import contextvars
import itertools
import json
import logging
import queue
import threading
from collections.abc import Awaitable
from typing import Any, BinaryIO, TypeVar

from core.net import net_log_format as fmt
from core.net.proxy_server import ProxyServer, Scheme

log = logging.getLogger("partita.net.netlog")

_T = TypeVar("_T")
_CLOSING = b'],\n"polledData": {}\n}\n'
_STOP = object()

_current: contextvars.ContextVar[RequestTrace | None] = contextvars.ContextVar(
    "partita_net_log_trace", default=None)


def current_trace() -> RequestTrace | None:
    """The trace of the router request this code runs for, if its session is logging."""
    return _current.get()


class NetLogFile:
    """One log being written. ``emit`` may be called from any thread; ``close`` blocks until
    the writer thread has written everything and closed the file."""

    def __init__(self, path: str, capture_mode: str, max_file_size: int | None) -> None:
        self.path = path
        self.capture_mode = capture_mode
        self._max = max_file_size
        self._ids = itertools.count(1)
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._closed = False
        self._lock = threading.Lock()
        self._file: BinaryIO = open(path, "wb")  # noqa: SIM115 - the writer thread owns it
        try:
            head = b'{"constants": ' + json.dumps(fmt.constants()).encode() + b',\n"events": [\n'
            self._file.write(head)
            self._file.flush()
        except OSError:
            self._file.close()
            raise
        self._size = len(head)
        self._events = 0
        self._full = False
        self._thread = threading.Thread(target=self._write_loop, name="partita-netlog",
                                         daemon=True)
        self._thread.start()

    # ----------------------------------------------------------------- any thread
    def new_source(self, kind: str) -> dict[str, Any]:
        return fmt.source(next(self._ids), kind, fmt.ticks())

    def emit(self, src: dict[str, Any], kind: str, phase: int,
             params: dict[str, Any] | None = None) -> None:
        if not self._closed:
            self._queue.put(fmt.event(src, kind, phase, params))

    def request(self, method: str, target: str) -> RequestTrace:
        """Start tracing one router request and make it the current trace."""
        trace = RequestTrace(self, method, target)
        _current.set(trace)
        return trace

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._queue.put(_STOP)
        self._thread.join()

    # ----------------------------------------------------------------- the writer thread
    def _write_loop(self) -> None:
        try:
            while True:
                batch = [self._queue.get()]
                while True:  # whatever else is waiting goes out in the same write
                    try:
                        batch.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                stop = _STOP in batch
                self._write(entry for entry in batch if entry is not _STOP)
                if stop:
                    break
            if self._events:
                self._file.seek(-2, 2)  # the last event's ",\n": JSON allows no trailing comma
                self._file.truncate()
                self._file.write(b"\n")
            self._file.write(_CLOSING)
        except OSError as error:
            log.error("net log %s: %s", self.path, error)
        finally:
            self._file.close()

    def _write(self, entries: Any) -> None:
        chunk = bytearray()
        for entry in entries:
            if self._full:
                return
            line = json.dumps(entry, separators=(",", ":")).encode() + b",\n"
            # Room is kept for the closing brackets, so a finished log never passes the limit.
            if self._max is not None and \
                    self._size + len(chunk) + len(line) + len(_CLOSING) > self._max:
                self._full = True
                log.info("net log %s reached %d bytes: later events are left out",
                         self.path, self._max)
                break
            chunk += line
            self._events += 1
        if chunk:
            self._file.write(chunk)
            self._file.flush()
            self._size += len(chunk)


class Tally:
    """Bytes one direction of a relay carried (and, in ``everything`` mode, the bytes)."""

    def __init__(self, socket: SocketTrace, kind: str) -> None:
        self._socket = socket
        self._kind = kind
        self.total = 0

    def add(self, data: bytes) -> None:
        self.total += len(data)
        if self._socket.log.capture_mode == "everything":
            self._socket.log.emit(self._socket.source, self._kind, fmt.NONE,
                                  fmt.bytes_params(data, "everything"))


class SocketTrace:
    """One upstream connection of the router: a SOCKET source."""

    def __init__(self, log_file: NetLogFile) -> None:
        self.log = log_file
        self.source = log_file.new_source("SOCKET")
        self.sent = Tally(self, "SOCKET_BYTES_SENT")
        self.received = Tally(self, "SOCKET_BYTES_RECEIVED")
        self._open = True
        log_file.emit(self.source, "SOCKET_ALIVE", fmt.BEGIN)

    async def connect(self, server: ProxyServer, host: str, port: int,
                      opening: Awaitable[_T]) -> _T:
        """Await ``opening`` (the connection to ``host:port`` through ``server``), logging
        the name lookup and TCP connect of the host the router dials, or why they failed."""
        dialled = f"{host}:{port}" if server.scheme is Scheme.DIRECT else server.host_port
        emit = self.log.emit
        emit(self.source, "HOST_RESOLVER_MANAGER_REQUEST", fmt.BEGIN, {"host": dialled})
        emit(self.source, "TCP_CONNECT", fmt.BEGIN,
             {"address_list": [dialled], "via": server.to_uri() or "DIRECT",
              "target": f"{host}:{port}" if host else dialled})
        try:
            stream = await opening
        except Exception as error:
            code = str(getattr(error, "net_error", "net::ERR_CONNECTION_FAILED"))
            failed = fmt.net_error_params(code)
            if code == "net::ERR_NAME_NOT_RESOLVED":
                emit(self.source, "HOST_RESOLVER_MANAGER_REQUEST", fmt.END, failed)
            emit(self.source, "TCP_CONNECT", fmt.END, failed)
            self.close(failed)
            raise
        writer = stream[1] if isinstance(stream, tuple) else None
        peer = writer.get_extra_info("peername") if writer is not None else None
        local = writer.get_extra_info("sockname") if writer is not None else None
        address = f"{peer[0]}:{peer[1]}" if peer else dialled
        emit(self.source, "HOST_RESOLVER_MANAGER_REQUEST", fmt.END, {"address_list": [address]})
        emit(self.source, "TCP_CONNECT", fmt.END, {
            "remote_address": address,
            "local_address": f"{local[0]}:{local[1]}" if local else "",
        })
        return stream

    def close(self, params: dict[str, Any] | None = None) -> None:
        if self._open:
            self._open = False
            self.log.emit(self.source, "SOCKET_ALIVE", fmt.END, {
                **(params or {}), "bytes_sent": self.sent.total,
                "bytes_received": self.received.total,
            })


class RequestTrace:
    """One request the router received from a page (a URL_REQUEST source)."""

    def __init__(self, log_file: NetLogFile, method: str, target: str) -> None:
        self.log = log_file
        self.source = log_file.new_source("URL_REQUEST")
        self.socket: SocketTrace | None = None
        self._ended = False
        log_file.emit(self.source, "REQUEST_ALIVE", fmt.BEGIN)
        log_file.emit(self.source, "URL_REQUEST_START_JOB", fmt.BEGIN,
                      {"url": target, "method": method, "load_flags": 0})

    def proxy_resolution(self, pac_string: str | None, net_error: str | None = None) -> None:
        emit = self.log.emit
        emit(self.source, "PROXY_RESOLUTION_SERVICE", fmt.BEGIN)
        if pac_string is not None:
            emit(self.source, "PROXY_RESOLUTION_SERVICE_RESOLVED_PROXY_LIST", fmt.NONE,
                 {"pac_string": pac_string})
        emit(self.source, "PROXY_RESOLUTION_SERVICE", fmt.END,
             fmt.net_error_params(net_error) if net_error else None)

    def fallback(self, server: ProxyServer, net_error: str) -> None:
        self.log.emit(self.source, "PROXY_LIST_FALLBACK", fmt.NONE,
                      {"bad_proxy": server.to_uri() or "DIRECT",
                       **fmt.net_error_params(net_error)})

    def connect(self, server: ProxyServer, host: str, port: int,
                opening: Awaitable[_T]) -> Awaitable[_T]:
        """A new upstream connection for this request (see ``SocketTrace.connect``)."""
        self._bind(SocketTrace(self.log))
        assert self.socket is not None
        return self.socket.connect(server, host, port, opening)

    def reused(self, socket: SocketTrace | None) -> None:
        """The request got a socket ``preconnect`` had opened."""
        self.log.emit(self.source, "SOCKET_POOL_REUSED_AN_EXISTING_SOCKET", fmt.NONE)
        self._bind(socket or SocketTrace(self.log))

    def _bind(self, socket: SocketTrace) -> None:
        if self.socket is not None:
            self.socket.close()
        self.socket = socket
        self.log.emit(self.source, "SOCKET_POOL_BOUND_TO_SOCKET", fmt.NONE,
                      {"source_dependency": {"id": socket.source["id"],
                                             "type": socket.source["type"]}})

    def request_headers(self, line: str, headers: list[tuple[str, str]]) -> None:
        self.log.emit(self.source, "HTTP_TRANSACTION_SEND_REQUEST_HEADERS", fmt.NONE, {
            "line": line + "\r\n",
            "headers": fmt.header_lines(headers, self.log.capture_mode),
        })

    def response_headers(self, status_line: str, headers: list[tuple[str, str]]) -> None:
        self.log.emit(self.source, "HTTP_TRANSACTION_READ_RESPONSE_HEADERS", fmt.NONE, {
            "headers": [status_line, *fmt.header_lines(headers, self.log.capture_mode)],
        })

    def tunnel_established(self) -> None:
        self.log.emit(self.source, "HTTP_TRANSACTION_READ_TUNNEL_RESPONSE_HEADERS", fmt.NONE,
                      {"headers": ["HTTP/1.1 200 Connection established"]})

    def end(self, net_error: str | None = None) -> None:
        if self._ended:
            return
        self._ended = True
        params = fmt.net_error_params(net_error) if net_error else None
        if self.socket is not None:
            self.socket.close()
        if params:
            self.log.emit(self.source, "FAILED", fmt.NONE, params)
        self.log.emit(self.source, "URL_REQUEST_START_JOB", fmt.END, params)
        self.log.emit(self.source, "REQUEST_ALIVE", fmt.END, params)
