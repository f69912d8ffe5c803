"""The cookie list of the Site data panel: one row per site, its cookies below it."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from core.net.cookie_model import Key
from core.net.cookies import Cookie
from gui import site_data_model as model

COLUMNS = ("Name", "Value", "Domain", "Path", "Expires", "Flags")
_WIDTHS = (120, 140, 130, 50, 120, 150)
_ROLE = Qt.ItemDataRole.UserRole


class CookieTree(QTreeWidget):
    """Shows a jar filtered by a query; keeps the selection and collapsed sites across
    refreshes, so a live update does not lose the user's place."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="CookieTree")
        self.setHeaderLabels(COLUMNS)
        self.setUniformRowHeights(True)
        self.setAllColumnsShowFocus(True)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = self.header()
        assert header is not None
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate(_WIDTHS):
            self.setColumnWidth(column, width)
        self._collapsed: set[str] = set()
        self.itemCollapsed.connect(lambda item: self._collapsed.add(self._site(item)))
        self.itemExpanded.connect(lambda item: self._collapsed.discard(self._site(item)))

    @staticmethod
    def _site(item: QTreeWidgetItem) -> str:
        return str(item.data(0, _ROLE))

    def show_sites(self, sites: list[model.Site], expand_all: bool) -> None:
        """Replace the rows by ``sites``; ``expand_all`` while a search narrows them down."""
        kept_cookie = self.selected_cookie()
        kept: Key | str | None = kept_cookie.key if kept_cookie else self.selected_site()
        self.blockSignals(True)  # rebuilding is no user collapsing or selecting
        self.clear()
        reselect: QTreeWidgetItem | None = None
        for site in sites:
            top = QTreeWidgetItem([f"{site.name}   ·   {model.count_text(len(site.cookies))}"])
            top.setData(0, _ROLE, site.name)
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
            self.addTopLevelItem(top)
            top.setFirstColumnSpanned(True)
            if kept == site.name:
                reselect = top
            for cookie in site.cookies:
                child = QTreeWidgetItem([
                    cookie.name, model.elided(cookie.value), cookie.domain, cookie.path,
                    model.expiry_text(cookie), model.flags_text(cookie),
                ])
                child.setData(0, _ROLE, cookie)
                child.setToolTip(1, model.elided(cookie.value, 500))
                top.addChild(child)
                if kept == cookie.key:
                    reselect = child
            top.setExpanded(expand_all or site.name not in self._collapsed)
        if reselect is not None:
            self.setCurrentItem(reselect)
        self.blockSignals(False)
        self.itemSelectionChanged.emit()

    def selected_item(self) -> QTreeWidgetItem | None:
        items = self.selectedItems()
        return items[0] if items else None

    def selected_cookie(self) -> Cookie | None:
        item = self.selected_item()
        value = item.data(0, _ROLE) if item is not None else None
        return value if isinstance(value, Cookie) else None

    def selected_site(self) -> str | None:
        item = self.selected_item()
        if item is None:
            return None
        parent = item.parent()
        return self._site(parent if parent is not None else item)

    def cookie_items(self) -> list[QTreeWidgetItem]:
        """Every cookie row shown, site by site."""
        rows: list[QTreeWidgetItem] = []
        for index in range(self.topLevelItemCount()):
            top = self.topLevelItem(index)
            assert top is not None
            rows.extend(child for row in range(top.childCount())
                        if (child := top.child(row)) is not None)
        return rows

    def sites_shown(self) -> list[str]:
        return [self._site(item) for index in range(self.topLevelItemCount())
                if (item := self.topLevelItem(index)) is not None]
