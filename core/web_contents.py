"""``WebContents``: one page of a session, with Electron's loading and scripting calls."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Awaitable, Callable
from typing import Any

from PyQt6 import sip
from PyQt6.QtCore import QUrl
from PyQt6.QtWebEngineCore import QWebEngineLoadingInfo, QWebEnginePage

from core import devtools, net_errors
from core.errors import DESTROYED, JavaScriptError, NetError
from core.net.http_head import NET_ERROR_HEADER
from core.session import Session

_ids = itertools.count(1)
_Status = QWebEngineLoadingInfo.LoadStatus
_Domain = QWebEngineLoadingInfo.ErrorDomain


def _router_error(info: QWebEngineLoadingInfo) -> str | None:
    """The error the router answered a plain-HTTP request with in place of a connection
    error (an HTTP proxy can only answer with a response), or None."""
    if info.errorDomain() != _Domain.HttpStatusCodeDomain:
        return None
    wanted = NET_ERROR_HEADER.lower()
    for name, values in info.responseHeaders().items():
        if name.data().decode("latin-1").lower() == wanted and values:
            return values[0].data().decode("latin-1")
    return None


class WebContents:
    """Owns one ``QWebEnginePage`` in ``session``; the GUI shows ``page`` in a view."""

    def __init__(self, session: Session) -> None:
        if not isinstance(session, Session):
            raise TypeError(f"session must be a Session, not {session!r}")
        self._session = session
        self.id = next(_ids)
        self._page: QWebEnginePage | None = QWebEnginePage(session.profile)
        self._cdp: devtools.CdpSession | None = None
        self._navigation_gates: list[Callable[[], Awaitable[None]]] = []
        session._adopt(self)

    @property
    def page(self) -> QWebEnginePage:
        if self._page is None:
            raise RuntimeError(DESTROYED)
        return self._page

    @property
    def session(self) -> Session:
        return self._session

    def is_destroyed(self) -> bool:
        return self._page is None

    def get_url(self) -> str:
        return self.page.url().toString()

    async def load_url(self, url: str) -> None:
        """Navigate; returns when the page has loaded, raises ``NetError`` if it failed.

        As in Electron, an HTTP error status still loads a page and resolves.
        """
        if not isinstance(url, str):
            raise TypeError(f"url must be a string, not {url!r}")
        page = self.page
        qurl = QUrl(url, QUrl.ParsingMode.StrictMode)
        if not url or not qurl.isValid() or not qurl.scheme():
            raise NetError(net_errors.name_for(-300), url, "invalid URL")
        for gate in list(self._navigation_gates):
            await gate()
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        network = self._session.network

        def changed(info: QWebEngineLoadingInfo) -> None:
            try:
                settle(info)
            except Exception as error:  # never leave load_url waiting on a broken slot
                if not done.done():
                    done.set_exception(error)

        def settle(info: QWebEngineLoadingInfo) -> None:
            status = info.status()
            if done.done() or status == _Status.LoadStartedStatus:
                return
            routed = _router_error(info)
            if routed is not None:
                done.set_exception(NetError(routed, url, "reported by the router"))
            elif status == _Status.LoadSucceededStatus or (info.errorDomain() in (
                _Domain.HttpStatusCodeDomain, _Domain.NoErrorDomain,
            ) and status != _Status.LoadStoppedStatus):
                done.set_result(None)
            elif status == _Status.LoadStoppedStatus:
                done.set_exception(NetError(net_errors.name_for(-3), url, "load stopped"))
            else:
                code = network.real_error(info.url().toString(),
                                          net_errors.name_for(info.errorCode()))
                done.set_exception(NetError(code, url, info.errorString()))

        page.loadingChanged.connect(changed)
        try:
            page.load(qurl)
            await done
        finally:
            if not sip.isdeleted(page):
                page.loadingChanged.disconnect(changed)

    def download_url(self, url: str) -> None:
        """Download ``url`` as this page would; the session's ``will-download`` follows."""
        if not isinstance(url, str) or not QUrl(url).isValid():
            raise TypeError(f"url must be a URL string, not {url!r}")
        self._session._downloads.expect_api_download(QUrl(url))
        self.page.download(QUrl(url))

    def add_navigation_gate(self, gate: Callable[[], Awaitable[None]]) -> None:
        """Internal: ``load_url`` awaits ``gate()`` before it navigates, so set-up that must
        precede the page's requests (webRequest interception) is in force."""
        self._navigation_gates.append(gate)

    async def execute_javascript(self, code: str, user_gesture: bool = False) -> Any:
        """Evaluate ``code`` in the page's main world; awaits a returned Promise.

        Runs through the DevTools protocol (``Runtime.evaluate``), which is also how a script
        gets transient user activation when ``user_gesture`` is set.
        """
        if not isinstance(code, str):
            raise TypeError(f"code must be a string, not {code!r}")
        cdp = await self._devtools()
        result = await cdp.send(
            "Runtime.evaluate",
            {
                "expression": code,
                "awaitPromise": True,
                "returnByValue": True,
                "userGesture": bool(user_gesture),
            },
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            exception = details.get("exception", {})
            text = exception.get("description") or exception.get("value") or details.get("text")
            raise JavaScriptError(str(text))
        value = result.get("result", {})
        if "value" in value:
            return value["value"]
        if value.get("unserializableValue") is not None:
            return json.loads(json.dumps(value["unserializableValue"]))
        return None

    async def _devtools(self) -> devtools.CdpSession:
        page = self.page
        if self._cdp is None or self._cdp.detached:
            self._cdp = await devtools.hub().attach(page)
        return self._cdp

    def close(self) -> None:
        """Destroy the page; using this object afterwards raises ``RuntimeError``."""
        page, self._page = self._page, None
        if page is not None and not sip.isdeleted(page):
            sip.delete(page)
