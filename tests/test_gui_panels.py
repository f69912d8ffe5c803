"""The panel registry and the Partition panel, bound to the selected partition."""

from __future__ import annotations

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QLabel, QWidget
from pytestqt.qtbot import QtBot

from core.session import Session
from gui import panels
from gui.main_window import MainWindow
from gui.panels_partition import PartitionPanel
from gui.state import PartitionEntry, StateStore
from tests.servers import HttpServer
from tests.test_gui_support import MakeWindow, add_partition, browse, click_partition, current_tab

pytest_plugins = ("tests.test_gui_support",)


def partition_panel(window: MainWindow) -> PartitionPanel:
    panel = window.panel("partition")
    assert isinstance(panel, PartitionPanel)
    return panel


def test_partition_panel_shows_storage_and_clears_the_cache(
        qtbot: QtBot, make_window: MakeWindow, http_server: HttpServer, unique: str) -> None:
    window = make_window()
    add_partition(qtbot, window, "Cached", f"cached-{unique}")
    qtbot.waitUntil(lambda: window.sidebar.labels() == ["Default", "Cached"])
    panel = partition_panel(window)
    entry = window.current_entry()
    assert entry is not None
    session = window.browsers[entry.key].session
    assert panel.storage_label.text() == session.storage_path
    assert (panel.name_label.text(), panel.kind_label.text()) == (
        f"persist:cached-{unique}", "Persistent")
    qtbot.waitUntil(lambda: panel.cache_size is not None)

    browse(qtbot, current_tab(window), http_server.url("/cacheable"))

    def cache_filled() -> bool:
        # Chromium writes the entry a moment after the load: measure again until it shows.
        if panel.cache_size is not None and panel.cache_size < 200_000:
            qtbot.mouseClick(panel.refresh_button, Qt.MouseButton.LeftButton)
        return panel.cache_size is not None and panel.cache_size >= 200_000

    qtbot.waitUntil(cache_filled, timeout=10000)
    assert panel.cache_label.text().endswith(" KB")
    qtbot.mouseClick(panel.clear_button, Qt.MouseButton.LeftButton)
    assert not panel.clear_button.isEnabled()
    qtbot.waitUntil(lambda: panel.cache_size is not None and panel.clear_button.isEnabled())
    assert panel.cache_size < 200_000


def test_in_memory_partition_says_its_cache_is_not_measurable(
        qtbot: QtBot, make_window: MakeWindow, unique: str) -> None:
    window = make_window()
    panel = partition_panel(window)
    add_partition(qtbot, window, "Scratch", f"scratch-{unique}", kind="memory")
    qtbot.waitUntil(lambda: panel.cache_label.text() == "not measurable in memory")
    assert panel.storage_label.text() == "in memory"
    assert panel.kind_label.text() == "In memory"
    click_partition(qtbot, window, "Default")
    assert panel.name_label.text() == "persist:default"
    qtbot.waitUntil(lambda: panel.cache_size is not None)


def test_user_agent_is_applied_and_bad_input_explained(
        qtbot: QtBot, make_window: MakeWindow, unique: str) -> None:
    window = make_window()
    add_partition(qtbot, window, "Agent", f"agent-{unique}", kind="memory")
    qtbot.waitUntil(lambda: window.sidebar.labels() == ["Default", "Agent"])
    panel = partition_panel(window)
    entry = window.current_entry()
    assert entry is not None
    session = window.browsers[entry.key].session
    panel.user_agent_edit.clear()
    qtbot.keyClicks(panel.user_agent_edit, "PartitaTest/1.0")
    qtbot.keyClick(panel.user_agent_edit, Qt.Key.Key_Return)
    assert session.get_user_agent() == "PartitaTest/1.0"
    assert panel.error_label.isHidden()

    panel.user_agent_edit.setText("Bad\nAgent")
    qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    assert not panel.error_label.isHidden()
    assert "User agent not changed" in panel.error_label.text()
    assert session.get_user_agent() == "PartitaTest/1.0"


class _NotAPanel(QLabel):
    pass


class _Recorder(QLabel):
    def __init__(self) -> None:
        super().__init__()
        self.bound: list[tuple[Session, PartitionEntry]] = []

    def bind(self, session: Session, entry: PartitionEntry) -> None:
        self.bound.append((session, entry))


def test_registered_panels_become_docks_rebound_on_selection(
        qtbot: QtBot, make_window: MakeWindow, asyncio_running: None, tmp_path, unique: str,
) -> None:
    spec = panels.PanelSpec("recorder", "Recorder", _Recorder,
                            Qt.DockWidgetArea.BottomDockWidgetArea, "Ctrl+Shift+R")
    window = MainWindow(StateStore(tmp_path / "state.json"), [spec])
    qtbot.addWidget(window)
    recorder = window.panel("recorder")
    assert isinstance(recorder, _Recorder)
    assert [entry.name for _, entry in recorder.bound] == ["persist:default"]
    assert window.dockWidgetArea(window.docks["recorder"]) == spec.area
    window.open_url("about:blank", f"persist:other-{unique}")
    assert [entry.name for _, entry in recorder.bound][-1] == f"persist:other-{unique}"
    toggle = window.docks["recorder"].toggleViewAction()
    assert toggle is not None and toggle.shortcut().toString() == "Ctrl+Shift+R"

    with pytest.raises(TypeError, match="'broken' has no bind"):
        MainWindow(StateStore(tmp_path / "other.json"),
                   [panels.PanelSpec("broken", "Broken", _NotAPanel)])
    assert "partition" in [spec.id for spec in panels.registered()]
    with pytest.raises(ValueError, match="'partition' is registered already"):
        panels.register(panels.PanelSpec("partition", "Another", QWidget))
