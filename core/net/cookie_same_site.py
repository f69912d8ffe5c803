"""The SameSite attribute of the cookies in ``changed`` events, which Qt's cookie store drops.

QtWebEngine 6.11 builds the ``QNetworkCookie`` of ``cookieAdded`` / ``cookieRemoved`` without
SameSite (measured: "unspecified" for a ``SameSite=Strict`` Set-Cookie), while the DevTools
protocol lists it. So changes wait in a queue, in Chromium's order: an inserted cookie takes
its SameSite from one ``Network.getAllCookies`` listing per burst of changes, and a removed
cookie the SameSite it was last seen with (inserted, or in a listing of the jar).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import replace

from core import app
from core.net.cookie_model import Cookie, Key

log = logging.getLogger("partita.cookies")

Deliver = Callable[[Cookie, str, bool], None]
Listing = Callable[[], Awaitable[list[Cookie]]]


class SameSiteQueue:
    """``push(cookie, cause, removed)`` in Qt's order; ``deliver`` gets them in that order,
    each with its SameSite."""

    def __init__(self, listing: Listing, deliver: Deliver) -> None:
        self._listing = listing
        self._deliver = deliver
        self._queue: deque[tuple[Cookie, str, bool]] = deque()
        self._same_site: dict[Key, str] = {}
        self._draining: asyncio.Task[None] | None = None

    def remember(self, cookies: Iterable[Cookie]) -> None:
        """What a listing of the jar says (the removal of these reports their SameSite)."""
        for cookie in cookies:
            self._same_site[cookie.key] = cookie.same_site

    def push(self, cookie: Cookie, cause: str, removed: bool) -> None:
        self._queue.append((cookie, cause, removed))
        if self._draining is None or self._draining.done():
            self._draining = app.loop().create_task(self._drain())

    async def _drain(self) -> None:
        while self._queue:
            batch = list(self._queue)
            self._queue.clear()
            listed = await self._list() if any(not removed for _, _, removed in batch) else {}
            for cookie, cause, removed in batch:
                self._deliver(self._with_same_site(cookie, removed, listed), cause, removed)

    async def _list(self) -> dict[Key, Cookie]:
        try:
            return {cookie.key: cookie for cookie in await self._listing()}
        except Exception:  # the channel closed with its session; report what Qt said
            log.exception("cannot list the cookies for their SameSite")
            return {}

    def _with_same_site(self, cookie: Cookie, removed: bool, listed: dict[Key, Cookie]) -> Cookie:
        if removed:
            same_site = self._same_site.pop(cookie.key, cookie.same_site)
        else:
            found = listed.get(cookie.key)
            # Gone or changed again before the listing: what was seen of it last, if anything.
            same_site = found.same_site if found is not None \
                else self._same_site.get(cookie.key, cookie.same_site)
            self._same_site[cookie.key] = same_site
        return replace(cookie, same_site=same_site)
