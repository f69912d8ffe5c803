"""The tabs of one partition. Its open URLs are written back into the partition's entry."""

from __future__ import annotations

from PyQt6.QtCore import Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QIcon
from PyQt6.QtWebEngineCore import QWebEngineNewWindowRequest
from PyQt6.QtWidgets import QHBoxLayout, QTabWidget, QToolButton, QVBoxLayout, QWidget

from core.session import Session
from gui.address import DEFAULT_SEARCH_TEMPLATE
from gui.cert_guard import CertificateGuard
from gui.resources import icon
from gui.state import PartitionEntry
from gui.tab import BLANK, Tab


class PartitionBrowser(QWidget):
    """A tab widget whose tabs all browse in one session."""

    changed = pyqtSignal()
    """The open tabs or the current one changed (the entry has been updated)."""
    current_changed = pyqtSignal()
    """Another tab became current, or the current tab started or stopped loading."""

    def __init__(self, entry: PartitionEntry, session: Session,
                 search_template: str = DEFAULT_SEARCH_TEMPLATE,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.entry = entry
        self.session = session
        self.search_template = search_template
        self._restoring = False
        self.tabs = QTabWidget(objectName="Tabs")
        self.tabs.setDocumentMode(True)
        self.tabs.setTabsClosable(True)
        self.tabs.setMovable(True)
        self.tabs.setElideMode(Qt.TextElideMode.ElideRight)
        self.tabs.setUsesScrollButtons(True)
        self.new_tab_button = QToolButton(objectName="NewTabButton")
        self.new_tab_button.setIcon(icon("plus"))
        self.new_tab_button.setToolTip("New tab (Ctrl+T)")
        self.new_tab_button.setAutoRaise(True)
        self.new_tab_button.clicked.connect(lambda: self.new_tab())
        # A plain container, so the strip behind the button has the tab bar's colour.
        corner = QWidget(objectName="TabCorner")
        corner_layout = QHBoxLayout(corner)
        corner_layout.setContentsMargins(2, 4, 6, 0)
        corner_layout.addWidget(self.new_tab_button)
        self.tabs.setCornerWidget(corner)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        self.tabs.currentChanged.connect(self._record)
        self.tabs.currentChanged.connect(self.current_changed)
        tab_bar = self.tabs.tabBar()
        assert tab_bar is not None  # a QTabWidget always has its bar
        tab_bar.tabMoved.connect(self._record)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self.certificates = CertificateGuard(self)
        """Asks the user about this partition's certificate errors, in the failing tab."""
        self._restore()

    # ----------------------------------------------------------------- tabs
    def _restore(self) -> None:
        self._restoring = True
        try:
            for url in self.entry.tabs or [BLANK]:
                self.new_tab(url, focus=False)
            self.tabs.setCurrentIndex(min(max(self.entry.current_tab, 0), self.count() - 1))
        finally:
            self._restoring = False
        self._record()

    def count(self) -> int:
        return self.tabs.count()

    def tab(self, index: int) -> Tab:
        widget = self.tabs.widget(index)
        assert isinstance(widget, Tab), f"no tab at {index}"
        return widget

    def current(self) -> Tab | None:
        widget = self.tabs.currentWidget()
        return widget if isinstance(widget, Tab) else None

    def all_tabs(self) -> list[Tab]:
        return [self.tab(index) for index in range(self.count())]

    def new_tab(self, url: str | None = None, focus: bool = True) -> Tab:
        """Open a tab after the current one; without a URL it is blank, address bar focused."""
        tab = Tab(self.session, self.search_template)
        tab.title_changed.connect(lambda _title: self._retitle(tab))
        tab.icon_changed.connect(lambda favicon: self._set_icon(tab, favicon))
        tab.url_changed.connect(lambda _url: self._url_changed(tab))
        tab.new_window_requested.connect(self._new_window)
        tab.loading_changed.connect(lambda _loading: self._loading_changed(tab))
        # A page that closes itself (window.close()) is inside its own signal: close later.
        tab.close_requested.connect(lambda: QTimer.singleShot(0, lambda: self.close_tab(tab)))
        position = self.tabs.currentIndex() + 1 if self.count() and not self._restoring \
            else self.count()
        self.tabs.insertTab(position, tab, icon("globe"), tab.title)
        if not self._restoring:
            self.tabs.setCurrentIndex(position)
        if url is not None and url != BLANK:
            tab.load(url)
        if focus and not self._restoring:
            tab.focus_address()
        self._record()
        return tab

    def close_tab(self, which: int | Tab) -> None:
        """Close a tab and its WebContents; the last tab is replaced by a blank one."""
        index = self.tabs.indexOf(which) if isinstance(which, Tab) else which
        if index < 0:
            return  # already closed
        tab = self.tab(index)
        if self.count() == 1:
            self.new_tab()
        self.tabs.removeTab(self.tabs.indexOf(tab))
        tab.dispose()
        tab.deleteLater()
        self._record()

    def step(self, delta: int) -> None:
        """Ctrl+Tab / Ctrl+Shift+Tab: the next or previous tab, wrapping around."""
        if self.count():
            self.tabs.setCurrentIndex((self.tabs.currentIndex() + delta) % self.count())

    def _new_window(self, request: QWebEngineNewWindowRequest) -> None:
        # target=_blank and window.open: a new tab of the same partition adopts the new page,
        # so the opener relationship and any POST body survive.
        tab = self.new_tab(focus=False)
        request.openIn(tab.page)

    # ----------------------------------------------------------------- titles and state
    def _retitle(self, tab: Tab) -> None:
        index = self.tabs.indexOf(tab)
        if index >= 0:
            self.tabs.setTabText(index, tab.title)
            self.tabs.setTabToolTip(index, f"{tab.title}\n{tab.url}")

    def _set_icon(self, tab: Tab, favicon: QIcon) -> None:
        index = self.tabs.indexOf(tab)
        if index >= 0:
            self.tabs.setTabIcon(index, favicon)

    def _loading_changed(self, tab: Tab) -> None:
        if tab is self.current():
            self.current_changed.emit()

    def _url_changed(self, tab: Tab) -> None:
        self._retitle(tab)
        self._record()

    def _record(self) -> None:
        if self._restoring:
            return
        self.entry.tabs = [tab.url for tab in self.all_tabs()]
        self.entry.current_tab = max(self.tabs.currentIndex(), 0)
        self.changed.emit()

    def dispose(self) -> None:
        """Close every page without touching the remembered tabs (the window is closing)."""
        self._restoring = True  # freezes the entry: these tabs come back next time
        for tab in self.all_tabs():
            tab.dispose()
