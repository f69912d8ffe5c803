"""Fixtures and user actions shared by the GUI tests (a pytest plugin: see pytest_plugins).

Named test_* so that pytest rewrites its asserts; it holds no tests of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from core import app
from core.session import Session
from gui.dialogs import AddPartitionDialog
from gui.main_window import MainWindow
from gui.state import StateStore
from gui.tab import Tab

MakeWindow = Callable[..., MainWindow]


@pytest.fixture
def asyncio_running(qapp) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """In the app, qasync's run_forever tells asyncio its loop runs while Qt's does; here
    pytest-qt spins Qt itself, so say the same (qasync's ``already_running`` mode does this)."""
    asyncio.events._set_running_loop(app.loop())
    yield
    asyncio.events._set_running_loop(None)


@pytest.fixture
def make_window(qtbot: QtBot, tmp_path: Path, asyncio_running: None) -> MakeWindow:
    """A window on a state file of this test; calling it again is a restart."""

    def make(path: Path = tmp_path / "window-state.json") -> MainWindow:
        window = MainWindow(StateStore(path))
        qtbot.addWidget(window)
        with qtbot.waitActive(window):
            window.show()
            window.activateWindow()
        return window

    return make


def modal(qtbot: QtBot) -> QWidget:
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not None)
    widget = QApplication.activeModalWidget()
    assert widget is not None
    return widget


def add_partition(qtbot: QtBot, window: MainWindow, label: str, name: str,
                  kind: str = "persistent") -> AddPartitionDialog:
    qtbot.mouseClick(window.sidebar.add_button, Qt.MouseButton.LeftButton)
    dialog = modal(qtbot)
    assert isinstance(dialog, AddPartitionDialog)
    qtbot.keyClicks(dialog.label_edit, label)
    radio = {"persistent": dialog.persistent_radio, "memory": dialog.memory_radio,
             "folder": dialog.folder_radio}[kind]
    qtbot.mouseClick(radio, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(dialog.folder_edit if kind == "folder" else dialog.name_edit, name)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    return dialog


def open_partition(qtbot: QtBot, window: MainWindow, label: str, name: str) -> Session:
    """Add an in-memory partition as a user does, wait until it is shown; its session."""
    add_partition(qtbot, window, label, name, kind="memory")
    qtbot.waitUntil(lambda: window.sidebar.labels()[-1] == label)
    browser = window.current_browser()
    assert browser is not None and browser.entry.label == label
    return browser.session


_Panel = TypeVar("_Panel", bound=QWidget)


def front_panel(qtbot: QtBot, window: MainWindow, name: str, kind: type[_Panel]) -> _Panel:
    """Panel ``name``, brought to the front of its dock's tabs (a hidden widget takes no
    clicks), as a user clicking its tab does."""
    window.docks[name].raise_()
    panel = window.panel(name)
    assert isinstance(panel, kind)
    qtbot.waitUntil(panel.isVisible)
    return panel


def click_partition(qtbot: QtBot, window: MainWindow, label: str) -> None:
    sidebar = window.sidebar.list
    item = next(sidebar.item(row) for row in range(sidebar.count())
                if sidebar.item(row).text() == label)  # type: ignore[union-attr]
    viewport = sidebar.viewport()
    assert viewport is not None
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton,
                     pos=sidebar.visualItemRect(item).center())
    entry = window.current_entry()
    assert entry is not None and entry.label == label


def browse(qtbot: QtBot, tab: Tab, url: str) -> None:
    """Type ``url`` into the tab's address bar and press Enter, as a user does."""
    tab.address.clear()
    qtbot.keyClicks(tab.address, url)
    with qtbot.waitSignal(tab.page.loadFinished, timeout=15000):
        qtbot.keyClick(tab.address, Qt.Key.Key_Return)


def press(qtbot: QtBot, window: MainWindow, key: Qt.Key,
          modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """A keyboard shortcut typed into the window. The offscreen platform gives activation
    back to no window when a dialog closes (a desktop gives it to the parent), and window
    shortcuts only fire in the active window."""
    if QApplication.activeWindow() is not window:
        with qtbot.waitActive(window):
            window.activateWindow()
    qtbot.keyClick(window, key, modifiers)


def current_tab(window: MainWindow) -> Tab:
    tab = window.current_tab()
    assert tab is not None
    return tab


def tab_texts(window: MainWindow) -> list[str]:
    browser = window.current_browser()
    assert browser is not None
    return [browser.tabs.tabText(index) for index in range(browser.count())]
