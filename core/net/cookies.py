"""``ses.cookies``: Electron's ``Cookies`` class over one partition's cookie jar.

QtWebEngine cannot list its cookies, so reads and writes go through the DevTools protocol of
the session's own browser context (``ses.devtools``: ``Network.getAllCookies``,
``Network.getCookies``, ``Network.setCookie``, ``Network.deleteCookies``); the ``changed``
event comes from the profile's cookie store signals (``core.net.cookie_changes``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

from PyQt6.QtWebEngineCore import QWebEngineProfile

from core.devtools import CdpError, ProfileChannel
from core.events import Event, EventEmitter
from core.net import cookie_file, cookie_rules
from core.net.cookie_changes import ChangeTracker
from core.net.cookie_model import Cookie, Key, set_params
from core.net.cookie_rules import CookieRejected
from core.net.domains import matches_domain
from core.net.url_host import UrlParts

__all__ = ["Cookie", "CookieRejected", "Cookies"]

# How long an API call waits for Chromium to report the change it made, so that "changed"
# has been emitted when the call returns (the report takes about a millisecond, measured).
_CHANGE_WAIT_SECONDS = 2.0


def _optional(name: str, value: Any, kind: type) -> None:
    if value is not None and not isinstance(value, kind):
        raise TypeError(f"{name} must be a {kind.__name__} or None, not {value!r}")


async def _settled(futures: Iterable[asyncio.Future[None]]) -> None:
    waiting = list(futures)
    if waiting:
        await asyncio.wait(waiting, timeout=_CHANGE_WAIT_SECONDS)


class Cookies(EventEmitter):
    """Query and modify a session's cookies; emits ``changed`` (event, cookie, cause, removed)."""

    def __init__(self, profile: QWebEngineProfile, channel: ProfileChannel,
                 storage: Path | None) -> None:
        super().__init__()
        self._channel = channel
        self._database = storage / "Cookies" if storage is not None else None
        store = profile.cookieStore()
        assert store is not None  # every profile has its store
        self._changes = ChangeTracker(store, self._changed, self._listing)

    def _changed(self, cookie: Cookie, cause: str, removed: bool) -> None:
        self.emit("changed", Event(), cookie, cause, removed)

    # ----------------------------------------------------------------- reading
    async def all(self) -> list[Cookie]:
        """Every cookie of the partition (for site data and the GUI)."""
        cookies = await self._listing()
        self._changes.reseed(cookies)
        return cookies

    async def _listing(self) -> list[Cookie]:
        return [Cookie.from_cdp(item) for item in await self._raw_listing()]

    async def _raw_listing(self) -> list[dict[str, Any]]:
        raw = await self._channel.send("Network.getAllCookies")
        return list(raw.get("cookies", []))

    async def _for_url(self, url: str) -> list[Cookie]:
        """The cookies Chromium would send to ``url`` (HttpOnly included), as Electron's
        ``GetCookieList`` with inclusive SameSite options returns them."""
        try:
            UrlParts.parse(url)
        except ValueError:
            return []  # GURL is invalid: Electron's lookup finds nothing
        raw = await self._channel.send("Network.getCookies", {"urls": [url]})
        return [Cookie.from_cdp(item) for item in raw.get("cookies", [])]

    async def get(self, url: str | None = None, name: str | None = None,
                  domain: str | None = None, path: str | None = None,
                  secure: bool | None = None, session: bool | None = None,
                  http_only: bool | None = None) -> list[Cookie]:
        """The cookies matching every filter given (Electron's ``MatchesCookie``)."""
        for label, text in (("url", url), ("name", name), ("domain", domain), ("path", path)):
            _optional(label, text, str)
        for label, flag in (("secure", secure), ("session", session), ("http_only", http_only)):
            _optional(label, flag, bool)
        found = await (self._for_url(url) if url else self.all())
        return [
            cookie for cookie in found
            if (name is None or cookie.name == name)
            and (path is None or cookie.path == path)
            and (domain is None or matches_domain(domain, cookie.domain))
            and (secure is None or cookie.secure == secure)
            and (session is None or cookie.session == session)
            and (http_only is None or cookie.http_only == http_only)
        ]

    # ----------------------------------------------------------------- writing
    async def set(self, url: str | None = None, name: str | None = None,
                  value: str | None = None, domain: str | None = None,
                  path: str | None = None, secure: bool | None = None,
                  http_only: bool | None = None, expiration_date: float | None = None,
                  same_site: str | None = None) -> None:
        """Set a cookie; ``CookieRejected`` (a ``ValueError``) with Electron's message if
        Chromium would refuse it, in which case the jar is unchanged."""
        if url is None:
            raise TypeError("Missing required option 'url'")
        for label, text in (("url", url), ("name", name), ("value", value),
                            ("domain", domain), ("path", path), ("same_site", same_site)):
            _optional(label, text, str)
        _optional("secure", secure, bool)
        _optional("http_only", http_only, bool)
        if expiration_date is not None and (
            isinstance(expiration_date, bool) or not isinstance(expiration_date, int | float)
        ):
            raise TypeError(f"expiration_date must be a number or None, not {expiration_date!r}")
        request = cookie_rules.check(
            url=url, name=name or "", value=value or "", domain=domain or "", path=path or "",
            secure=secure, http_only=bool(http_only), same_site=cookie_rules.same_site_value(
                same_site), expiration_date=None if expiration_date is None
            else float(expiration_date),
        )
        key: Key = (request.name, request.domain or request.host, request.path)
        if not request.http_only and any(
            cookie.key == key and cookie.http_only for cookie in await self.all()
        ):
            raise CookieRejected("EXCLUDE_OVERWRITE_HTTP_ONLY")
        stored = request.expiration_date is None or request.expiration_date > time.time()
        waiter = self._changes.expect(key, removed=False) if stored else None
        try:
            await self._channel.send("Network.setCookie", request.cdp_params())
        except CdpError:
            if waiter is not None:
                waiter.cancel()
            raise CookieRejected("EXCLUDE_FAILURE_TO_STORE") from None
        if waiter is not None:
            await _settled([waiter])

    async def remove(self, url: str, name: str) -> None:
        """Remove the cookies named ``name`` that would be sent to ``url``."""
        if not isinstance(url, str) or not isinstance(name, str):
            raise TypeError(f"url and name must be strings, not {url!r}, {name!r}")
        try:
            UrlParts.parse(url)
        except ValueError as error:
            raise ValueError(str(error)) from None
        doomed = [cookie for cookie in await self._for_url(url) if cookie.name == name]
        await self.delete(doomed, {"name": name, "url": url})

    async def delete(self, cookies: list[Cookie], command: dict[str, Any] | None = None) -> None:
        """Delete ``cookies`` (one ``Network.deleteCookies`` each, unless ``command`` deletes
        them all at once); their ``changed`` events carry cause ``explicit``."""
        keys = [cookie.key for cookie in cookies]
        # Listed just now: their removal reports this SameSite even if the insertion's own
        # listing comes too late to see them.
        self._changes.remember(cookies)
        waiters = self._changes.expect_explicit(keys)
        commands = [command] if command is not None else [
            {"name": cookie.name, "domain": cookie.domain, "path": cookie.path}
            for cookie in cookies
        ]
        try:
            for params in commands:
                await self._channel.send("Network.deleteCookies", params)
            await _settled(waiters)
        finally:
            unseen = [key for key, waiter in zip(keys, waiters, strict=True) if not waiter.done()]
            for waiter in waiters:
                waiter.cancel()
            self._changes.forget_explicit(unseen)

    async def kept_across(self, reset: Callable[[], Awaitable[None]]) -> None:
        """Run ``reset``, which gives Chromium a new cookie jar (measured: a new network
        context holds the cookies already written to disk, or none in memory), and put back
        every cookie the jar held before, as it was and with no ``changed`` event."""
        raw = await self._raw_listing()
        await reset()
        if not raw:
            return
        waiters = self._changes.mute(Cookie.from_cdp(item) for item in raw)
        try:
            await self._channel.send(
                "Network.setCookies", {"cookies": [set_params(item) for item in raw]})
            await _settled(waiters)
        finally:
            for waiter in waiters:
                waiter.cancel()
            self._changes.unmute()

    async def flush_store(self) -> None:
        """Resolve once the persistent cookies are on disk (at once for an in-memory session)."""
        if self._database is None:
            return
        await cookie_file.wait_until_written(self._database, await self.all(), self.all)
