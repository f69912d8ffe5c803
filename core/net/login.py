"""The session's ``"login"`` event: one question for proxy and page authentication.

Modelled on Electron's ``app`` / ``webContents`` ``'login'`` event. Listeners get
``(event, auth_info, callback)``; ``auth_info`` is an ``AuthInfo`` (``is_proxy``, ``scheme``,
``host``, ``port``, ``realm``, plus ``url`` and ``web_contents`` for a page's own server).
As in Electron, a listener that answers later calls ``event.prevent_default()`` first; then
``callback(username, password, remember=True)`` answers and ``callback()`` cancels. Without a
listener, or when no listener prevents the default nor answers at once, the request is
cancelled.

A page's ``authenticationRequired`` must be answered before its slot returns (QtWebEngine 6.11
reads the ``QAuthenticator`` then; research/qtwebengine_network.md row 13), so a deferred
answer to a page is waited for in a nested Qt event loop, which keeps the window and asyncio
running.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PyQt6.QtCore import QEventLoop, QUrl
from PyQt6.QtNetwork import QAuthenticator

from core.events import Event, EventEmitter

if TYPE_CHECKING:
    from core.web_contents import WebContents

EVENT = "login"
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


@dataclass(frozen=True)
class AuthInfo:
    """``scheme`` is the authentication scheme, as in Electron: ``"basic"`` for an upstream
    proxy (the router speaks Basic); QtWebEngine does not say which scheme a page's server
    asked for, so it is ``""`` there."""

    is_proxy: bool
    scheme: str
    host: str
    port: int
    realm: str
    url: str | None = None  # the page's request (Electron's authenticationResponseDetails.url)
    web_contents: WebContents | None = None


@dataclass(frozen=True)
class LoginAnswer:
    username: str
    password: str
    remember: bool


class LoginRequest:
    """One question; ``callback`` is what listeners get. The first answer counts."""

    def __init__(self, info: AuthInfo) -> None:
        self.info = info
        self.event = Event()
        self.answered = False
        self.answer: LoginAnswer | None = None
        self._waiters: list[Callable[[LoginAnswer | None], None]] = []

    def callback(self, username: str | None = None, password: str | None = None,
                 remember: bool = True) -> None:
        if self.answered:
            return
        if username is not None and not isinstance(username, str):
            raise TypeError(f"username must be a string, not {username!r}")
        if password is not None and not isinstance(password, str):
            raise TypeError(f"password must be a string, not {password!r}")
        self.answered = True
        if username is not None:
            self.answer = LoginAnswer(username, password or "", bool(remember))
        for waiter in self._waiters:
            waiter(self.answer)
        self._waiters.clear()

    def when_answered(self, waiter: Callable[[LoginAnswer | None], None]) -> None:
        if self.answered:
            waiter(self.answer)
        else:
            self._waiters.append(waiter)


def ask(emitter: EventEmitter, info: AuthInfo) -> LoginRequest:
    """Emit ``"login"``; the request is answered already unless a listener deferred it."""
    request = LoginRequest(info)
    emitter.emit(EVENT, request.event, info, request.callback)
    if not request.event.default_prevented:
        request.callback()  # cancels, unless a listener answered at once
    return request


async def ask_async(emitter: EventEmitter, info: AuthInfo) -> LoginAnswer | None:
    """``ask``, awaiting a deferred answer (on the Qt loop)."""
    request = ask(emitter, info)
    future: asyncio.Future[LoginAnswer | None] = asyncio.get_running_loop().create_future()

    def answered(answer: LoginAnswer | None) -> None:
        if not future.done():
            future.set_result(answer)

    request.when_answered(answered)
    return await future


def _answer_page(emitter: EventEmitter, contents: WebContents, url: QUrl,
                 authenticator: QAuthenticator | None) -> None:
    if authenticator is None:
        return
    port = url.port(_DEFAULT_PORTS.get(url.scheme(), 0))
    info = AuthInfo(False, "", url.host(), port, authenticator.realm(), url.toString(),
                    contents)
    request = ask(emitter, info)
    if not request.answered:
        waiting = QEventLoop()
        request.when_answered(lambda _: waiting.quit())
        page = contents.page
        page.destroyed.connect(waiting.quit)  # a closed page answers nothing
        waiting.exec()
        page_alive = not contents.is_destroyed()
        if page_alive:
            page.destroyed.disconnect(waiting.quit)
        if not page_alive or not request.answered:
            return
    if request.answer is not None:
        authenticator.setUser(request.answer.username)
        authenticator.setPassword(request.answer.password)
    # Left untouched, the authenticator cancels the request (QtWebEngine shows its error page).


def answer_page_logins(emitter: EventEmitter, contents: WebContents) -> None:
    """Ask ``emitter``'s ``"login"`` listeners whenever ``contents``'s server wants a login."""

    def required(url: QUrl, authenticator: QAuthenticator | None) -> None:
        _answer_page(emitter, contents, url, authenticator)

    contents.page.authenticationRequired.connect(required)
