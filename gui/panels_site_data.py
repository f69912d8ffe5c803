"""The Site data panel: a partition's cookies by site (search, inspect, delete), the storage
each origin uses, "Clear site", and the "Clear browsing data" dialog.

The list follows the jar live: every cookie ``changed`` event restarts a short timer and the
panel lists the jar once when it fires, so a page setting fifty cookies costs one listing.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from PyQt6.QtCore import QTimer
from PyQt6.QtGui import QShowEvent
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.net.cookies import Cookie, Cookies
from core.session import Session
from gui import aio, panels
from gui import site_data_model as model
from gui import site_data_storage as storage
from gui.clear_data_dialog import ClearDataDialog
from gui.panels_partition import format_bytes
from gui.resources import icon
from gui.site_data_clock import CookieClock, follow
from gui.site_data_details import CookieDetails
from gui.site_data_tree import CookieTree
from gui.state import PartitionEntry

# Long enough to gather a burst of Set-Cookie headers or document.cookie writes into one
# listing, short enough to feel immediate.
COALESCE_MS = 120

STYLE = """
#SiteDataPanel { background: #ffffff; border-left: 1px solid #e3e5ea; }
#SiteDataPanel QTreeWidget { border: 1px solid #e3e5ea; border-radius: 6px; }
#SiteDataPanel QHeaderView::section { background: #f7f8fa; color: #4b5563; border: none;
    border-bottom: 1px solid #e3e5ea; padding: 4px 6px; }
#SiteDataPanel QFrame#CookieDetails { background: #f7f8fa; border-radius: 6px; }
#SiteDataPanel QLineEdit#CookieValue { background: transparent; border: none; padding: 0; }
#SiteDataPanel QPushButton { padding: 4px 10px; }
"""


class SiteDataPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="SiteDataPanel")
        self.setStyleSheet(STYLE)
        self._session: Session | None = None
        self._label = ""
        self._generation = 0  # answers to an earlier refresh or partition are dropped
        self._clocks: dict[Session, CookieClock] = {}
        self._busy = False
        self.cookies: list[Cookie] = []
        self.usage: list[storage.Usage] = []
        self.loaded = False
        """True once the bound partition's jar has been listed (tests wait for it)."""
        self.listings = 0
        """How many times the jar was listed: coalescing keeps it far below the events."""
        self.dialog: ClearDataDialog | None = None

        self._refresh_timer = QTimer(self, singleShot=True, interval=COALESCE_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self._hooked: tuple[Cookies, Callable[..., None]] | None = None  # the jar followed

        self.search_edit = QLineEdit(placeholderText="Search cookies by site or name",
                                     clearButtonEnabled=True)
        self.search_edit.textChanged.connect(self._show_cookies)
        self.refresh_button = QToolButton(objectName="NavButton", autoRaise=True)
        self.refresh_button.setIcon(icon("reload"))
        self.refresh_button.setToolTip("List cookies and measure storage again")
        self.refresh_button.clicked.connect(self.refresh)
        self.summary_label = QLabel(objectName="PanelHint")
        self.tree = CookieTree()
        self.tree.itemSelectionChanged.connect(self._cookie_selected)
        self.details = CookieDetails()
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Delete the selected cookie")
        self.delete_button.clicked.connect(self.delete_cookie)
        self.delete_site_button = QPushButton("Delete site's cookies")
        self.delete_site_button.setToolTip("Delete every cookie of the selected site")
        self.delete_site_button.clicked.connect(self.delete_site_cookies)
        self.clear_site_button = QPushButton("Clear site")
        self.clear_site_button.setToolTip(
            "Clear everything the selected site stores: cookies, local storage, IndexedDB, "
            "service workers, cache storage, file systems")
        self.clear_site_button.clicked.connect(self.clear_site)
        self.storage_list = QTreeWidget(objectName="StorageList", rootIsDecorated=False,
                                        uniformRowHeights=True)
        self.storage_list.setHeaderLabels(("Origin", "Used"))
        header = self.storage_list.header()
        assert header is not None
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.storage_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.storage_list.itemSelectionChanged.connect(self._origin_selected)
        self.storage_hint = QLabel(objectName="PanelHint", wordWrap=True)
        self.error_label = panels.ErrorLabel()
        self.clear_browsing_button = QPushButton("Clear browsing data…")
        self.clear_browsing_button.clicked.connect(self.show_clear_dialog)
        self._layout()
        self._sync_buttons()

    def _layout(self) -> None:
        search_row = QHBoxLayout()
        search_row.addWidget(self.search_edit, 1)
        search_row.addWidget(self.refresh_button)
        actions = QHBoxLayout()
        actions.setSpacing(6)
        actions.addWidget(self.delete_button)
        actions.addWidget(self.delete_site_button)
        actions.addStretch(1)
        clearing = QHBoxLayout()
        clearing.setSpacing(6)
        clearing.addWidget(self.clear_site_button)
        clearing.addWidget(self.clear_browsing_button, 1)
        column = QVBoxLayout(self)
        column.setContentsMargins(12, 12, 12, 12)
        column.setSpacing(6)
        column.addLayout(search_row)
        column.addWidget(self.summary_label)
        column.addWidget(self.tree, 3)
        column.addWidget(self.details)
        column.addLayout(actions)
        column.addSpacing(8)
        column.addWidget(QLabel("Storage used (quota-managed)", objectName="PanelCaption"))
        column.addWidget(self.storage_list, 1)
        column.addWidget(self.storage_hint)
        column.addWidget(self.error_label)
        column.addSpacing(4)
        column.addLayout(clearing)

    # ----------------------------------------------------------------- binding
    def bind(self, session: Session, entry: PartitionEntry) -> None:
        if self._hooked is not None:
            jar, listener = self._hooked
            jar.off("changed", listener)
        self._hooked = (session.cookies, follow(
            self, session.cookies, "changed", lambda *_: self._refresh_timer.start()))
        if session not in self._clocks:
            self._clocks[session] = CookieClock(session, self)
        self._session = session
        self._label = entry.label
        if self.dialog is not None:
            self.dialog.reject()  # it clears the partition shown before
        self.cookies, self.usage, self.loaded = [], [], False
        self._show_cookies()
        self._show_usage()
        self.error_label.show_error(None)
        self.refresh()

    def showEvent(self, event: QShowEvent | None) -> None:
        # Pages write storage without any event to follow: measure when the panel is opened.
        super().showEvent(event)
        self.refresh()

    def refresh(self) -> None:
        session = self._session
        if session is None:
            return
        self._refresh_timer.stop()
        self._generation += 1
        generation = self._generation

        def current(apply: Any) -> Any:
            return lambda value: apply(value) if generation == self._generation else None

        show = self.error_label.show_error
        aio.spawn(self, session.cookies.all(), current(self._listed),
                  current(lambda error: show(f"Cannot list cookies: {error}")))
        aio.spawn(self, storage.measure(session), current(self._measured),
                  current(lambda error: show(f"Cannot measure storage: {error}")))

    # ----------------------------------------------------------------- cookies
    def _listed(self, jar: list[Cookie]) -> None:
        self.cookies, self.loaded = jar, True
        self.listings += 1
        self._show_cookies()

    def _show_cookies(self) -> None:
        query = self.search_edit.text().strip()
        sites = model.sites(self.cookies, query)
        self.tree.show_sites(sites, expand_all=bool(query))
        shown = sum(len(site.cookies) for site in sites)
        if not self.loaded:
            self.summary_label.setText("Reading cookies…")
        elif query and not shown:
            self.summary_label.setText(f"No cookie matches “{query}”")
        else:
            self.summary_label.setText(f"{model.count_text(shown)} on {len(sites)} site"
                                       + ("" if len(sites) == 1 else "s"))

    def _cookie_selected(self) -> None:
        if self.tree.selected_item() is not None:
            self.storage_list.clearSelection()
        self.details.show_cookie(self.tree.selected_cookie())
        self._sync_buttons()

    def selected_site(self) -> str | None:
        """The site of the selected cookie or site row, else of the selected origin."""
        site = self.tree.selected_site()
        if site is not None:
            return site
        items = self.storage_list.selectedItems()
        return storage.site_of_origin(items[0].text(0)) if items else None

    def _sync_buttons(self) -> None:
        idle = self._session is not None and not self._busy
        site = self.selected_site()
        self.delete_button.setEnabled(idle and self.tree.selected_cookie() is not None)
        self.delete_site_button.setEnabled(idle and site is not None and any(
            model.site_of(cookie) == site for cookie in self.cookies))
        self.clear_site_button.setEnabled(idle and site is not None)
        self.clear_browsing_button.setEnabled(idle)

    # ----------------------------------------------------------------- storage
    def _measured(self, usage: list[storage.Usage]) -> None:
        self.usage = usage
        self._show_usage()

    def _show_usage(self) -> None:
        kept = [item.text(0) for item in self.storage_list.selectedItems()]
        self.storage_list.blockSignals(True)
        self.storage_list.clear()
        for usage in self.usage:
            item = QTreeWidgetItem([usage.origin, format_bytes(usage.total)])
            item.setToolTip(1, "\n".join(f"{name}: {format_bytes(size)}"
                                         for name, size in usage.by_store.items()) or "nothing")
            self.storage_list.addTopLevelItem(item)
            item.setSelected(usage.origin in kept)
        self.storage_list.blockSignals(False)
        self.storage_hint.setText(
            "" if self.usage else "No origin of this partition has cookies or open pages.")
        self.storage_hint.setVisible(not self.usage)
        self._sync_buttons()

    def _origin_selected(self) -> None:
        if self.storage_list.selectedItems():
            self.tree.clearSelection()
        self._sync_buttons()

    # ----------------------------------------------------------------- actions
    def delete_cookie(self) -> None:
        cookie = self.tree.selected_cookie()
        if cookie is not None and self._session is not None:
            self._run("Cookie not deleted", self._session.cookies.delete([cookie]))

    def delete_site_cookies(self) -> None:
        site = self.selected_site()
        if site is not None and self._session is not None:
            doomed = [cookie for cookie in self.cookies if model.site_of(cookie) == site]
            self._run("Cookies not deleted", self._session.cookies.delete(doomed))

    def clear_site(self) -> None:
        site = self.selected_site()
        if site is not None and self._session is not None:
            self._run("Site not cleared", _clear_site(self._session, site))

    def _run(self, failure: str, job: Coroutine[Any, Any, None]) -> None:
        self._busy = True
        self.error_label.show_error(None)
        self._sync_buttons()

        def finished() -> None:
            self._busy = False
            self._sync_buttons()
            self.refresh()

        def failed(error: Exception) -> None:
            finished()
            self.error_label.show_error(f"{failure}: {error}")

        aio.spawn(self, job, lambda _: finished(), failed)

    def show_clear_dialog(self) -> ClearDataDialog | None:
        session = self._session
        if session is None:
            return None
        dialog = ClearDataDialog(session, self._label, self._clocks[session], self)
        dialog.accepted.connect(self.refresh)
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        dialog.finished.connect(lambda _: self._forget(dialog))
        dialog.open()
        return dialog

    def _forget(self, dialog: ClearDataDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None



async def _clear_site(session: Session, site: str) -> None:
    """Every kind of data of every origin of ``site``; clear_data removes its cookies by
    registrable domain, so one origin of the site takes all of them."""
    origins = sorted(origin for origin in await storage.origins(session)
                     if storage.site_of_origin(origin) == site)
    if origins:
        await session.clear_data(origins=origins)


panels.register(panels.PanelSpec(
    id="site-data",
    title="Site data",
    factory=SiteDataPanel,
    shortcut="Ctrl+Shift+K",
))
