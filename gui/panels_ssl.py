"""The SSL panel: the selected partition's TLS versions, the cipher suites it refuses (chosen
by name), and the certificates the user chose to trust anyway, each revocable."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PyQt6.QtCore import QTimer
from PyQt6.QtGui import QHideEvent, QShowEvent, QStandardItemModel
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.errors import NotSupportedError
from core.session import Session
from gui import panels
from gui.state import PartitionEntry
from gui.tls_ciphers import CIPHER_SUITES, code_text, name_of

# Electron's values, oldest first; Electron takes tls1.2 or tls1.3 as the maximum only.
VERSIONS = {"tls1": "TLS 1.0", "tls1.1": "TLS 1.1", "tls1.2": "TLS 1.2", "tls1.3": "TLS 1.3"}
MAX_VERSIONS = ("tls1.2", "tls1.3")
DEFAULT_MIN, DEFAULT_MAX = "tls1", "tls1.3"  # what Electron documents when none is set
# Core emits no event when an exception is added (the interstitial's Proceed) or revoked, so
# the panel re-reads the list while it is on screen; the read is one small settings lookup.
EXCEPTIONS_POLL_MS = 1000


def _date(timestamp: float | None) -> str:
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d") if timestamp else "unknown"


class SslPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="SslPanel")
        self._session: Session | None = None
        self.exceptions: list[dict[str, Any]] = []
        self.min_combo = QComboBox()
        self.max_combo = QComboBox()
        for value, text in VERSIONS.items():
            self.min_combo.addItem(text, value)
            if value in MAX_VERSIONS:
                self.max_combo.addItem(text, value)
        self.min_combo.currentIndexChanged.connect(self._keep_max_above_min)
        self.version_hint = QLabel(objectName="PanelHint", wordWrap=True)
        self.cipher_boxes: dict[int, QCheckBox] = {}
        """The check box of each listed suite by its code; checked = disabled."""
        self.cipher_area = QScrollArea(objectName="CipherList", widgetResizable=True)
        self.apply_button = QPushButton("Apply")
        self.apply_button.clicked.connect(self.apply)
        self.state_label = QLabel(objectName="PanelValue", wordWrap=True)
        self.exception_tree = QTreeWidget(objectName="CertificateExceptions",
                                          rootIsDecorated=False, uniformRowHeights=True)
        self.exception_tree.setHeaderLabels(("Host", "Certificate", "Error"))
        header = self.exception_tree.header()
        assert header is not None  # a QTreeWidget always has its header
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.exception_tree.itemSelectionChanged.connect(self._sync_revoke)
        self.revoke_button = QPushButton("Revoke")
        self.revoke_button.setToolTip("Ask again before trusting this certificate")
        self.revoke_button.clicked.connect(self.revoke)
        self.exceptions_hint = QLabel(objectName="PanelHint", wordWrap=True)
        self.error_label = panels.ErrorLabel()
        self._poll = QTimer(self, interval=EXCEPTIONS_POLL_MS, objectName="ExceptionsPoll")
        self._poll.timeout.connect(self.refresh_exceptions)
        self._layout()
        self._sync_revoke()

    def _layout(self) -> None:
        versions = QFormLayout()
        versions.addRow("Minimum", self.min_combo)
        versions.addRow("Maximum", self.max_combo)
        apply_row = panels.stretch_row(self.state_label, self.apply_button)
        revoke_row = panels.stretch_row(self.exceptions_hint, self.revoke_button)
        column = panels.panel_column(self)
        column.addWidget(QLabel("TLS versions", objectName="PanelCaption"))
        column.addLayout(versions)
        column.addWidget(self.version_hint)
        column.addSpacing(8)
        column.addWidget(QLabel("Disabled cipher suites", objectName="PanelCaption"))
        column.addWidget(QLabel("Checked suites are refused. TLS 1.3 suites cannot be "
                                "disabled.", objectName="PanelHint", wordWrap=True))
        column.addWidget(self.cipher_area, 2)
        column.addLayout(apply_row)
        column.addSpacing(8)
        column.addWidget(QLabel("Certificate exceptions", objectName="PanelCaption"))
        column.addWidget(self.exception_tree, 1)
        column.addLayout(revoke_row)
        column.addWidget(self.error_label)

    def bind(self, session: Session, entry: PartitionEntry) -> None:
        self._session = session
        self.error_label.show_error(None)
        self.show_config()
        self.refresh_exceptions()

    def showEvent(self, event: QShowEvent | None) -> None:
        super().showEvent(event)
        self.refresh_exceptions()
        self._poll.start()

    def hideEvent(self, event: QHideEvent | None) -> None:
        super().hideEvent(event)
        self._poll.stop()

    # ----------------------------------------------------------------- TLS configuration
    def show_config(self) -> None:
        """Show the session's TLS configuration as it is now, discarding unapplied edits."""
        if self._session is None:
            return
        config = self._session.get_ssl_config()
        self.min_combo.setCurrentIndex(
            self.min_combo.findData(config["min_version"] or DEFAULT_MIN))
        self.max_combo.setCurrentIndex(
            self.max_combo.findData(config["max_version"] or DEFAULT_MAX))
        disabled = set(config["disabled_cipher_suites"] or ())
        boxes = QWidget(objectName="CipherBoxes")
        rows = QVBoxLayout(boxes)
        rows.setContentsMargins(6, 4, 6, 4)  # narrow: the longest name fits the side dock
        rows.setSpacing(2)
        # Suites this table does not know (set through the API) stay listed, and kept.
        self.cipher_boxes = {}
        for code in [*CIPHER_SUITES, *sorted(disabled - CIPHER_SUITES.keys())]:
            box = QCheckBox(name_of(code), checked=code in disabled, toolTip=code_text(code))
            rows.addWidget(box)
            self.cipher_boxes[code] = box
        rows.addStretch(1)
        self.cipher_area.setWidget(boxes)  # deletes the previous boxes
        count = len(disabled)
        self.state_label.setText(
            f"Now {VERSIONS[self.min_version()]} to {VERSIONS[self.max_version()]}; "
            + (f"{count} suite{'s' if count != 1 else ''} disabled" if count
               else "no suite disabled"))
        self.version_hint.clear()

    def min_version(self) -> str:
        return str(self.min_combo.currentData())

    def max_version(self) -> str:
        return str(self.max_combo.currentData())

    def disabled_cipher_suites(self) -> list[int]:
        """The codes of the checked suites, in the list's order."""
        return [code for code, box in self.cipher_boxes.items() if box.isChecked()]

    def _keep_max_above_min(self) -> None:
        """A maximum below the minimum cannot be chosen: those entries are greyed out, and a
        minimum above the chosen maximum raises it."""
        versions = list(VERSIONS)
        lowest = versions.index(self.min_version())
        model = self.max_combo.model()
        assert isinstance(model, QStandardItemModel)  # QComboBox's own model
        for row in range(self.max_combo.count()):
            item = model.item(row)
            assert item is not None
            item.setEnabled(versions.index(str(self.max_combo.itemData(row))) >= lowest)
        if versions.index(self.max_version()) < lowest:
            self.max_combo.setCurrentIndex(self.max_combo.findData(self.min_version()))
            self.version_hint.setText(f"Maximum raised to {VERSIONS[self.max_version()]}: "
                                      "it cannot be below the minimum.")
        else:
            self.version_hint.clear()

    def apply(self) -> None:
        if self._session is None:
            return
        try:
            self._session.set_ssl_config(min_version=self.min_version(),
                                         max_version=self.max_version(),
                                         disabled_cipher_suites=self.disabled_cipher_suites())
        except (TypeError, ValueError, NotSupportedError) as error:
            self.error_label.show_error(f"TLS settings not changed: {error}")
            return
        self.error_label.show_error(None)
        self.show_config()

    # ----------------------------------------------------------------- exceptions
    def refresh_exceptions(self) -> None:
        if self._session is None:
            return
        exceptions = self._session.get_certificate_exceptions()
        if exceptions == self.exceptions:
            return  # unchanged: keep the user's selection
        self.exceptions = exceptions
        self.exception_tree.clear()
        for exception in exceptions:
            item = QTreeWidgetItem(self.exception_tree, [
                exception["host"], exception["subject_name"], exception["error"]])
            item.setToolTip(1, "\n".join((
                f"Issued by {exception['issuer_name']}",
                f"Valid until {_date(exception['valid_expiry'])}",
                f"Fingerprint {exception['fingerprint']}")))
        self.exceptions_hint.setText(
            "Certificates trusted here although they failed verification."
            if exceptions else "No certificate is trusted by exception.")
        self._sync_revoke()

    def selected_exception(self) -> dict[str, Any] | None:
        item = self.exception_tree.currentItem()
        if item is None or not item.isSelected():
            return None
        return self.exceptions[self.exception_tree.indexOfTopLevelItem(item)]

    def _sync_revoke(self) -> None:
        self.revoke_button.setEnabled(self.selected_exception() is not None)

    def revoke(self) -> None:
        exception = self.selected_exception()
        if self._session is None or exception is None:
            return
        self._session.revoke_certificate_exception(exception["host"], exception["fingerprint"])
        self.refresh_exceptions()


panels.register(panels.PanelSpec(
    id="ssl",
    title="SSL",
    factory=SslPanel,
))
