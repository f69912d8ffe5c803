"""The ``Cookie`` header a session's own page would send, HttpOnly cookies included.

QtWebEngine cannot list cookies (research/qtwebengine_network.md #4), so we ask Chromium over
the in-process DevTools channel: ``Network.getCookies {urls}`` on the session's hidden
protocol page answers with every cookie that URL would get from that profile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.session import Session


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
