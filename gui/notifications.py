"""Desktop notifications when a download finishes or fails, for every session."""

from __future__ import annotations

from collections.abc import Callable

from core import app
from core.downloads.item import DownloadItem
from core.events import Event
from core.session import Session

Notify = Callable[[str, str], None]
_TITLES = {"completed": "Download finished", "interrupted": "Download failed"}


def _item_done(notify: Notify, item: DownloadItem, state: str) -> None:
    title = _TITLES.get(state)
    if title is None:  # cancelled by the user: nothing to tell
        return
    message = item.get_filename()
    reason = item.get_interrupt_reason() if state == "interrupted" else None
    notify(title, f"{message}: {reason}" if reason else message)


def _watch_item(notify: Notify, item: DownloadItem) -> None:
    item.on("done", lambda _event, state: _item_done(notify, item, state))


def _watch_session(notify: Notify, session: Session) -> None:
    for item in session.get_downloads():
        if item.get_state() not in ("completed", "cancelled"):
            _watch_item(notify, item)

    def will_download(event: Event, item: DownloadItem, _contents: object) -> None:
        _watch_item(notify, item)

    session.on("will-download", will_download)


def watch(notify: Notify) -> None:
    """Call ``notify(title, text)`` when a download of any session created from now on
    finishes or fails (call it before the window creates sessions)."""
    app.on("session-created", lambda session: _watch_session(notify, session))
