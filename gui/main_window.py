"""The main window: partition sidebar, one tabbed browser per partition, panel docks."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QCloseEvent, QKeySequence
from PyQt6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QMenu,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QWidget,
)

from core import partitions
from gui import panels, sessions, window_actions
from gui.address import DEFAULT_SEARCH_TEMPLATE
from gui.dialogs import AddPartitionDialog, ColourDialog, RemovePartitionDialog, rename_dialog
from gui.sidebar import Sidebar
from gui.state import Deletion, Kind, PartitionEntry, StateStore

if TYPE_CHECKING:
    # Browsers, tabs and sessions come after the first frame: their modules (QtWebEngine's
    # widgets, core.session with its downloads and network) are imported when first needed.
    from core.session import Session
    from gui.partition_browser import PartitionBrowser
    from gui.tab import Tab

log = logging.getLogger("partita.gui.window")

SIDE_DOCK_WIDTH = 400
"""Room for the side dock's five tabs, unelided, and the SSL panel's longest suite name."""
BOTTOM_DOCK_HEIGHT = 220
"""A bottom dock (Downloads) shows two rows and leaves the pages most of the height."""
_ORIENTATION = {
    Qt.DockWidgetArea.LeftDockWidgetArea: Qt.Orientation.Horizontal,
    Qt.DockWidgetArea.RightDockWidgetArea: Qt.Orientation.Horizontal,
    Qt.DockWidgetArea.TopDockWidgetArea: Qt.Orientation.Vertical,
    Qt.DockWidgetArea.BottomDockWidgetArea: Qt.Orientation.Vertical,
}
"""The direction in which a dock area's docks are sized."""


class MainWindow(QMainWindow):
    def __init__(self, store: StateStore | None = None,
                 panel_specs: Sequence[panels.PanelSpec] | None = None,
                 search_template: str = DEFAULT_SEARCH_TEMPLATE, restore: bool = True) -> None:
        super().__init__()
        self.setWindowTitle("Partita")
        self.resize(1280, 800)
        self.store = store if store is not None else StateStore()
        self.search_template = search_template
        self.browsers: dict[tuple[Kind, str], PartitionBrowser] = {}
        self.dialog: QWidget | None = None
        """The dialog the window opened last (dialogs never block; tests reach them here)."""
        self._panel_specs = panel_specs

        self.sidebar = Sidebar()
        self.sidebar.selected.connect(self._select)
        self.sidebar.add_requested.connect(self.show_add_dialog)
        self.sidebar.rename_requested.connect(self.show_rename_dialog)
        self.sidebar.colour_requested.connect(self.show_colour_dialog)
        self.sidebar.remove_requested.connect(self.show_remove_dialog)
        self.stack = QStackedWidget(objectName="Browsers")
        splitter = QSplitter(objectName="MainSplitter")
        splitter.addWidget(self.sidebar)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(1, 1)
        splitter.setCollapsible(1, False)
        splitter.setSizes([240, 1040])
        self.setCentralWidget(splitter)

        menu_bar = self.menuBar()
        assert menu_bar is not None  # QMainWindow creates its menu bar on demand
        self.actions_by_id = window_actions.install(self, menu_bar)
        self.docks: dict[str, QDockWidget] = {}
        view_menu = menu_bar.addMenu("&View")
        assert view_menu is not None
        self.view_menu: QMenu = view_menu
        """Lists the panels once ``restore()`` has added them."""
        help_menu = menu_bar.addMenu("&Help")
        assert help_menu is not None
        about = help_menu.addAction("&About Partita")
        assert about is not None
        about.triggered.connect(self.show_about)

        self.sidebar.set_entries(self.store.partitions)
        if restore:
            self.restore()

    def show_about(self) -> None:
        # Imported on use: importlib.metadata alone costs ~10 ms of start-up.
        from gui.about import show_about

        show_about(self)

    def restore(self) -> None:
        """Add the panel docks and open the partition selected last time, with its tabs.

        Called once. The app calls it after the window's first paint (``restore=False``): the
        panels' modules and the first profile (which starts Chromium) need not delay the window.
        """
        specs = self._panel_specs if self._panel_specs is not None else panels.registered()
        for spec in specs:
            dock = self._add_dock(spec)
            toggle = dock.toggleViewAction()
            assert toggle is not None
            if spec.shortcut:
                toggle.setShortcut(QKeySequence(spec.shortcut))
            # Qt's own slot hides a dock that is only behind another tab: the user, who asked
            # to see that panel, would see it vanish. Ours brings such a panel to the front.
            toggle.triggered.disconnect()
            toggle.triggered.connect(lambda _checked, dock=dock: self.toggle_panel(dock))
            self.view_menu.addAction(toggle)
        self._tabify_docks()
        start = self.store.find(self.store.selected) if self.store.selected else None
        self._select((start or self.store.partitions[0]).key)

    def _tabify_docks(self) -> None:
        """Panels sharing a side become tabs of one dock (stacked, each got too little room)."""
        self.setTabPosition(Qt.DockWidgetArea.AllDockWidgetAreas, QTabWidget.TabPosition.North)
        first_by_area: dict[Qt.DockWidgetArea, QDockWidget] = {}
        for dock in self.docks.values():
            area = self.dockWidgetArea(dock)
            first = first_by_area.setdefault(area, dock)
            if first is not dock:
                self.tabifyDockWidget(first, dock)
        for dock in first_by_area.values():
            dock.raise_()
        # The side docks run the window's full height; a bottom dock lies under the pages.
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        for orientation, size in ((Qt.Orientation.Horizontal, SIDE_DOCK_WIDTH),
                                  (Qt.Orientation.Vertical, BOTTOM_DOCK_HEIGHT)):
            docks = [dock for area, dock in first_by_area.items()
                     if _ORIENTATION[area] is orientation]
            self.resizeDocks(docks, [size] * len(docks), orientation)

    def toggle_panel(self, dock: QDockWidget) -> None:
        """What a panel's View-menu entry and shortcut do: show a closed panel in front, bring
        one that is behind another tab to the front, close the one in front."""
        if dock.isHidden():
            dock.show()
            dock.raise_()
        elif dock.visibleRegion().isEmpty():  # Qt moves the docks behind a tab out of sight
            dock.raise_()
        else:
            dock.close()
        toggle = dock.toggleViewAction()
        assert toggle is not None
        toggle.setChecked(not dock.isHidden())  # triggering flipped it, whatever we did

    def _add_dock(self, spec: panels.PanelSpec) -> QDockWidget:
        widget = spec.factory()
        if not isinstance(widget, panels.Panel):
            raise TypeError(f"panel {spec.id!r} has no bind(session, entry) method")
        dock = QDockWidget(spec.title, self, objectName=f"panel-{spec.id}")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetMovable)
        self.addDockWidget(spec.area, dock)
        self.docks[spec.id] = dock
        return dock

    # ----------------------------------------------------------------- what is shown
    def current_entry(self) -> PartitionEntry | None:
        browser = self.current_browser()
        return browser.entry if browser is not None else None

    def current_browser(self) -> PartitionBrowser | None:
        # The stack holds only browsers of self.browsers (no isinstance: see the imports).
        widget = self.stack.currentWidget()
        return next((browser for browser in self.browsers.values() if browser is widget), None)

    def current_tab(self) -> Tab | None:
        browser = self.current_browser()
        return browser.current() if browser is not None else None

    def panel(self, panel_id: str) -> QWidget:
        widget = self.docks[panel_id].widget()
        assert widget is not None
        return widget

    def _browser(self, entry: PartitionEntry) -> PartitionBrowser:
        """A partition's browser, created (with its session and tabs) when first shown."""
        browser = self.browsers.get(entry.key)
        if browser is None:
            from gui.login_dialog import answer_logins
            from gui.partition_browser import PartitionBrowser

            browser = PartitionBrowser(entry, sessions.session_for(entry), self.search_template)
            answer_logins(browser, browser.session)
            browser.changed.connect(self.store.save)
            browser.current_changed.connect(self._sync_actions)
            self.browsers[entry.key] = browser
            self.stack.addWidget(browser)
        return browser

    def _select(self, key: tuple[Kind, str]) -> None:
        entry = self.store.find(key)
        if entry is None:
            raise KeyError(f"no partition {key[1]!r} in the sidebar")
        try:
            browser = self._browser(entry)
        except (OSError, TypeError, ValueError) as error:
            log.error("cannot open partition %s: %s", entry.name, error)
            self.statusBar().showMessage(f"Cannot open “{entry.label}”: {error}")  # type: ignore[union-attr]
            current = self.current_entry()
            if current is not None:
                self.sidebar.select(current.key)
            return
        self.stack.setCurrentWidget(browser)
        self.sidebar.select(key)
        self.store.selected = key
        self.store.save()
        for dock in self.docks.values():
            widget = dock.widget()
            assert isinstance(widget, panels.Panel)
            widget.bind(browser.session, entry)
        self._sync_actions()

    def _sync_actions(self) -> None:
        # Esc stops a load; otherwise the page (or a dialog in it) gets the key.
        tab = self.current_tab()
        self.actions_by_id["stop"].setEnabled(tab is not None and tab.is_loading)

    # ----------------------------------------------------------------- public entry points
    def _entry_for(self, partition: str) -> PartitionEntry | None:
        return next((entry for entry in self.store.partitions if entry.name == partition), None)

    def select_partition(self, partition: str) -> None:
        """Show the partition named ``partition`` (a partition string or a folder path)."""
        entry = self._entry_for(partition)
        if entry is None:
            raise KeyError(f"no partition {partition!r} in the sidebar")
        self._select(entry.key)

    def open_url(self, url: str, partition: str | None = None) -> Tab:
        """Open ``url`` (or search terms) in a new tab of ``partition``, added if unknown."""
        if partition is not None and self._entry_for(partition) is None:
            kind = Kind.PERSISTENT if partitions.is_persistent_name(partition) else Kind.MEMORY
            label = partition.removeprefix(partitions.PERSIST_PREFIX) or "Default"
            self.add_partition(PartitionEntry(kind, partition, label, self.store.next_colour()))
        if partition is not None:
            self.select_partition(partition)
        browser = self.current_browser()
        assert browser is not None  # the window always shows a partition
        tab = browser.new_tab(focus=False)
        tab.navigate(url)
        return tab

    # ----------------------------------------------------------------- partition changes
    def add_partition(self, entry: PartitionEntry) -> Session:
        session = sessions.validate_new(entry, self.store)
        # A removed partition that comes back keeps its live profile's data: no deletion.
        self.store.deletions = [item for item in self.store.deletions
                                if (item.kind, item.name) != entry.key]
        self.store.partitions.append(entry)
        self.store.save()
        self.sidebar.set_entries(self.store.partitions)
        self._select(entry.key)
        return session

    def rename_partition(self, key: tuple[Kind, str], label: str) -> None:
        entry = self._require(key)
        if label.strip():
            entry.label = label.strip()
            self._entry_changed(entry)

    def set_colour(self, key: tuple[Kind, str], colour: str) -> None:
        entry = self._require(key)
        entry.colour = colour
        self._entry_changed(entry)

    def remove_partition(self, key: tuple[Kind, str], delete_data: bool = False) -> None:
        """Close the partition's tabs and forget it; its data folder goes once unused."""
        entry = self._require(key)
        if len(self.store.partitions) == 1:
            raise ValueError("the last partition cannot be removed")
        index = self.store.partitions.index(entry)
        browser = self.browsers.pop(key, None)
        if browser is not None:
            browser.dispose()
            self.stack.removeWidget(browser)
            browser.deleteLater()
        self.store.partitions.remove(entry)
        if delete_data and not entry.in_memory:
            self.store.deletions.append(Deletion(entry.kind, entry.name))
        self.store.save()
        self.sidebar.set_entries(self.store.partitions)
        if self.store.selected == key or self.current_entry() is None:
            self._select(self.store.partitions[min(index, len(self.store.partitions) - 1)].key)
        else:
            current = self.current_entry()
            assert current is not None
            self.sidebar.select(current.key)

    def _require(self, key: tuple[Kind, str]) -> PartitionEntry:
        entry = self.store.find(key)
        if entry is None:
            raise KeyError(f"no partition {key[1]!r} in the sidebar")
        return entry

    def _entry_changed(self, entry: PartitionEntry) -> None:
        self.store.save()
        self.sidebar.update_entry(entry)
        if self.current_entry() is entry:
            self._select(entry.key)

    # ----------------------------------------------------------------- dialogs
    def _open(self, dialog: QWidget) -> None:
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()  # type: ignore[attr-defined]

    def show_add_dialog(self) -> AddPartitionDialog:
        dialog = AddPartitionDialog(lambda entry: sessions.validate_new(entry, self.store),
                                    self.store.next_colour(), self)
        dialog.accepted.connect(lambda: dialog.entry and self.add_partition(dialog.entry))
        self._open(dialog)
        return dialog

    def show_rename_dialog(self, key: tuple[Kind, str]) -> QWidget:
        dialog = rename_dialog(self._require(key), self)
        dialog.textValueSelected.connect(lambda label: self.rename_partition(key, label))
        self._open(dialog)
        return dialog

    def show_colour_dialog(self, key: tuple[Kind, str]) -> ColourDialog:
        dialog = ColourDialog(self._require(key), self)
        dialog.accepted.connect(lambda: self.set_colour(key, dialog.swatches.colour))
        self._open(dialog)
        return dialog

    def show_remove_dialog(self, key: tuple[Kind, str]) -> RemovePartitionDialog:
        dialog = RemovePartitionDialog(self._require(key), self)
        dialog.accepted.connect(lambda: self.remove_partition(key, dialog.delete_data))
        self._open(dialog)
        return dialog

    # ----------------------------------------------------------------- end
    def closeEvent(self, event: QCloseEvent | None) -> None:
        """Close every page; the remembered tabs stay as they are for the next start."""
        for browser in self.browsers.values():
            browser.dispose()
        self.store.save()
        super().closeEvent(event)
