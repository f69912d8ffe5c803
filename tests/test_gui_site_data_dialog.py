"""The "Clear browsing data" dialog of the Site data panel, and the panel across partitions."""

from __future__ import annotations

from PyQt6.QtCore import QPoint, Qt
from PyQt6.QtWidgets import QCheckBox
from pytestqt.qtbot import QtBot

from core import session as sessions
from gui.clear_data_dialog import ClearDataDialog
from gui.panels_site_data import SiteDataPanel
from tests.servers import HttpServer
from tests.test_gui_site_data import (
    click,
    click_row,
    cookie_row,
    names,
    open_partition,
    result_of,
    shown,
)
from tests.test_gui_support import MakeWindow, browse, click_partition

pytest_plugins = ("tests.test_gui_support",)


def tick(qtbot: QtBot, box: QCheckBox) -> None:
    """Click a check box on its indicator (its centre may lie past the label's end)."""
    assert box.isEnabled()
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


def open_dialog(qtbot: QtBot, panel: SiteDataPanel) -> ClearDataDialog:
    click(qtbot, panel.clear_browsing_button)
    dialog = panel.dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    return dialog


def test_clearing_cookies_for_all_time_keeps_unchecked_kinds(
        qtbot: QtBot, make_window: MakeWindow, http_server: HttpServer, unique: str) -> None:
    window = make_window()
    panel, tab, session = open_partition(qtbot, window, f"clear-all-{unique}")
    browse(qtbot, tab, http_server.url("/set-cookie?c=one%3D1"))
    browse(qtbot, tab, f"http://localhost:{http_server.port}/set-cookie?c=two%3D2")
    assert result_of(qtbot, tab.contents.execute_javascript(
        "localStorage.setItem('kept', 'yes'); true")) is True
    qtbot.waitUntil(lambda: len(shown(panel)) == 2)

    dialog = open_dialog(qtbot, panel)
    assert dialog.range_combo.currentText() == "All time"
    boxes = dialog.boxes
    assert boxes["downloads"].isEnabled() and not boxes["downloads"].isChecked()  # opt-in
    for key, box in boxes.items():
        if key != "cookies" and box.isChecked():
            tick(qtbot, box)
            assert not box.isChecked(), key
    assert [kind.key for kind in dialog.chosen()] == ["cookies"]

    click(qtbot, dialog.clear_button)
    qtbot.waitUntil(lambda: panel.dialog is None)
    qtbot.waitUntil(lambda: panel.tree.sites_shown() == [])
    assert panel.summary_label.text() == "0 cookies on 0 sites"
    assert names(qtbot, session) == []
    assert result_of(qtbot, tab.contents.execute_javascript(
        "localStorage.getItem('kept')")) == "yes"


def test_a_time_range_is_offered_only_where_it_can_be_honoured(
        qtbot: QtBot, make_window: MakeWindow, http_server: HttpServer, unique: str) -> None:
    name = f"range-{unique}"
    early = sessions.from_partition(name)
    result_of(qtbot, early.cookies.set(url=http_server.url("/"), name="old", value="1"))
    window = make_window()
    panel, tab, session = open_partition(qtbot, window, name)
    assert session is early
    qtbot.waitUntil(lambda: [row[0] for row in shown(panel)] == ["old"])

    dialog = open_dialog(qtbot, panel)
    qtbot.keyClick(dialog.range_combo, Qt.Key.Key_Home)
    assert dialog.range_combo.currentText() == "Last hour"
    cookies = dialog.boxes["cookies"]
    qtbot.waitUntil(lambda: "began watching" in cookies.toolTip())
    assert not cookies.isEnabled() and not cookies.isChecked()
    for key in ("cache", "localStorage", "indexedDB", "serviceWorkers", "cacheStorage"):
        box = dialog.boxes[key]
        assert not box.isEnabled() and not box.isChecked(), key
        assert "choose All time" in box.toolTip(), key
    assert not dialog.clear_button.isEnabled()
    assert "Cookies cannot either: 1 of its cookies were set before" in dialog.note.text()
    qtbot.keyClick(dialog.range_combo, Qt.Key.Key_End)
    assert cookies.isEnabled() and cookies.isChecked() and dialog.clear_button.isEnabled()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: panel.dialog is None)

    # Once the cookie of unknown age is gone, every cookie was seen being created.
    click_row(qtbot, panel.tree, cookie_row(panel, "old", "127.0.0.1"))
    click(qtbot, panel.delete_button)
    qtbot.waitUntil(lambda: shown(panel) == [])
    browse(qtbot, tab, http_server.url("/set-cookie?c=fresh%3D1"))
    qtbot.waitUntil(lambda: [row[0] for row in shown(panel)] == ["fresh"])
    dialog = open_dialog(qtbot, panel)
    qtbot.keyClick(dialog.range_combo, Qt.Key.Key_Home)
    cookies = dialog.boxes["cookies"]
    qtbot.waitUntil(cookies.isEnabled)
    assert cookies.isChecked() and [kind.key for kind in dialog.chosen()] == ["cookies"]
    click(qtbot, dialog.clear_button)
    qtbot.waitUntil(lambda: panel.dialog is None)
    qtbot.waitUntil(lambda: shown(panel) == [])
    assert names(qtbot, session) == []


def test_the_panel_shows_the_selected_partition(
        qtbot: QtBot, make_window: MakeWindow, http_server: HttpServer, unique: str) -> None:
    window = make_window()
    panel, tab, _ = open_partition(qtbot, window, f"first-{unique}")
    browse(qtbot, tab, http_server.url(f"/set-cookie?c=first%3D{unique}"))
    qtbot.waitUntil(lambda: ("first", unique, "127.0.0.1") in shown(panel))
    _, other, _ = open_partition(qtbot, window, f"second-{unique}")
    qtbot.waitUntil(lambda: panel.loaded and shown(panel) == [])
    browse(qtbot, other, http_server.url(f"/set-cookie?c=second%3D{unique}"))
    qtbot.waitUntil(lambda: shown(panel) == [("second", unique, "127.0.0.1")])
    click_partition(qtbot, window, f"first-{unique}")
    qtbot.waitUntil(lambda: panel.loaded and shown(panel) == [("first", unique, "127.0.0.1")])
