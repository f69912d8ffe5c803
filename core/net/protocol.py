"""``ses.protocol``: Electron's ``protocol.handle / unhandle / isProtocolHandled`` per session.

Two mechanisms, chosen by scheme, as Electron chooses between ``registerProtocol`` and
``interceptProtocol``:

* custom schemes (``app``, ...) get a ``QWebEngineUrlSchemeHandler`` installed on this
  session's profile only (``core.net.scheme_handler``), so another partition never sees them
  (a page there gets ``net::ERR_ABORTED``, Chromium's answer for an unknown scheme).
  Register the scheme first with ``app.register_schemes_as_privileged`` (before
  ``create_application``). An unregistered scheme still works, as a non-standard scheme with
  no privileges (like Electron's default), but QtWebEngine 6.11 logs the warning "Please
  register the custom scheme ... via QWebEngineUrlScheme::registerScheme()" (measured).
* ``http``, ``https`` and ``file`` are intercepted through the DevTools protocol in this
  session's pages (``Fetch.fulfillRequest``), because QtWebEngine refuses scheme handlers for
  built-in schemes; ``core.net.fetch_interception`` asks ``respond`` for each request.

A handler gets a ``ProtocolRequest`` and returns a ``core.net.Response`` (or a coroutine
resolving to one). A handler that raises or returns something else fails the request with
``net::ERR_FAILED`` and the error is logged (Electron uses ``ERR_UNEXPECTED``, which neither
QtWebEngine nor the DevTools protocol can report).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from PyQt6.QtWebEngineCore import QWebEngineProfile

from core.errors import NotSupportedError
from core.net.response import Response

log = logging.getLogger("partita.protocol")

INTERCEPTED_SCHEMES = frozenset({"http", "https", "file"})
# Schemes Chromium serves itself and QtWebEngine will not hand to a scheme handler.
_RESERVED = frozenset({"about", "blob", "data", "javascript", "filesystem", "ws", "wss", "ftp",
                       "chrome", "devtools", "qrc", "view-source", "chrome-error"})

Handler = Callable[["ProtocolRequest"], Any]


@dataclass(frozen=True)
class ProtocolRequest:
    """The request a protocol handler answers (Electron passes a WHATWG ``Request``)."""

    url: str
    method: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    referrer: str = ""


class HandlerFailed(Exception):
    """The handler raised or returned something that is not a ``Response``."""


class Protocol:
    """One per session; ``on_change`` tells the page interception that http(s)/file changed."""

    def __init__(self, profile: QWebEngineProfile,
                 on_change: Callable[[], None] = lambda: None) -> None:
        self._profile = profile
        self._handlers: dict[str, Handler] = {}
        self._scheme_handlers: dict[str, Any] = {}
        self._on_change = on_change

    def handle(self, scheme: str, handler: Handler) -> None:
        """Serve ``scheme`` in this session with ``handler``; a second ``handle`` raises."""
        scheme = _check_scheme(scheme)
        if not callable(handler):
            raise TypeError(f"handler must be callable, not {handler!r}")
        if scheme in self._handlers:
            # Electron: registerProtocol/interceptProtocol refuse a second handler and
            # protocol.handle throws this message.
            raise ValueError(f"Failed to register protocol: {scheme}")
        if scheme in _RESERVED:
            raise NotSupportedError(
                f"QtWebEngine serves the {scheme!r} scheme itself and accepts no handler for it"
            )
        if scheme not in INTERCEPTED_SCHEMES:
            from core.net.scheme_handler import SchemeHandler

            qt_handler = SchemeHandler(self, self._profile)
            self._profile.installUrlSchemeHandler(scheme.encode(), qt_handler)
            self._scheme_handlers[scheme] = qt_handler
        self._handlers[scheme] = handler
        if scheme in INTERCEPTED_SCHEMES:
            self._on_change()

    def unhandle(self, scheme: str) -> None:
        scheme = _check_scheme(scheme)
        if scheme not in self._handlers:
            raise ValueError(f"Failed to unhandle protocol: {scheme}")
        del self._handlers[scheme]
        qt_handler = self._scheme_handlers.pop(scheme, None)
        if qt_handler is not None:
            self._profile.removeUrlSchemeHandler(qt_handler)
            qt_handler.deleteLater()
        if scheme in INTERCEPTED_SCHEMES:
            self._on_change()

    def is_protocol_handled(self, scheme: str) -> bool:
        return _check_scheme(scheme) in self._handlers

    # ----------------------------------------------------------------- for request sources
    def intercepts(self, scheme: str) -> bool:
        """Whether page requests of ``scheme`` (http, https, file) go to a handler."""
        return scheme in INTERCEPTED_SCHEMES and scheme in self._handlers

    def any_intercepted(self) -> bool:
        return any(scheme in INTERCEPTED_SCHEMES for scheme in self._handlers)

    async def respond(self, scheme: str, request: ProtocolRequest) -> Response:
        """Run the handler for ``scheme``; raises ``HandlerFailed`` if it gave no Response."""
        handler = self._handlers.get(scheme)
        if handler is None:
            raise HandlerFailed(f"no handler for {scheme!r} any more")
        try:
            result = handler(request)
            if inspect.isawaitable(result):
                result = await result
        except Exception as exc:
            log.error("protocol handler for %r raised on %s", scheme, request.url, exc_info=exc)
            raise HandlerFailed(str(exc)) from exc
        if not isinstance(result, Response):
            log.error("protocol handler for %r returned %r, not a Response", scheme, result)
            raise HandlerFailed(f"handler returned {type(result).__name__}, not a Response")
        return result

    def close(self) -> None:
        for scheme in list(self._scheme_handlers):
            self.unhandle(scheme)


def _check_scheme(scheme: object) -> str:
    if not isinstance(scheme, str) or not scheme:
        raise TypeError(f"scheme must be a non-empty string, not {scheme!r}")
    lowered = scheme.lower()
    if not (lowered[0].isalpha() and all(c.isalnum() or c in "+-." for c in lowered)
            and lowered.isascii()):
        raise ValueError(f"invalid scheme {scheme!r}: letters, digits, '+', '-' and '.' only")
    return lowered
