"""The causes of Electron's cookie ``changed`` event, rebuilt from Qt's two cookie signals.

``QWebEngineCookieStore`` says only "added" or "removed" (measured: for Set-Cookie, for
``document.cookie``, for the DevTools protocol and for Python's ``setCookie`` alike). Chromium
notifies in a fixed order, which is enough to recover its ``CookieChangeCause``:

* an overwrite is a removal of the old cookie immediately followed by the insertion of a
  cookie with the same name, domain and path: the old one is ``overwrite``, the new one is
  ``inserted``, ``inserted-no-value-change-overwrite`` (same value, other attributes) or
  ``inserted-no-change-overwrite`` (nothing changed; Qt reports that insertion as a second
  removal of the identical cookie, because it maps every cause but ``INSERTED`` to "removed");
* a removal not followed by that insertion, of a cookie that had not expired yet, is a page
  or server writing it with a past expiry: ``expired-overwrite``;
* a removal of a cookie whose expiry has passed is ``expired``;
* removals right after an insertion that pushed a site over Chromium's limits (180 cookies,
  3300 in all) are ``evicted``;
* removals that this session's own API asked for are ``explicit``.

The one case it cannot tell apart: a page deleting a cookie and setting it again in the
same instant looks exactly like an overwrite. The cookies get their SameSite on the way out
(``core.net.cookie_same_site``).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Iterable

from PyQt6.QtCore import QObject, QTimer
from PyQt6.QtNetwork import QNetworkCookie
from PyQt6.QtWebEngineCore import QWebEngineCookieStore

from core.net.cookie_model import Cookie, Key
from core.net.cookie_same_site import Listing, SameSiteQueue
from core.net.domains import site_key

# CookieMonster's limits (net/cookies/cookie_monster.cc): past the maximum it purges down to
# the maximum minus the purge count.
_DOMAIN_MAX, _DOMAIN_KEEP = 180, 150
_TOTAL_MAX, _TOTAL_KEEP = 3300, 3000
# A removal waits this long for the insertion that would make it an overwrite; Chromium sends
# both within the same burst (about a millisecond apart, measured).
_OVERWRITE_GRACE_MS = 100

Emit = Callable[[Cookie, str, bool], None]


def insert_cause(old: Cookie | None, new: Cookie) -> str:
    if old is None:
        return "inserted"
    if old == new:
        return "inserted-no-change-overwrite"
    if old.value == new.value:
        return "inserted-no-value-change-overwrite"
    return "inserted"


class ChangeTracker(QObject):
    """Turns the store's signals into ``(cookie, cause, removed)`` calls of ``emit``."""

    def __init__(self, store: QWebEngineCookieStore, emit: Emit, listing: Listing) -> None:
        super().__init__()
        self._emit = emit
        self._outbox = SameSiteQueue(listing, self._delivered)
        # Cookies being put back into the jar (``mute``) → their value once back.
        self._muted: dict[Key, str] = {}
        self._pending: Cookie | None = None  # a removal that may still turn out an overwrite
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(_OVERWRITE_GRACE_MS)
        self._timer.timeout.connect(self._settle)
        self._explicit: Counter[Key] = Counter()
        self._waiters: dict[tuple[Key, bool], list[asyncio.Future[None]]] = {}
        # The jar as far as the signals and the last listing tell, for the eviction limits.
        self._jar: set[Key] = set()
        self._per_site: Counter[str] = Counter()
        self._evicting: Counter[str] = Counter()  # site → removals still expected from a purge
        self._evicting_any = 0
        store.cookieAdded.connect(self._added)
        store.cookieRemoved.connect(self._removed)

    # ----------------------------------------------------------------- what the API tells us
    def reseed(self, cookies: list[Cookie]) -> None:
        """Replace the shadow jar with a fresh listing (``Network.getAllCookies``)."""
        self._jar = {cookie.key for cookie in cookies}
        self._per_site = Counter(site_key(domain) for _, domain, _ in self._jar)
        self._outbox.remember(cookies)

    def remember(self, cookies: Iterable[Cookie]) -> None:
        """Cookies just listed (about to be deleted, say): their removal reports this SameSite."""
        self._outbox.remember(cookies)

    def mute(self, cookies: Iterable[Cookie]) -> list[asyncio.Future[None]]:
        """``cookies`` are being put back as they were: their signals are no changes. Each
        key is muted until the cookie is back with its value (a removal of another value
        on the way is the stale copy being replaced); the futures resolve then."""
        futures = []
        for cookie in cookies:
            self._muted[cookie.key] = cookie.value
            futures.append(self.expect(cookie.key, False))
        return futures

    def unmute(self) -> None:
        """Stop muting the cookies whose return was never reported."""
        self._muted.clear()

    def _swallowed(self, cookie: Cookie) -> bool:
        value = self._muted.get(cookie.key)
        if value is None:
            return False
        if cookie.value == value:
            # Back (added), or already there and set again unchanged (Qt's "removal").
            del self._muted[cookie.key]
            self._jar.add(cookie.key)
            self._resolve(cookie.key, False)
        return True

    def expect(self, key: Key, removed: bool) -> asyncio.Future[None]:
        """A future that resolves once the change of ``key`` has been emitted."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault((key, removed), []).append(future)
        return future

    def expect_explicit(self, keys: Iterable[Key]) -> list[asyncio.Future[None]]:
        """Removals of ``keys`` that are about to come from our own API: cause ``explicit``."""
        futures = []
        for key in keys:
            self._explicit[key] += 1
            futures.append(self.expect(key, True))
        return futures

    def forget_explicit(self, keys: Iterable[Key]) -> None:
        """Keys announced by ``expect_explicit`` whose removal never came (already gone)."""
        for key in keys:
            if self._explicit[key] > 0:
                self._explicit[key] -= 1

    # ----------------------------------------------------------------- Qt's signals
    def _added(self, raw: QNetworkCookie) -> None:
        cookie = Cookie.from_qt(raw)
        if self._swallowed(cookie):
            return
        old = None
        if self._pending is not None and self._pending.key == cookie.key:
            old, self._pending = self._pending, None
            self._timer.stop()
            self._send(old, "overwrite", True)
        else:
            self._settle()
        # A purge only ever follows the insertion that caused it.
        self._evicting.clear()
        self._evicting_any = 0
        if cookie.key not in self._jar:
            self._jar.add(cookie.key)
            site = site_key(cookie.domain)
            self._per_site[site] += 1
            if self._per_site[site] > _DOMAIN_MAX:
                self._evicting[site] = self._per_site[site] - _DOMAIN_KEEP
            if len(self._jar) > _TOTAL_MAX:
                self._evicting_any = len(self._jar) - _TOTAL_KEEP
        self._send(cookie, insert_cause(old, cookie), False)

    def _removed(self, raw: QNetworkCookie) -> None:
        cookie = Cookie.from_qt(raw)
        if self._swallowed(cookie):
            return
        site = site_key(cookie.domain)
        if self._pending is not None and self._pending == cookie:
            # Qt reports Chromium's INSERTED_NO_CHANGE_OVERWRITE as a removal (measured): the
            # identical cookie that replaced the pending one is in the jar.
            old, self._pending = self._pending, None
            self._timer.stop()
            self._send(old, "overwrite", True)
            self._jar.add(cookie.key)
            self._per_site[site] += 1
            self._send(cookie, "inserted-no-change-overwrite", False)
            return
        self._settle()
        if cookie.key in self._jar:
            self._jar.discard(cookie.key)
            self._per_site[site] -= 1
        if self._explicit[cookie.key] > 0:
            self._explicit[cookie.key] -= 1
            self._send(cookie, "explicit", True)
        elif cookie.expiration_date is not None and cookie.expiration_date <= time.time():
            self._send(cookie, "expired", True)
        elif self._evicting[site] > 0 or self._evicting_any > 0:
            if self._evicting[site] > 0:
                self._evicting[site] -= 1
            else:
                self._evicting_any -= 1
            self._send(cookie, "evicted", True)
        else:
            self._pending = cookie
            self._timer.start()

    def _settle(self) -> None:
        """The pending removal was not an overwrite after all."""
        self._timer.stop()
        pending, self._pending = self._pending, None
        if pending is not None:
            self._send(pending, "expired-overwrite", True)

    def _send(self, cookie: Cookie, cause: str, removed: bool) -> None:
        self._outbox.push(cookie, cause, removed)

    def _delivered(self, cookie: Cookie, cause: str, removed: bool) -> None:
        self._emit(cookie, cause, removed)
        self._resolve(cookie.key, removed)

    def _resolve(self, key: Key, removed: bool) -> None:
        for future in self._waiters.pop((key, removed), []):
            if not future.done():
                future.set_result(None)
