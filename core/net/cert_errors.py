"""Every page's certificate errors, answered by the session: never silently.

QtWebEngine emits ``QWebEnginePage.certificateError`` for a certificate Chromium refuses.
An answer may come later (a prompt), which QtWebEngine allows only on a *copy* of the error
object made in the slot and ``defer()``-ed there; keeping the signal's own argument and
answering later crashed the process (research/qtwebengine_network.md row 9, Qt 6.11).

The session's ``"certificate-error"`` event gets ``(event, web_contents, url, error,
certificate, callback, is_main_frame)``, as Electron's app ``certificate-error`` does;
``callback(allow, remember=False)`` answers. ``is_main_frame`` is False for a subresource or
a subframe of the page. A listener that will answer later calls ``event.prevent_default()``;
with no answer and no prevent_default during the event, the certificate is refused, as it is
when no listener exists.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from PyQt6.QtWebEngineCore import QWebEngineCertificateError

from core import net_errors
from core.events import Event, EventEmitter
from core.net.certificate import Certificate, from_chain

if TYPE_CHECKING:
    from core.web_contents import WebContents

log = logging.getLogger("partita.net.tls")

EVENT = "certificate-error"

KnownGood = Callable[[str, str], bool]
"""(host, leaf fingerprint) -> True to accept without asking."""
Allowed = Callable[[str, str, Certificate, bool], None]
"""(host, error, certificate, remember): the user let the certificate through."""


class CertificateErrors:
    """Answers the certificate errors of one page."""

    def __init__(self, contents: WebContents, emitter: EventEmitter, known_good: KnownGood,
                 allowed: Allowed) -> None:
        self._contents = contents
        self._emitter = emitter
        self._known_good = known_good
        self._allowed = allowed
        contents.page.certificateError.connect(self._raised)

    def _raised(self, raised: QWebEngineCertificateError) -> None:
        error = QWebEngineCertificateError(raised)  # the only object that may outlive the slot
        error.defer()
        chain = [cert.toDer().data() for cert in error.certificateChain()]
        host = error.url().host().lower()
        # The enum's values are Chromium's net error numbers (the stubs type them as the enum).
        name = net_errors.name_for(cast(int, error.type().value))
        try:
            certificate = from_chain(chain)
        except ValueError as problem:
            log.warning("refusing %s: unreadable certificate (%s)", host, problem)
            error.rejectCertificate()
            return
        if self._known_good(host, certificate.fingerprint):
            log.info("accepting %s for %s: accepted before", name, host)
            error.acceptCertificate()
            return
        answered = False

        def callback(allow: bool, remember: bool = False) -> None:
            nonlocal answered
            if not isinstance(allow, bool) or not isinstance(remember, bool):
                raise TypeError(f"callback(allow: bool, remember: bool), not "
                                f"({allow!r}, {remember!r})")
            if answered:
                return
            answered = True
            if allow and error.isOverridable():
                self._allowed(host, name, certificate, remember)
                error.acceptCertificate()
            else:
                if allow:
                    log.warning("%s for %s cannot be overridden", name, host)
                error.rejectCertificate()

        event = Event()
        self._emitter.emit(EVENT, event, self._contents, error.url().toString(), name,
                           certificate, callback, error.isMainFrame())
        if not answered and not event.default_prevented:
            callback(False)
