"""One running Partita per data folder; a second launch hands its request to the first.

Two mechanisms, each for what it is good at:
- a ``flock`` on a lock file says who owns the data folder. The kernel drops it when the owner
  dies, even by SIGKILL, so a socket file left by a crash is known to be stale, and two
  launches racing each other cannot both win;
- a ``QLocalServer`` carries the messages: one JSON object per line, answered by ``ok``.

The name comes from a hash of the user id and the data folder's real path, so two data folders
are two instances, and one user never reaches another's.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QCoreApplication, QObject, pyqtSignal
from PyQt6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger("partita.single_instance")

_ACK = b"ok\n"
_REFUSED = b"error\n"
_MAX_MESSAGE = 64 * 1024  # a URL and a partition name; anything longer is not ours


_MAX_SOCKET_PATH = 107  # sockaddr_un.sun_path holds 108 bytes with the final NUL


def _runtime_dir(name_length: int) -> Path:
    # XDG_RUNTIME_DIR is private to the user (0700) and emptied at log-out, the right home
    # for a socket; the temp folder is the fallback Qt itself would use, also when the
    # runtime folder's path is too long for a socket address.
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.isdir(runtime) and len(runtime) + 1 + name_length <= _MAX_SOCKET_PATH:
        return Path(runtime)
    return Path(tempfile.gettempdir())


class SingleInstance(QObject):
    """Guard for ``data_dir``: ``claim()`` once, then either serve or ``send()`` and exit."""

    message_received = pyqtSignal(dict)

    def __init__(self, data_dir: str | os.PathLike[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        real = os.path.realpath(os.fspath(data_dir))
        digest = hashlib.sha256(f"{os.getuid()}\0{real}".encode()).hexdigest()[:20]
        name = f"partita-{digest}"
        folder = _runtime_dir(len(name) + len(".sock"))
        self.data_dir = real
        self.socket_path = str(folder / name) + ".sock"
        self.lock_path = str(folder / name) + ".lock"
        self._lock_fd: int | None = None
        self._server: QLocalServer | None = None
        self._buffers: dict[QLocalSocket, bytearray] = {}

    @property
    def is_primary(self) -> bool:
        return self._server is not None

    def claim(self) -> bool:
        """True if this process is the first for the data folder (and now serves it).

        Serving needs the ``QApplication`` (its event loop carries the socket). A second
        launch learns it is second without one, so it can hand over and exit early.
        """
        if self._server is not None:
            return True
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._lock_fd = fd
        if QCoreApplication.instance() is None:
            self.close()
            raise RuntimeError("SingleInstance.claim() needs the application: "
                               "call core.app.create_application() first")
        if os.path.exists(self.socket_path):
            log.info("removing the socket a previous instance left: %s", self.socket_path)
            QLocalServer.removeServer(self.socket_path)
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.socket_path):
            error = server.errorString()
            self.close()
            raise OSError(f"cannot listen on {self.socket_path}: {error}")
        server.newConnection.connect(self._accept)
        self._server = server
        return True

    def send(self, message: dict[str, Any], timeout: float = 5.0) -> bool:
        """Hand ``message`` to the first instance; True once it acknowledged it.

        Blocking, for a second launch before it has an event loop. Connecting is retried until
        ``timeout``, because the first instance may hold the lock but not listen yet.
        """
        if not isinstance(message, dict):
            raise TypeError(f"message must be a dict, not {message!r}")
        line = json.dumps(message).encode() + b"\n"
        if len(line) > _MAX_MESSAGE:
            raise ValueError(f"message is {len(line)} bytes, over the {_MAX_MESSAGE} limit")
        deadline = time.monotonic() + timeout
        socket = QLocalSocket()
        while True:
            socket.connectToServer(self.socket_path)
            if socket.waitForConnected(_ms_left(deadline)):
                break
            if time.monotonic() >= deadline:
                log.warning("no running instance answers on %s", self.socket_path)
                return False
            time.sleep(0.05)  # the owner is starting up; poll until the deadline
        try:
            socket.write(line)
            if not socket.waitForBytesWritten(_ms_left(deadline)):
                return False
            reply = b""
            while not reply.endswith(b"\n"):
                if not socket.waitForReadyRead(_ms_left(deadline)):
                    return False
                reply += bytes(socket.readAll().data())
            return reply == _ACK
        finally:
            socket.abort()

    def close(self) -> None:
        """Stop serving and release the data folder (also done by process exit)."""
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def _accept(self) -> None:
        assert self._server is not None
        while (socket := self._server.nextPendingConnection()) is not None:
            self._buffers[socket] = bytearray()
            socket.readyRead.connect(lambda s=socket: self._read(s))
            socket.disconnected.connect(lambda s=socket: self._forget(s))

    def _read(self, socket: QLocalSocket) -> None:
        buffer = self._buffers.get(socket)
        if buffer is None:
            return
        buffer += bytes(socket.readAll().data())
        if b"\n" not in buffer:
            if len(buffer) > _MAX_MESSAGE:
                self._answer(socket, _REFUSED)
            return
        line = bytes(buffer.split(b"\n", 1)[0])
        try:
            message = json.loads(line)
        except ValueError:
            message = None
        if not isinstance(message, dict):
            log.warning("ignored a malformed message from a second launch: %r", line[:200])
            self._answer(socket, _REFUSED)
            return
        self._answer(socket, _ACK)
        log.info("message from a second launch: %s", message)
        self.message_received.emit(message)

    def _answer(self, socket: QLocalSocket, reply: bytes) -> None:
        self._buffers.pop(socket, None)
        socket.write(reply)
        socket.flush()
        socket.disconnectFromServer()

    def _forget(self, socket: QLocalSocket) -> None:
        self._buffers.pop(socket, None)
        socket.deleteLater()


def _ms_left(deadline: float) -> int:
    return max(1, int((deadline - time.monotonic()) * 1000))
