"""Desktop notifications for downloads that finish or fail.

``DownloadNotifier`` follows every session the Downloads panel has shown, not only the bound
one: a download in another partition still says when it is done. It emits
``finished(name, state, reason)`` once per change into "completed" or "interrupted" (a
failure: retries exhausted, an HTTP error, a full disk, a checksum mismatch); a cancel is the
user's own doing and is not announced, nor are downloads restored as interrupted at start-up.
"""

from __future__ import annotations

from PyQt6.QtCore import QObject, pyqtBoundSignal, pyqtSignal

from core.downloads.item import DownloadItem
from core.session import Session
from gui.downloads_hooks import Hooks
from gui.downloads_model import FINAL_STATES, display_name
from gui.tray import Tray

TITLES = {"completed": "Download finished", "interrupted": "Download failed"}


def notification(name: str, state: str, reason: str | None) -> tuple[str, str]:
    """The (title, message) a ``finished`` emission shows on the desktop."""
    return TITLES[state], name if not reason else f"{name}: {reason}"


def connect_tray(finished: pyqtBoundSignal, tray: Tray) -> None:
    """Show each ``finished(name, state, reason)`` as a tray notification."""
    finished.connect(lambda name, state, reason: tray.notify(*notification(name, state, reason)))


class DownloadNotifier(QObject):
    finished = pyqtSignal(str, str, object)
    """(file name, "completed" | "interrupted", the interrupt reason or None)"""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._hooks = Hooks(self)
        # The last event of each followed item: an interrupt is reported by ``updated`` and,
        # when no automatic retry follows, by ``done`` too; it must be announced once.
        self._last: dict[DownloadItem, tuple[str, str]] = {}

    def watch(self, session: Session) -> None:
        """Follow ``session``'s downloads, present and future (once per session)."""
        if session in self._hooks:
            return
        self._hooks.on(session, ("will-download",), lambda _event, item, _contents:
                       self.follow(item))
        for item in session.get_downloads():
            self.follow(item)

    def follow(self, item: DownloadItem) -> None:
        if item in self._last or item.is_destroyed() or item.get_state() in FINAL_STATES:
            return
        self._last[item] = ("", item.get_state())
        self._hooks.on(item, ("updated",), lambda _event, state: self._event(item, "updated",
                                                                              state))
        self._hooks.on(item, ("done",), lambda _event, state: self._event(item, "done", state))

    def _event(self, item: DownloadItem, name: str, state: str) -> None:
        previous = self._last.get(item)
        self._last[item] = (name, state)
        repeated = name == "done" and previous == ("updated", "interrupted")
        if state in TITLES and not repeated and not item.is_destroyed():
            self.finished.emit(display_name(item), state, item.get_interrupt_reason() or None)
        if state in FINAL_STATES:
            self._hooks.drop(item)
            del self._last[item]
