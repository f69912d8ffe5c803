"""``DownloadItem``: Electron's download object, over one backend.

A backend is our HTTP engine (``core.downloads.engine``) or Chromium's own downloader
(``core.downloads.chromium``); the item reads its fields from the shared record and passes
control calls through, so both look the same to a listener.
"""

from __future__ import annotations

import os
from typing import Protocol

from core.downloads.record import DownloadRecord, State
from core.errors import DESTROYED
from core.events import Event, EventEmitter


class Backend(Protocol):
    def start(self) -> None: ...
    def pause(self) -> None: ...
    def resume(self) -> None: ...
    def cancel(self) -> None: ...
    def can_resume(self) -> bool: ...
    def bytes_per_second(self) -> int: ...
    def set_speed_limit(self, bytes_per_second: int | None) -> None: ...
    def discard(self) -> None:
        """The item was removed (never while in progress): drop partial bytes, go quiet."""


def _check_sha256(value: str | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"expected SHA-256 must be a hex string or None, not {value!r}")
    digest = value.strip().lower()
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError(f"expected SHA-256 must be 64 hex digits, not {value!r}")
    return digest


class DownloadItem(EventEmitter):
    """One download; created by the session's download manager, never directly."""

    def __init__(self, record: DownloadRecord) -> None:
        super().__init__()
        self._record: DownloadRecord | None = record
        self._backend: Backend | None = None

    # ----------------------------------------------------------------- plumbing
    @property
    def _r(self) -> DownloadRecord:
        if self._record is None:
            raise RuntimeError(DESTROYED)
        return self._record

    @property
    def _b(self) -> Backend:
        if self._record is None or self._backend is None:
            raise RuntimeError(DESTROYED)
        return self._backend

    def _attach(self, backend: Backend) -> None:
        self._backend = backend

    def _destroy(self) -> None:
        """After ``will-download`` was prevented: the object is unusable, as in Electron."""
        self._record = None
        self._backend = None

    def is_destroyed(self) -> bool:
        return self._record is None

    def _updated(self) -> None:
        state = self._r.state
        self.emit("updated", Event(), "interrupted" if state == "interrupted" else "progressing")

    def _done(self) -> None:
        self.emit("done", Event(), self._r.state)

    # ----------------------------------------------------------------- control
    def pause(self) -> None:
        self._b.pause()

    def is_paused(self) -> bool:
        return self._r.paused

    def resume(self) -> None:
        self._b.resume()

    def can_resume(self) -> bool:
        return self._b.can_resume()

    def cancel(self) -> None:
        self._b.cancel()

    def set_speed_limit(self, bytes_per_second: int | None) -> None:
        """Partita addition: cap this download (None: no cap)."""
        self._b.set_speed_limit(bytes_per_second)

    def set_expected_sha256(self, digest: str | None) -> None:
        """Partita addition: the finished file must have this SHA-256, else it is interrupted."""
        self._r.expected_sha256 = _check_sha256(digest)

    # ----------------------------------------------------------------- fields
    def get_url(self) -> str:
        return self._r.url

    def get_url_chain(self) -> list[str]:
        return list(self._r.url_chain)

    def get_mime_type(self) -> str:
        return self._r.mime_type

    def has_user_gesture(self) -> bool:
        return self._r.has_user_gesture

    def get_filename(self) -> str:
        record = self._r
        return os.path.basename(record.save_path) if record.save_path else record.suggested_name

    def get_current_bytes_per_second(self) -> int:
        return self._b.bytes_per_second()

    def get_total_bytes(self) -> int:
        return self._r.total

    def get_received_bytes(self) -> int:
        return self._r.received

    def get_percent_complete(self) -> int:
        record = self._r
        if record.total <= 0:
            return 100 if record.state == "completed" else 0
        return min(100, record.received * 100 // record.total)

    def get_content_disposition(self) -> str:
        return self._r.content_disposition

    def get_state(self) -> State:
        return self._r.state

    def get_interrupt_reason(self) -> str:
        """Partita addition: why the download is interrupted ('' otherwise), readable."""
        record = self._r
        return record.reason if record.state == "interrupted" else ""

    def get_last_modified_time(self) -> str:
        return self._r.last_modified

    def get_etag(self) -> str:
        return self._r.etag

    def get_start_time(self) -> float:
        return self._r.start_time

    def get_end_time(self) -> float:
        return self._r.end_time

    def set_save_path(self, path: str) -> None:
        if not isinstance(path, str) or not os.path.isabs(path):
            raise ValueError(f"save path must be an absolute file path, not {path!r}")
        record = self._r
        if record.received and record.save_path and path != record.save_path:
            raise RuntimeError("the save path cannot change once bytes are written")
        record.save_path = path
        record.path_chosen_by_user = True

    def get_save_path(self) -> str:
        return self._r.save_path

    @property
    def save_path(self) -> str:
        return self.get_save_path()

    @save_path.setter
    def save_path(self, path: str) -> None:
        self.set_save_path(path)

    def __repr__(self) -> str:
        if self._record is None:
            return "<DownloadItem destroyed>"
        return f"<DownloadItem {self._record.state} {self._record.url!r}>"
