"""A session's cookies and identity for our own QtNetwork requests (downloads, ``ses.fetch``).

QtWebEngine cannot list cookies (research/qtwebengine_network.md #4), so the ``Cookie`` header
comes from Chromium over the in-process DevTools channel: ``Network.getCookies {urls}`` on the
session's hidden protocol page answers with every cookie that URL would get from that profile,
HttpOnly ones included. Cookies an answer sets go back into the profile's store, and Qt's own
jar stays empty, so there is one cookie jar per session: the profile's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PyQt6.QtCore import QUrl
from PyQt6.QtNetwork import QNetworkCookie, QNetworkCookieJar, QNetworkReply, QNetworkRequest

if TYPE_CHECKING:
    from core.session import Session


class NoCookieJar(QNetworkCookieJar):
    """Qt's own jar stays empty: cookies come from the profile and go back to it."""

    def setCookiesFromUrl(self, cookieList: Any, url: QUrl) -> bool:
        return False


async def cookie_header(session: Session, url: str) -> str | None:
    """``name=value; ...`` for ``url`` in ``session``, as Chromium orders them; None if none."""
    result = await session.devtools.send("Network.getCookies", {"urls": [url]})
    cookies = list(result.get("cookies", []))
    if not cookies:
        return None
    # RFC 6265 5.4: longer paths first; Chromium then keeps creation order, which the
    # protocol's list already follows (sort is stable).
    cookies.sort(key=lambda cookie: -len(str(cookie.get("path", ""))))
    return "; ".join(f"{cookie['name']}={cookie['value']}" for cookie in cookies)


def keep_cookies(session: Session, reply: QNetworkReply) -> None:
    """Cookies an answer sets go into the profile, as the page's would."""
    found = reply.header(QNetworkRequest.KnownHeaders.SetCookieHeader)
    store = session.profile.cookieStore()
    if not found or store is None:
        return
    for cookie in found:
        if isinstance(cookie, QNetworkCookie):
            store.setCookie(cookie, reply.url())


def identity_headers(session: Session) -> dict[str, str]:
    """The ``User-Agent`` and ``Accept-Language`` the session's pages send."""
    headers = {"User-Agent": session.get_user_agent()}
    language = session.profile.httpAcceptLanguage()
    if language:
        headers["Accept-Language"] = language
    return headers
