"""When each cookie of a partition was created, as far as this window has watched it.

Chromium stores a creation time with every cookie (``creation_utc``) and its "Clear browsing
data" deletes cookies created within the chosen range; but neither the DevTools protocol's
``Network.Cookie`` nor ``QNetworkCookie`` carries it, so ``core``'s ``Cookie`` cannot either.
What the window can know for certain is what it saw: every cookie inserted since it began
watching a session's ``changed`` event. A range is honoured only when that is enough, that is
when the range starts after watching began, or when every cookie in the jar was seen being
created; otherwise the dialog says so instead of guessing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PyQt6 import sip
from PyQt6.QtCore import QObject

from core.events import EventEmitter
from core.net.cookie_model import Key
from core.net.cookies import Cookie
from core.session import Session

# Chromium keeps the creation time of a cookie overwritten with the same value
# (CookieMonster's creation_date_to_inherit), so these insertions are no new creation.
_SAME_VALUE_OVERWRITES = frozenset({"inserted-no-value-change-overwrite",
                                    "inserted-no-change-overwrite"})


def follow(owner: QObject, emitter: EventEmitter, name: str,
           listener: Callable[..., Any]) -> Callable[..., None]:
    """Call ``listener`` on ``emitter``'s ``name`` events while ``owner`` lives; returns what
    to pass to ``emitter.off``. Sessions outlive widgets, so the first event after ``owner``
    is gone unhooks it (Node's emitters allow that during an emit). Unhooking from Qt's
    ``destroyed`` instead would run Python while the widget tree is being torn down."""

    def forward(*args: Any) -> None:
        if sip.isdeleted(owner):
            emitter.off(name, forward)
        else:
            listener(*args)

    emitter.on(name, forward)
    return forward


class RangeUnknowable(Exception):
    """The cookies created within a time range cannot be told apart; the message says why."""


class CookieClock(QObject):
    def __init__(self, session: Session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.watching_since = time.time()
        self._born: dict[Key, float] = {}
        follow(self, session.cookies, "changed", self._changed)

    def _changed(self, _event: object, cookie: Cookie, cause: str, removed: bool) -> None:
        if removed:
            # An overwrite's removal is followed at once by the insertion, which decides.
            if cause != "overwrite":
                self._born.pop(cookie.key, None)
        elif cause not in _SAME_VALUE_OVERWRITES:
            self._born[cookie.key] = time.time()

    def created_since(self, jar: list[Cookie], start: float) -> list[Cookie]:
        """The cookies of ``jar`` created at ``start`` or later; ``RangeUnknowable`` when a
        cookie of unknown age might be among them."""
        if start < self.watching_since:
            unseen = [cookie for cookie in jar if cookie.key not in self._born]
            if unseen:
                since = time.strftime("%H:%M", time.localtime(self.watching_since))
                raise RangeUnknowable(
                    f"{len(unseen)} of its cookies were set before {since}, when Partita "
                    "began watching this partition, and Chromium's cookie listing has no "
                    "creation time: choose a shorter range or All time"
                )
        return [cookie for cookie in jar if self._born.get(cookie.key, -1.0) >= start]
