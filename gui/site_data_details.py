"""The selected cookie, every field in full, under the Site data panel's list."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QFormLayout, QFrame, QLabel, QLineEdit, QStackedLayout, QWidget

from core.net.cookies import Cookie
from gui import site_data_model as model

FIELDS = ("Name", "Value", "Domain", "Path", "Expires", "Flags")


def _values(cookie: Cookie) -> dict[str, str]:
    scope = "host only" if cookie.host_only else "domain and subdomains"
    return {
        "Name": cookie.name,
        "Value": cookie.value,
        "Domain": f"{cookie.domain}  ({scope})",
        "Path": cookie.path,
        "Expires": model.expiry_text(cookie),
        "Flags": model.flags_text(cookie),
    }


class CookieDetails(QFrame):
    """A hint while nothing is selected, else the cookie's fields (selectable text)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="CookieDetails")
        self.hint = QLabel("Select a cookie to see its details.", objectName="PanelHint")
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.fields: dict[str, QLabel | QLineEdit] = {}
        fields = QWidget()
        form = QFormLayout(fields)
        form.setContentsMargins(0, 0, 0, 0)
        form.setVerticalSpacing(3)
        for name in FIELDS:
            field: QLabel | QLineEdit
            if name == "Value":
                # A value can be kilobytes of one token: a read-only line scrolls and copies
                # it whole, where a label would have to grow or break it.
                field = QLineEdit(objectName="CookieValue", readOnly=True, frame=False,
                                  placeholderText="(empty)")
            else:
                label = QLabel(objectName="PanelValue", wordWrap=True,
                               textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
                # Names and domains come from pages: never rich text.
                label.setTextFormat(Qt.TextFormat.PlainText)
                field = label
            self.fields[name] = field
            form.addRow(QLabel(name, objectName="PanelCaption"), field)
        self.setContentsMargins(8, 6, 8, 6)
        self._stack = QStackedLayout(self)
        self._stack.addWidget(self.hint)
        self._stack.addWidget(fields)
        self.cookie: Cookie | None = None

    def show_cookie(self, cookie: Cookie | None) -> None:
        self.cookie = cookie
        if cookie is None:
            self._stack.setCurrentIndex(0)
            return
        for name, text in _values(cookie).items():
            self.fields[name].setText(text)
        value = self.fields["Value"]
        assert isinstance(value, QLineEdit)
        value.setCursorPosition(0)
        self._stack.setCurrentIndex(1)
