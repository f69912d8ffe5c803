"""Where the panels live: every one reachable at a glance, and their View-menu toggles."""

from __future__ import annotations

import json
from pathlib import Path

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QDockWidget, QTabBar, QToolButton
from pytestqt.qtbot import QtBot

from gui.main_window import MainWindow
from gui.panels_downloads import DownloadsPanel
from tests.test_gui_support import MakeWindow, press

pytest_plugins = ("tests.test_gui_support",)

SIDE = ["partition", "site-data", "proxy", "ssl", "network"]
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def in_front(dock: QDockWidget) -> bool:
    """Shown and not behind another tab (Qt moves those out of the window's sight)."""
    return not dock.isHidden() and not dock.visibleRegion().isEmpty()


def side_tabs(window: MainWindow) -> QTabBar:
    bars = [bar for bar in window.findChildren(QTabBar)
            if bar.parent() is window and bar.isVisible()]
    assert len(bars) == 1
    return bars[0]


def test_side_panels_are_tabs_that_fit_and_downloads_lies_below(
        qtbot: QtBot, make_window: MakeWindow, tmp_path: Path) -> None:
    path = tmp_path / "window-state.json"  # as written before the panels moved: no dock state
    path.write_text(json.dumps({
        "version": 1, "selected": {"kind": "persistent", "name": "persist:default"},
        "partitions": [{"kind": "persistent", "name": "persist:default", "label": "Default",
                        "colour": "#4f7cff", "tabs": ["about:blank"], "current_tab": 0}],
        "deletions": [],
    }), "utf-8")
    window = make_window(path)
    window.resize(1360, 820)  # the screenshot's size
    areas = {panel: window.dockWidgetArea(dock) for panel, dock in window.docks.items()}
    assert [panel for panel, area in areas.items()
            if area is Qt.DockWidgetArea.RightDockWidgetArea] == SIDE
    assert areas["downloads"] is Qt.DockWidgetArea.BottomDockWidgetArea
    assert in_front(window.docks["partition"]) and in_front(window.docks["downloads"])

    bar = side_tabs(window)
    assert [bar.tabText(index) for index in range(bar.count())] == [
        window.docks[panel].windowTitle() for panel in SIDE]
    # Qt elides a tab's title, then adds scroll arrows, only when the tabs do not fit: the
    # bar's size hint is what its unelided tabs need.
    qtbot.waitUntil(lambda: bar.width() >= bar.sizeHint().width() > 0)
    assert all(bar.tabRect(index).width() > bar.fontMetrics().horizontalAdvance(
        bar.tabText(index)) for index in range(bar.count()))
    assert not any(arrow.isVisible() for arrow in bar.findChildren(QToolButton))


def test_a_panel_shortcut_brings_it_to_the_front_then_closes_it(
        qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window()
    site_data, partition = window.docks["site-data"], window.docks["partition"]
    qtbot.waitUntil(lambda: in_front(partition))
    assert not in_front(site_data)
    toggle = site_data.toggleViewAction()
    assert toggle is not None and toggle.isChecked()

    press(qtbot, window, Qt.Key.Key_K, CTRL_SHIFT)  # behind a tab: brought to the front
    qtbot.waitUntil(lambda: in_front(site_data))
    assert toggle.isChecked() and not in_front(partition)
    press(qtbot, window, Qt.Key.Key_K, CTRL_SHIFT)  # in front: closed
    assert site_data.isHidden() and not toggle.isChecked()
    press(qtbot, window, Qt.Key.Key_K, CTRL_SHIFT)  # closed: back among the tabs, in front
    qtbot.waitUntil(lambda: in_front(site_data))
    assert toggle.isChecked() and partition in window.tabifiedDockWidgets(site_data)

    downloads = window.docks["downloads"]
    view_entry = next(action for action in window.view_menu.actions()
                      if action.text() == "Downloads")
    view_entry.trigger()
    assert downloads.isHidden() and not view_entry.isChecked()
    view_entry.trigger()
    qtbot.waitUntil(lambda: in_front(downloads))
    assert view_entry.isChecked()


def test_the_downloads_panel_uses_one_line_for_its_tools_when_wide(
        qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window()
    window.resize(1360, 820)
    panel = window.panel("downloads")
    assert isinstance(panel, DownloadsPanel)

    def side_by_side() -> bool:
        tools, address = panel.toolbar.geometry(), panel.url_edit.geometry()
        return tools.right() < address.left() and abs(tools.center().y()
                                                       - address.center().y()) < 8

    qtbot.waitUntil(side_by_side)
    # Moved to the side dock, as a user may drag it: too narrow, the address goes on top.
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, window.docks["downloads"])
    qtbot.waitUntil(lambda: panel.url_edit.geometry().bottom()
                    < panel.toolbar.geometry().top())
    assert not side_by_side()
