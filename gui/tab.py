"""One browser tab: a core WebContents shown in a view, under its own navigation bar."""

from __future__ import annotations

from PyQt6 import sip
from PyQt6.QtCore import QUrl, pyqtSignal
from PyQt6.QtGui import QIcon
from PyQt6.QtWebEngineCore import QWebEngineNewWindowRequest, QWebEnginePage
from PyQt6.QtWebEngineWidgets import QWebEngineView
from PyQt6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QProgressBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core import app
from core.session import Session
from core.web_contents import WebContents
from gui.address import DEFAULT_SEARCH_TEMPLATE, to_url
from gui.resources import icon

BLANK = "about:blank"
_Action = QWebEnginePage.WebAction


class Tab(QWidget):
    """Owns its WebContents and closes it in ``dispose()``."""

    title_changed = pyqtSignal(str)
    icon_changed = pyqtSignal(QIcon)
    url_changed = pyqtSignal(str)
    new_window_requested = pyqtSignal(object)
    """Carries the page's QWebEngineNewWindowRequest, valid only while the signal runs."""
    close_requested = pyqtSignal()
    loading_changed = pyqtSignal(bool)

    def __init__(self, session: Session, search_template: str = DEFAULT_SEARCH_TEMPLATE,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.contents = WebContents(session)
        self.search_template = search_template
        self._url = BLANK  # what the tab shows or is about to show, before the page says so
        self.is_loading = False
        page = self.contents.page
        self.view = QWebEngineView(self)
        self.view.setPage(page)

        self.address = QLineEdit(objectName="AddressBar")
        self.address.setPlaceholderText("Search or enter address")
        self.address.returnPressed.connect(self._address_entered)
        self.progress = QProgressBar(objectName="LoadProgress", textVisible=False)
        self.progress.setRange(0, 100)
        self.progress.setValue(0)

        self.back_button = self._nav_button(_Action.Back, "back", "Back (Alt+Left)")
        self.forward_button = self._nav_button(_Action.Forward, "forward", "Forward (Alt+Right)")
        self.reload_button = self._nav_button(_Action.Reload, "reload", "Reload (F5)")
        self.stop_button = self._nav_button(_Action.Stop, "stop", "Stop (Esc)")
        self.stop_button.hide()

        bar = QFrame(objectName="NavBar")
        row = QHBoxLayout(bar)
        row.setContentsMargins(8, 6, 10, 6)
        row.setSpacing(2)
        for button in (self.back_button, self.forward_button, self.reload_button,
                       self.stop_button):
            row.addWidget(button)
        row.addSpacing(6)
        row.addWidget(self.address, 1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(bar)
        column.addWidget(self.progress)
        column.addWidget(self.view, 1)

        page.titleChanged.connect(self.title_changed)
        page.iconChanged.connect(self._icon_changed)
        page.urlChanged.connect(self._url_changed)
        page.loadStarted.connect(self._load_started)
        page.loadProgress.connect(self.progress.setValue)
        page.loadFinished.connect(self._load_finished)
        page.newWindowRequested.connect(self._new_window)
        page.windowCloseRequested.connect(self.close_requested)

    def _nav_button(self, action: QWebEnginePage.WebAction, icon_name: str,
                    tip: str) -> QToolButton:
        # The page's own action keeps its enabled state in step with the history.
        qaction = self.contents.page.action(action)
        assert qaction is not None  # every WebAction has an action on a live page
        qaction.setIcon(icon(icon_name))
        qaction.setToolTip(tip)
        button = QToolButton(objectName="NavButton")
        button.setDefaultAction(qaction)
        button.setAutoRaise(True)
        return button

    # ----------------------------------------------------------------- state
    @property
    def page(self) -> QWebEnginePage:
        return self.contents.page

    @property
    def url(self) -> str:
        return self._url

    @property
    def title(self) -> str:
        title = self.page.title()
        if title and title != self._url:
            return title
        return "New tab" if self._url == BLANK else QUrl(self._url).host() or self._url

    # ----------------------------------------------------------------- navigation
    def load(self, url: str) -> None:
        self._url = url
        self._show_address(url)
        self.page.load(QUrl(url))

    def navigate(self, text: str) -> None:
        """Load what the user typed: a URL or search terms."""
        self.load(to_url(text, self.search_template, app.privileged_schemes()))
        self.view.setFocus()

    def trigger(self, action: QWebEnginePage.WebAction) -> None:
        self.page.triggerAction(action)

    def focus_address(self) -> None:
        self.address.setFocus()
        self.address.selectAll()

    def _address_entered(self) -> None:
        self.navigate(self.address.text())

    def _show_address(self, url: str) -> None:
        # Leave the text alone while the user is typing in it.
        if not self.address.hasFocus() or not self.address.isModified():
            self.address.setText("" if url == BLANK else url)
            self.address.setModified(False)
            self.address.setCursorPosition(0)

    def _url_changed(self, url: QUrl) -> None:
        text = url.toString()
        if text:
            self._url = text
            self._show_address(text)
            self.url_changed.emit(text)

    def _new_window(self, request: QWebEngineNewWindowRequest) -> None:
        self.new_window_requested.emit(request)

    def _icon_changed(self, favicon: QIcon) -> None:
        self.icon_changed.emit(icon("globe") if favicon.isNull() else favicon)

    def _load_started(self) -> None:
        self.progress.setValue(5)
        self.reload_button.hide()
        self.stop_button.show()
        self.is_loading = True
        self.loading_changed.emit(True)

    def _load_finished(self, ok: bool) -> None:
        self.progress.setValue(0)
        self.stop_button.hide()
        self.reload_button.show()
        self.is_loading = False
        self.loading_changed.emit(False)

    # ----------------------------------------------------------------- end
    def dispose(self) -> None:
        """Delete the view, then close the WebContents (a view must not outlive its page)."""
        if self.contents.is_destroyed():
            return
        if not sip.isdeleted(self.view):
            sip.delete(self.view)
        self.contents.close()
