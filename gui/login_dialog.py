"""The login dialog: answers a session's "login" event (an upstream proxy's or a page's).

Core asks through Electron's ``login`` event; this dialog defers the answer
(``event.prevent_default()``), asks the user, and answers with the user name, password and,
for a proxy, whether to remember them in the keyring. Cancel answers nothing, which fails the
request as the browser would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PyQt6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from gui.downloads_hooks import Hooks

if TYPE_CHECKING:
    from core.events import Event
    from core.net.login import AuthInfo
    from core.session import Session

LoginCallback = Callable[..., None]


def describe(info: AuthInfo) -> str:
    who = f"The proxy {info.host}:{info.port}" if info.is_proxy else (info.url or info.host)
    realm = f" (“{info.realm}”)" if info.realm else ""
    return f"{who} asks for a user name and password{realm}."


class LoginDialog(QDialog):
    def __init__(self, info: AuthInfo, callback: LoginCallback,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="LoginDialog")
        self.setWindowTitle("Proxy login" if info.is_proxy else "Login")
        self._callback = callback
        self.message = QLabel(describe(info), wordWrap=True)
        self.username_edit = QLineEdit()
        self.password_edit = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        # Only proxy logins are remembered (in the keyring, per partition).
        self.remember_box = QCheckBox("Remember in the keyring", checked=True)
        self.remember_box.setVisible(info.is_proxy)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("User name", self.username_edit)
        form.addRow("Password", self.password_edit)
        form.addRow("", self.remember_box)
        column = QVBoxLayout(self)
        column.addWidget(self.message)
        column.addLayout(form)
        column.addWidget(self.buttons)
        self.finished.connect(self._answer)

    def _answer(self, result: int) -> None:
        if result == QDialog.DialogCode.Accepted:
            self._callback(self.username_edit.text(), self.password_edit.text(),
                           self.remember_box.isChecked())
        else:
            self._callback()


def answer_logins(owner: QWidget, session: Session) -> None:
    """Ask the user, in a dialog over ``owner``, each time ``session`` needs a login; the
    listener goes when ``owner`` does."""

    def login(event: Event, info: AuthInfo, callback: LoginCallback) -> None:
        event.prevent_default()
        dialog = LoginDialog(info, callback, owner)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    Hooks(owner).on(session, ("login",), login)
