"""Answers a partition's ``certificate-error`` events: the user decides, never the app.

A main-frame error in one of the browser's tabs covers that tab with the interstitial until
the user chooses; Proceed allows and remembers the certificate for the partition (revocable
in the SSL panel), Back to safety denies and goes back. An error of a subresource or a
subframe (the event's ``is_main_frame`` is False) is denied without asking, as Chrome does.
An error of a page this browser does not show is left alone: its own browser answers it, and
an unanswered error is denied by core.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PyQt6.QtCore import QObject
from PyQt6.QtWebEngineCore import QWebEnginePage

from core.events import Event
from core.net.certificate import Certificate
from gui.cert_interstitial import CertificateInterstitial
from gui.downloads_hooks import Hooks

if TYPE_CHECKING:
    from gui.partition_browser import PartitionBrowser
    from gui.tab import Tab

log = logging.getLogger("partita.gui.certificates")

Answer = Callable[..., None]
"""The event's callback: ``answer(allow, remember=False)``."""


def _once(callback: Answer) -> Answer:
    """``callback``, answering only the first time it is called."""
    answered = False

    def answer(*args: object) -> None:
        nonlocal answered
        if not answered:
            answered = True
            callback(*args)

    return answer


class CertificateGuard(QObject):
    def __init__(self, browser: PartitionBrowser) -> None:
        super().__init__(browser)
        self._browser = browser
        self._asking: dict[Tab, tuple[CertificateInterstitial, Answer]] = {}
        self._hooks = Hooks(self)
        self._hooks.on(browser.session, ("certificate-error",), self._certificate_error)

    def interstitial(self, tab: Tab) -> CertificateInterstitial | None:
        """The interstitial covering ``tab``, while it waits for the user."""
        asking = self._asking.get(tab)
        return asking[0] if asking is not None else None

    def _certificate_error(self, event: Event, web_contents: object, url: str, error: str,
                           certificate: Certificate, callback: Answer,
                           is_main_frame: bool) -> None:
        tab = next((tab for tab in self._browser.all_tabs() if tab.contents is web_contents),
                   None)
        if tab is None:
            return
        event.prevent_default()
        if not is_main_frame:
            log.warning("denied a subresource with %s: %s", error, url)
            callback(False)
            return
        self._withdraw(tab)  # one question per tab: a newer error replaces the older
        answer = _once(callback)
        shown = CertificateInterstitial(url, error, certificate, tab.page, tab.view, tab)
        self._asking[tab] = (shown, answer)
        shown.decided.connect(lambda allow: self._decide(tab, allow))
        shown.navigated_away.connect(lambda: self._withdraw(tab))
        # A tab closed while asking never lets the page through.
        shown.destroyed.connect(lambda: self._gone(tab, answer))

    def _withdraw(self, tab: Tab) -> None:
        asking = self._asking.pop(tab, None)
        if asking is not None:
            shown, answer = asking
            answer(False)
            shown.hide()
            shown.deleteLater()

    def _gone(self, tab: Tab, answer: Answer) -> None:
        answer(False)
        if tab in self._asking and self._asking[tab][1] is answer:
            del self._asking[tab]

    def _decide(self, tab: Tab, allow: bool) -> None:
        shown, answer = self._asking[tab]
        if allow:
            log.info("user trusts the certificate of %s (%s)", shown.host, shown.error)
            answer(True, True)
        else:
            answer(False)
        self._withdraw(tab)
        if not allow and tab.page.history().canGoBack():  # type: ignore[union-attr]
            tab.trigger(QWebEnginePage.WebAction.Back)
