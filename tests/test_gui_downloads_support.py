"""Fixtures and user actions for the Downloads panel tests (a pytest plugin; no tests here)."""

from __future__ import annotations

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QToolButton
from pytestqt.qtbot import QtBot

from core.session import Session
from gui.downloads_model import Row
from gui.panels_downloads import DownloadsPanel
from gui.state import Kind, PartitionEntry
from tests import download_server

server, ses = download_server.server, download_server.ses  # the fixtures

LABEL = "Work"


@pytest.fixture
def panel(qtbot: QtBot, ses: Session, asyncio_running: None) -> DownloadsPanel:
    widget = DownloadsPanel()
    qtbot.addWidget(widget)
    widget.resize(480, 640)
    widget.show()
    widget.bind(ses, PartitionEntry(Kind.MEMORY, "work", LABEL))
    return widget


def add(qtbot: QtBot, panel: DownloadsPanel, url: str) -> None:
    """Type (as a paste would) an address into the field and click Add."""
    panel.url_edit.clear()
    qtbot.keyClicks(panel.url_edit, url)
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)


def row_named(panel: DownloadsPanel, name: str) -> Row | None:
    return next((row for row in panel.model.rows() if row.name == name), None)


def wait_row(qtbot: QtBot, panel: DownloadsPanel, name: str, timeout: int = 10000) -> Row:
    qtbot.waitUntil(lambda: row_named(panel, name) is not None, timeout=timeout)
    row = row_named(panel, name)
    assert row is not None
    return row


def select(qtbot: QtBot, panel: DownloadsPanel, *names: str) -> None:
    """Click the first row, Ctrl+click the others."""
    viewport = panel.view.viewport()
    assert viewport is not None
    for count, name in enumerate(names):
        row = wait_row(qtbot, panel, name)
        shown = panel.model.display_row(row.item)
        assert shown is not None
        rect = panel.view.visualRect(panel.model.index(shown))
        if not viewport.rect().contains(rect.center()):
            panel.view.scrollTo(panel.model.index(shown))
            rect = panel.view.visualRect(panel.model.index(shown))
        modifier = (Qt.KeyboardModifier.ControlModifier if count
                    else Qt.KeyboardModifier.NoModifier)
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, modifier, rect.center())
    assert sorted(row.name for row in panel.selected_rows()) == sorted(names)


def click(qtbot: QtBot, panel: DownloadsPanel, action_id: str) -> None:
    """Click the toolbar button of an action (it must be enabled, as for a user)."""
    action = (panel.download_actions.clear_finished if action_id == "clear-finished"
              else panel.download_actions.by_id[action_id])
    button = panel.toolbar.widgetForAction(action)
    assert isinstance(button, QToolButton)
    assert button.isEnabled(), f"{action_id} is disabled"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def enabled(panel: DownloadsPanel) -> set[str]:
    actions = panel.download_actions
    found = {key for key, action in actions.by_id.items() if action.isEnabled()}
    return found | ({"clear-finished"} if actions.clear_finished.isEnabled() else set())
