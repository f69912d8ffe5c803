"""The page shown instead of a site whose certificate failed verification.

It covers the tab's view (the page underneath stays as it was) and says, in words, what is
wrong and with which certificate. It decides nothing itself: ``decided(allow)`` goes to the
guard (gui/cert_guard.py), which answers the session's callback.
"""

from __future__ import annotations

import hashlib
import ssl
from datetime import datetime

from PyQt6.QtCore import QEvent, QObject, Qt, QUrl, pyqtSignal
from PyQt6.QtWebEngineCore import QWebEngineNavigationRequest, QWebEnginePage
from PyQt6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.net.certificate import Certificate

TITLE = "This connection is not private"
# What each net:: certificate error means for the user, after Chrome's interstitial texts
# (components/security_interstitials); ``{host}`` is the site's host.
EXPLANATIONS = {
    "net::ERR_CERT_AUTHORITY_INVALID":
        "The certificate of {host} is not issued by an authority this browser trusts. "
        "It may be self-signed, or someone may be intercepting the connection.",
    "net::ERR_CERT_COMMON_NAME_INVALID":
        "The certificate is not for {host}: it was issued to another name. "
        "The site may be misconfigured, or someone may be impersonating it.",
    "net::ERR_CERT_DATE_INVALID":
        "The certificate of {host} has expired or is not valid yet. "
        "Check that your computer's clock is right.",
    "net::ERR_CERT_REVOKED":
        "The certificate of {host} has been revoked by the authority that issued it.",
    "net::ERR_CERT_INVALID":
        "The certificate of {host} is malformed or cannot be understood.",
    "net::ERR_CERT_CONTAINS_ERRORS":
        "The certificate of {host} contains errors.",
    "net::ERR_CERT_WEAK_SIGNATURE_ALGORITHM":
        "The certificate of {host} is signed with a weak algorithm that can be forged.",
    "net::ERR_CERT_WEAK_KEY":
        "The certificate of {host} uses a key too weak to be safe.",
    "net::ERR_CERT_NAME_CONSTRAINT_VIOLATION":
        "The certificate of {host} was issued by an authority not allowed to issue it.",
    "net::ERR_CERT_VALIDITY_TOO_LONG":
        "The certificate of {host} is valid for longer than certificates may be.",
    "net::ERR_CERT_NON_UNIQUE_NAME":
        "The certificate of {host} names a host that is not unique on the internet.",
    "net::ERR_CERT_UNABLE_TO_CHECK_REVOCATION":
        "Whether the certificate of {host} has been revoked could not be checked.",
    "net::ERR_CERT_NO_REVOCATION_MECHANISM":
        "The certificate of {host} offers no way to check whether it has been revoked.",
    "net::ERR_CERT_KNOWN_INTERCEPTION_BLOCKED":
        "The certificate of {host} belongs to known interception software.",
    "net::ERR_CERTIFICATE_TRANSPARENCY_REQUIRED":
        "The certificate of {host} was not publicly logged, as certificates must be.",
    "net::ERR_SSL_PINNED_KEY_NOT_IN_CERT_CHAIN":
        "The certificate of {host} is not one this site is known to use.",
}
UNKNOWN_EXPLANATION = "The certificate of {host} failed verification."
WARNING = ("Someone might be trying to read what you send to {host}, such as passwords, "
           "messages or card numbers.")


def sha256_fingerprint(pem: str) -> str:
    """The SHA-256 of the certificate's DER bytes, as colon-separated hex (as Qt, Firefox
    and Chrome's certificate viewer show it)."""
    digest = hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest().upper()
    return ":".join(digest[index:index + 2] for index in range(0, len(digest), 2))


def _date(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


class CertificateInterstitial(QFrame):
    decided = pyqtSignal(bool)
    """True: proceed (trust this certificate for the host); False: back to safety."""
    navigated_away = pyqtSignal()
    """The page started another main-frame navigation: the question no longer stands."""

    def __init__(self, url: str, error: str, certificate: Certificate,
                 page: QWebEnginePage, cover: QWidget, parent: QWidget) -> None:
        super().__init__(parent, objectName="CertificateInterstitial")
        self.setAutoFillBackground(True)
        self.url = url
        self.error = error
        self.host = QUrl(url).host()  # what an exception is remembered for: any port
        self._cover = cover
        self.title_label = QLabel(TITLE, objectName="InterstitialTitle")
        font = self.title_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        self.title_label.setFont(font)
        self.host_label = QLabel(self.host, objectName="InterstitialHost")
        self.host_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.explanation_label = QLabel(
            EXPLANATIONS.get(error, UNKNOWN_EXPLANATION).format(host=self.host)
            + " " + WARNING.format(host=self.host), wordWrap=True)
        self.error_label = QLabel(error, objectName="InterstitialCode")
        self.details = self._details(certificate)
        self.back_button = QPushButton("Back to safety", default=True, autoDefault=True)
        self.back_button.clicked.connect(lambda: self.decided.emit(False))
        self.proceed_button = QPushButton("Proceed anyway", autoDefault=False)
        self.proceed_button.setToolTip(
            f"Trust this certificate for {self.host} in this partition, until you revoke it "
            "in the SSL panel")
        self.proceed_button.clicked.connect(lambda: self.decided.emit(True))

        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.proceed_button)
        body = QWidget(maximumWidth=640)
        column = QVBoxLayout(body)
        column.setSpacing(10)
        for widget in (self.title_label, self.host_label, self.explanation_label, self.error_label):
            column.addWidget(widget)
        column.addSpacing(6)
        column.addLayout(self.details)
        column.addSpacing(12)
        column.addLayout(buttons)
        # Centred by stretches, not by an alignment flag: an aligned widget gets its size
        # hint, which leaves the wrapped explanation too little height.
        middle = QHBoxLayout()
        middle.addStretch(1)
        middle.addWidget(body, 4)
        middle.addStretch(1)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addLayout(middle)
        outer.addStretch(2)

        # A bound method: the connection ends with this widget.
        page.navigationRequested.connect(self._navigation_requested)
        cover.installEventFilter(self)
        self.setGeometry(cover.geometry())
        self.show()
        self.raise_()
        self.back_button.setFocus()

    def _details(self, certificate: Certificate) -> QFormLayout:
        selectable = Qt.TextInteractionFlag.TextSelectableByMouse
        form = QFormLayout()
        self.fingerprint = sha256_fingerprint(certificate.data)
        names = (
            ("Issued to", certificate.subject_name),
            ("Issued by", certificate.issuer_name),
        )
        for caption, text in names:
            form.addRow(caption, QLabel(text, wordWrap=True, textInteractionFlags=selectable))
        form.addRow("Valid", QLabel(
            f"{_date(certificate.valid_start)} to {_date(certificate.valid_expiry)}"))
        # Two lines of 16 bytes: 95 characters without a space cannot wrap.
        form.addRow("SHA-256", QLabel(f"{self.fingerprint[:47]}\n{self.fingerprint[48:]}",
                                      textInteractionFlags=selectable))
        return form

    def _navigation_requested(self, request: QWebEngineNavigationRequest) -> None:
        if request.isMainFrame():
            self.navigated_away.emit()

    def eventFilter(self, watched: QObject | None, event: QEvent | None) -> bool:
        # Follow the view it covers when the tab is resized or its layout moves the view.
        if watched is self._cover and event is not None and event.type() in (
                QEvent.Type.Resize, QEvent.Type.Move):
            self.setGeometry(self._cover.geometry())
        return False
