"""The Proxy panel: the selected partition's proxy mode, rules, bypass list or PAC URL (checked
as they are typed, with core's own parsers), a "test a URL" line answered by
``resolve_proxy``, and the proxy logins the partition remembers."""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QShowEvent
from PyQt6.QtWidgets import (
    QComboBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.net.proxy_config import parse_proxy_config, parse_proxy_rules
from core.session import Session
from gui import aio, panels
from gui.state import PartitionEntry

MODES = (  # (set_proxy's mode, what the user reads)
    ("system", "System settings"),
    ("direct", "Direct (no proxy)"),
    ("auto_detect", "Auto-detect (WPAD)"),
    ("pac_script", "PAC script"),
    ("fixed_servers", "Fixed servers"),
)
FIELDS_OF_MODE = {"fixed_servers": ("rules", "bypass"), "pac_script": ("pac",)}

# Each field's check: core's parser for that argument; it raises with the text to show.
CHECKS: dict[str, Callable[[str], object]] = {
    "rules": parse_proxy_rules,
    "bypass": lambda text: parse_proxy_config("direct", proxy_bypass_rules=text),
    "pac": lambda text: parse_proxy_config("pac_script", pac_script=text),
}


class _Field(QWidget):
    """A caption, a line edit and its error line."""

    def __init__(self, caption: str, placeholder: str) -> None:
        super().__init__()
        self.edit = QLineEdit(placeholderText=placeholder)
        self.error = panels.ErrorLabel()
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(QLabel(caption, objectName="PanelCaption"))
        column.addWidget(self.edit)
        column.addWidget(self.error)


class ProxyPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="ProxyPanel")
        self._session: Session | None = None
        self._generation = 0  # answers for an earlier partition are dropped
        self.mode_combo = QComboBox()
        for mode, text in MODES:
            self.mode_combo.addItem(text, mode)
        self.fields = {
            "rules": _Field("Proxy rules", "http=proxy:3128;https=proxy:3128 or proxy:8080"),
            "bypass": _Field("Bypass rules", "localhost, *.internal, 10.0.0.0/8"),
            "pac": _Field("PAC URL", "http://wpad.example/proxy.pac"),
        }
        self.apply_button = QPushButton("Apply")
        self.apply_button.clicked.connect(self.apply)
        self.status_label = QLabel(objectName="PanelValue", wordWrap=True)
        self.error_label = panels.ErrorLabel()
        self.test_edit = QLineEdit(placeholderText="https://example.org/")
        self.test_edit.returnPressed.connect(self.test_url)
        self.test_button = QPushButton("Test")
        self.test_button.clicked.connect(self.test_url)
        selectable = Qt.TextInteractionFlag.TextSelectableByMouse
        self.test_result = QLabel(objectName="PanelValue", wordWrap=True,
                                  textInteractionFlags=selectable)
        self.credentials_list = QListWidget()
        self.credentials_list.setMaximumHeight(120)
        self.forget_button = QPushButton("Forget")
        self.forget_button.clicked.connect(self.forget_selected)
        self.credentials_list.currentRowChanged.connect(self._sync_forget)

        self.mode_combo.currentIndexChanged.connect(self._mode_changed)
        for field in self.fields.values():
            field.edit.textChanged.connect(self.validate)

        apply_row = panels.stretch_row(self.status_label, self.apply_button)
        test_row = panels.stretch_row(self.test_edit, self.test_button)
        column = panels.panel_column(self)
        column.addWidget(QLabel("Mode", objectName="PanelCaption"))
        column.addWidget(self.mode_combo)
        for field in self.fields.values():
            column.addWidget(field)
        column.addLayout(apply_row)
        column.addWidget(self.error_label)
        column.addSpacing(8)
        column.addWidget(QLabel("Test a URL", objectName="PanelCaption"))
        column.addLayout(test_row)
        column.addWidget(self.test_result)
        column.addSpacing(8)
        column.addWidget(QLabel("Remembered proxy logins", objectName="PanelCaption"))
        column.addWidget(self.credentials_list)
        column.addWidget(self.forget_button, 0, Qt.AlignmentFlag.AlignRight)
        column.addStretch(1)
        self._mode_changed()

    # ----------------------------------------------------------------- binding
    def bind(self, session: Session, entry: PartitionEntry) -> None:
        self._session = session
        self._generation += 1
        saved = session.get_proxy_settings() or {}
        mode = saved.get("mode") or ("system" if not saved else
                                     "pac_script" if saved.get("pac_script")
                                     else "fixed_servers")
        self.mode_combo.setCurrentIndex(max(self.mode_combo.findData(mode), 0))
        for name, argument in (("rules", "proxy_rules"), ("bypass", "proxy_bypass_rules"),
                               ("pac", "pac_script")):
            self.fields[name].edit.setText(saved.get(argument) or "")
        self.status_label.setText("")
        self.test_result.setText("")
        self.error_label.show_error(None)
        self.show_credentials()

    def showEvent(self, event: QShowEvent | None) -> None:
        # A login remembered since the last look (the login dialog answers elsewhere).
        super().showEvent(event)
        self.show_credentials()

    @property
    def mode(self) -> str:
        mode: str = self.mode_combo.currentData()
        return mode

    def _mode_changed(self) -> None:
        shown = FIELDS_OF_MODE.get(self.mode, ())
        for name, field in self.fields.items():
            field.setVisible(name in shown)
        self.validate()

    # ----------------------------------------------------------------- editing and applying
    def validate(self) -> bool:
        """Check the fields the mode uses; show each error by its field; Apply only if valid."""
        valid = True
        shown = FIELDS_OF_MODE.get(self.mode, ())
        for name, field in self.fields.items():
            error = None
            if name in shown:
                try:
                    CHECKS[name](field.edit.text())
                except (TypeError, ValueError) as problem:
                    error = str(problem)
            field.error.show_error(error)
            valid = valid and error is None
        self.apply_button.setEnabled(valid and self._session is not None)
        return valid

    def apply(self) -> None:
        session = self._session
        if session is None or not self.validate():
            return
        mode = self.mode
        shown = FIELDS_OF_MODE.get(mode, ())

        def text(name: str) -> str | None:
            return self.fields[name].edit.text() if name in shown else None

        generation = self._generation
        self.apply_button.setEnabled(False)
        self.status_label.setText("applying…")
        self.error_label.show_error(None)

        def applied(_: None) -> None:
            if generation == self._generation:
                self.status_label.setText("Applied")
                self.validate()

        def failed(error: Exception) -> None:
            if generation == self._generation:
                self.status_label.setText("")
                self.error_label.show_error(f"Proxy not changed: {error}")
                self.validate()

        aio.spawn(self, session.set_proxy(mode=mode, pac_script=text("pac"),
                                          proxy_rules=text("rules"),
                                          proxy_bypass_rules=text("bypass")), applied, failed)

    # ----------------------------------------------------------------- test a URL
    def test_url(self) -> None:
        session = self._session
        url = self.test_edit.text().strip()
        if session is None or not url:
            return
        generation = self._generation
        self.test_result.setText("resolving…")

        def show(text: str) -> None:
            if generation == self._generation:
                self.test_result.setText(text)

        aio.spawn(self, session.resolve_proxy(url), show,
                  lambda error: show(f"cannot resolve: {error}"))

    # ----------------------------------------------------------------- remembered logins
    def show_credentials(self) -> None:
        self.credentials_list.clear()
        if self._session is None:
            return
        for stored in self._session.get_proxy_credentials():
            item = QListWidgetItem(f"{stored.proxy} — {stored.username}")
            item.setData(Qt.ItemDataRole.UserRole, stored.proxy)
            self.credentials_list.addItem(item)
        self._sync_forget()

    def _sync_forget(self) -> None:
        self.forget_button.setEnabled(self.credentials_list.currentItem() is not None)

    def forget_selected(self) -> None:
        session, item = self._session, self.credentials_list.currentItem()
        if session is None or item is None:
            return
        proxy: str = item.data(Qt.ItemDataRole.UserRole)
        generation = self._generation

        def forgotten(_: bool) -> None:
            if generation == self._generation:
                self.show_credentials()

        aio.spawn(self, session.forget_proxy_credentials(proxy), forgotten,
                  lambda error: self.error_label.show_error(f"Cannot forget: {error}"))


panels.register(panels.PanelSpec(
    id="proxy",
    title="Proxy",
    factory=ProxyPanel,
    area=Qt.DockWidgetArea.RightDockWidgetArea,
))
