"""An in-process DevTools protocol channel, with no TCP port (research/cdp_channel.md).

One hidden ``about:blank`` page in a private profile gets a DevTools front-end page whose
front end is stopped at document creation; a script in that page forwards raw protocol messages
through ``DevToolsHost.sendMessageToEmbedder`` and hands replies back as console messages carrying
a random token. From that one channel, ``Target.attachToTarget {flatten: true}`` reaches any
page of any profile, so one hub (about 10 MB) serves the whole process.

Everything is asynchronous: the DevTools handlers run on the Qt thread, so a blocking wait from
that thread would deadlock.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import secrets
from collections.abc import Callable
from typing import Any

from PyQt6.QtCore import QObject, QUrl
from PyQt6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile, QWebEngineScript

from core.errors import DESTROYED

log = logging.getLogger("partita.devtools")

_HOOK_JS = r"""(function () {
  const TOKEN = %(token)s;
  window.stop();
  const api = window.DevToolsAPI, host = window.DevToolsHost;
  const out = (m) => console.debug(TOKEN + m);
  let buf = '', size = 0;
  api.dispatchMessage = (m) => out(m);
  api.dispatchMessageChunk = (chunk, total) => {
    total = Number(total) || 0;
    if (total) { buf = ''; size = total; }
    buf += chunk;
    if (buf.length >= size) { out(buf); buf = ''; size = 0; }
  };
  window.__partitaCdpSend = (msg) => host.sendMessageToEmbedder(
      JSON.stringify({id: 0, method: 'dispatchProtocolMessage', params: [msg]}));
  out('{"__ready": true}');
})();"""

EventHandler = Callable[[dict[str, Any]], None]


class CdpError(Exception):
    """The DevTools protocol answered a command with an error."""


class _FrontEndPage(QWebEnginePage):
    def __init__(self, profile: QWebEngineProfile, token: str, sink: Callable[[str], None]):
        super().__init__(profile)
        self._token = token
        self._sink = sink

    def javaScriptConsoleMessage(
        self, level: QWebEnginePage.JavaScriptConsoleMessageLevel, message: str | None,
        line: int, source: str | None,
    ) -> None:
        if message and message.startswith(self._token):
            self._sink(message[len(self._token):])


class CdpSession:
    """Commands and events for one attached page (a flattened ``sessionId``)."""

    def __init__(self, hub: DevToolsHub, session_id: str) -> None:
        self._hub = hub
        self.session_id = session_id
        self._handlers: dict[str, list[EventHandler]] = {}
        self.detached = False

    async def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        if self.detached:
            raise RuntimeError(DESTROYED)
        return await self._hub.send(method, params, session_id=self.session_id)

    def on(self, method: str, handler: EventHandler) -> None:
        self._handlers.setdefault(method, []).append(handler)

    async def detach(self) -> None:
        """End this session (a worker it holds may then stop when idle again)."""
        if not self.detached:
            self.detached = True
            await self._hub.send("Target.detachFromTarget", {"sessionId": self.session_id})

    def off(self, method: str, handler: EventHandler) -> None:
        handlers = self._handlers.get(method, [])
        if handler in handlers:
            handlers.remove(handler)

    def _dispatch(self, method: str, params: dict[str, Any]) -> None:
        for handler in list(self._handlers.get(method, [])):
            handler(params)


class DevToolsHub(QObject):
    """The process's one protocol channel; ``attach(page)`` gives a session for that page."""

    def __init__(self) -> None:
        super().__init__()
        self._token = "\x01cdp:" + secrets.token_hex(8) + ":"
        self._ids = itertools.count(1_000_000_000)  # far above any id a front end would use
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._sessions: dict[str, CdpSession] = {}
        self._ready: asyncio.Future[None] | None = None
        self._profile: QWebEngineProfile | None = None
        self._inspected: QWebEnginePage | None = None
        self._front_end: _FrontEndPage | None = None

    async def _start(self) -> None:
        if self._ready is None:
            self._ready = asyncio.get_running_loop().create_future()
            self._profile = QWebEngineProfile(self)  # off the record: the hub stores nothing
            self._inspected = QWebEnginePage(self._profile, self)
            self._front_end = _FrontEndPage(self._profile, self._token, self._receive)
            script = QWebEngineScript()
            script.setName("partita-cdp-hook")
            script.setInjectionPoint(QWebEngineScript.InjectionPoint.DocumentCreation)
            script.setWorldId(QWebEngineScript.ScriptWorldId.MainWorld)
            script.setRunsOnSubFrames(False)
            script.setSourceCode(_HOOK_JS % {"token": json.dumps(self._token)})
            self._front_end.scripts().insert(script)
            self._inspected.setUrl(QUrl("about:blank"))
            self._inspected.setDevToolsPage(self._front_end)
        await asyncio.shield(self._ready)

    def _receive(self, raw: str) -> None:
        message: dict[str, Any] = json.loads(raw)
        if message.get("__ready"):
            if self._ready is not None and not self._ready.done():
                self._ready.set_result(None)
            return
        if "id" in message:
            future = self._pending.pop(int(message["id"]), None)
            if future is None or future.done():
                return
            if "error" in message:
                error = message["error"]
                future.set_exception(CdpError(f"{error.get('message')} ({error.get('code')})"))
            else:
                future.set_result(message.get("result", {}))
            return
        method = message.get("method", "")
        params = message.get("params", {})
        if method == "Target.detachedFromTarget":
            detached = self._sessions.pop(params.get("sessionId", ""), None)
            if detached is not None:
                detached.detached = True
        session = self._sessions.get(message.get("sessionId", ""))
        if session is not None:
            session._dispatch(method, params)

    async def send(
        self, method: str, params: dict[str, Any] | None = None, session_id: str | None = None
    ) -> dict[str, Any]:
        await self._start()
        assert self._front_end is not None
        ident = next(self._ids)
        message: dict[str, Any] = {"id": ident, "method": method, "params": params or {}}
        if session_id:
            message["sessionId"] = session_id
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[ident] = future
        # Only json.dumps output reaches the front end's JavaScript.
        self._front_end.runJavaScript(
            f"__partitaCdpSend({json.dumps(json.dumps(message))})",
            QWebEngineScript.ScriptWorldId.MainWorld,
        )
        return await future

    def close(self) -> None:
        """Delete the hub's pages, then its profile (a profile must outlive its pages)."""
        from PyQt6 import sip

        for pending in self._pending.values():
            pending.cancel()
        self._pending.clear()
        for obj in (self._front_end, self._inspected, self._profile):
            if obj is not None and not sip.isdeleted(obj):
                sip.delete(obj)
        self._front_end = self._inspected = self._profile = None
        self._ready = None

    async def attach(self, page: QWebEnginePage) -> CdpSession:
        """Attach to ``page`` (any profile) and return its protocol session."""
        return await self.attach_target(page.devToolsId())

    async def attach_target(self, target_id: str) -> CdpSession:
        """Attach to any target by id (a page, a service worker, ...)."""
        result = await self.send(
            "Target.attachToTarget", {"targetId": target_id, "flatten": True}
        )
        session = CdpSession(self, str(result["sessionId"]))
        self._sessions[session.session_id] = session
        return session


_hub: list[DevToolsHub] = []


def hub() -> DevToolsHub:
    """The process's hub, created on first use (it needs the QApplication)."""
    if not _hub:
        _hub.append(DevToolsHub())
    return _hub[0]


def shutdown() -> None:
    """Close the hub, if it was ever started."""
    while _hub:
        _hub.pop().close()


class ProfileChannel:
    """A protocol session for a whole profile, through a hidden blank page of that profile.

    Profile-wide domains (``Network.getAllCookies``, ``Storage.*``) answer for the page's
    browser context, so one hidden page serves every such call of a session, whether or not
    the user has a tab open in it.
    """

    def __init__(self, profile: QWebEngineProfile) -> None:
        self._profile = profile
        self._page: QWebEnginePage | None = None
        self._session: CdpSession | None = None
        self._lock = asyncio.Lock()

    async def session(self) -> CdpSession:
        async with self._lock:
            if self._session is None or self._session.detached:
                if self._page is None:
                    self._page = QWebEnginePage(self._profile)
                    self._page.setUrl(QUrl("about:blank"))
                self._session = await hub().attach(self._page)
            return self._session

    async def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return await (await self.session()).send(method, params)

    def close(self) -> None:
        page, self._page = self._page, None
        self._session = None
        if page is not None:
            from PyQt6 import sip

            if not sip.isdeleted(page):
                sip.delete(page)
