"""``ses.preconnect`` and the session's ``"preconnect"`` event.

``preconnect(url, num_sockets)`` has the router open that many connections to the URL's
origin, by the session's proxy list, for the session's next requests there (``Router.
preconnect``, ``core.net.socket_pool``).

Pages ask for a preconnection with ``<link rel="preconnect" href=... [crossorigin]>``.
QtWebEngine reports no such hint, and Chromium's own preconnect only reaches the router (its
proxy), so a page bridge watches for the hints: over the DevTools protocol, each page of the
session gets a binding and a script in an isolated world, run on every new document, that
reports each preconnect link once. The session then emits ``"preconnect"`` (event,
preconnect_url, allow_credentials), as Electron does, and the router pre-opens one connection
to that origin. ``allow_credentials`` follows Chromium (PreloadHelper): a link without
``crossorigin``, or with ``use-credentials``, allows credentials; ``anonymous`` does not.
Hints in an HTTP ``Link:`` header are not seen. The bridge starts with the first
``"preconnect"`` listener, so sessions nobody listens to pay nothing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from typing import TYPE_CHECKING, Any

from PyQt6.QtCore import QUrl

from core import app, devtools
from core.events import Event

if TYPE_CHECKING:
    from core.session import Session
    from core.web_contents import WebContents

log = logging.getLogger("partita.net.preconnect")

EVENT = "preconnect"
MAX_SOCKETS = 6  # Electron: "Must be between 1 and 6"
_BINDING = "__partitaPreconnectHint"
_WORLD = "partita-preconnect"
_HINT_SCRIPT = """(() => {
  const report = globalThis[BINDING];
  if (typeof report !== 'function') return;
  const seen = new WeakSet();
  const check = (node) => {
    if (!(node instanceof HTMLLinkElement) || seen.has(node) || !node.hasAttribute('href')) {
      return;
    }
    if (!node.relList.contains('preconnect')) return;
    seen.add(node);
    report(JSON.stringify({url: node.href, credentials: node.crossOrigin !== 'anonymous'}));
  };
  const scan = (root) => {
    if (root.querySelectorAll) root.querySelectorAll('link').forEach(check);
  };
  new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === 'attributes') check(record.target);
      record.addedNodes.forEach((node) => { check(node); scan(node); });
    }
  }).observe(document, {childList: true, subtree: true, attributes: true,
                        attributeFilter: ['rel', 'href', 'crossorigin']});
  scan(document);
})();""".replace("BINDING", json.dumps(_BINDING))


def check_arguments(url: object, num_sockets: object) -> tuple[str, int]:
    if not isinstance(url, str):
        raise TypeError(f"url must be a string, not {url!r}")
    parsed = QUrl(url, QUrl.ParsingMode.StrictMode)
    if not parsed.isValid() or parsed.scheme().lower() not in ("http", "https") \
            or not parsed.host():
        raise ValueError(f"Must pass non-empty valid url to session.preconnect, not {url!r}")
    if isinstance(num_sockets, bool) or not isinstance(num_sockets, int) \
            or not 1 <= num_sockets <= MAX_SOCKETS:
        raise ValueError(f"numSocketsToPreconnect is outside range [1,{MAX_SOCKETS}]: "
                         f"{num_sockets!r}")
    return url, num_sockets


class PreconnectHints:
    """One per session: the page bridge that turns preconnect links into the event."""

    def __init__(self, session: Session) -> None:
        self._session = weakref.ref(session)
        self._watching = False
        self._bridged: weakref.WeakSet[WebContents] = weakref.WeakSet()
        self._tasks: set[asyncio.Future[None]] = set()
        session.on_web_contents_created(self._adopt)

    def watch(self) -> None:
        """Start bridging every page of the session (called for the first listener)."""
        session = self._session()
        if self._watching or session is None:
            return
        self._watching = True
        for contents in list(session._web_contents):
            self._adopt(contents)

    def _adopt(self, contents: WebContents) -> None:
        if not self._watching or contents in self._bridged:
            return
        self._bridged.add(contents)
        bridged = asyncio.ensure_future(self._bridge(contents), loop=app.loop())
        self._tasks.add(bridged)
        bridged.add_done_callback(self._finished)
        # load_url navigates only once the bridge is in place, so no early hint is missed.
        contents.add_navigation_gate(lambda: asyncio.shield(bridged))

    def _finished(self, task: asyncio.Future[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.debug("preconnect bridge failed", exc_info=task.exception())

    async def _bridge(self, contents: WebContents) -> None:
        if contents.is_destroyed():
            return
        cdp = await devtools.hub().attach(contents.page)
        cdp.on("Runtime.bindingCalled", self._hint)
        await cdp.send("Runtime.addBinding", {"name": _BINDING, "executionContextName": _WORLD})
        await cdp.send("Page.enable")
        await cdp.send("Runtime.enable")
        await cdp.send("Page.addScriptToEvaluateOnNewDocument", {
            "source": _HINT_SCRIPT, "worldName": _WORLD, "runImmediately": True})

    def _hint(self, params: dict[str, Any]) -> None:
        session = self._session()
        if session is None or params.get("name") != _BINDING:
            return
        try:
            hint = json.loads(params.get("payload", ""))
            url, allow = str(hint["url"]), bool(hint["credentials"])
            check_arguments(url, 1)
        except (ValueError, KeyError, TypeError) as error:
            log.debug("ignored a preconnect hint %r: %s", params.get("payload"), error)
            return
        session.network.preconnect(url, 1)
        session.emit(EVENT, Event(), url, allow)
