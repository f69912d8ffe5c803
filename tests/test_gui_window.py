"""The main window driven as a user drives it: sidebar, dialogs, address bar, shortcuts."""

from __future__ import annotations

import json
from pathlib import Path

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QInputDialog, QLineEdit
from pytestqt.qtbot import QtBot

from gui.dialogs import ColourDialog, RemovePartitionDialog
from gui.main_window import MainWindow
from gui.state import StateStore
from tests.servers import HttpServer
from tests.test_gui_support import (
    MakeWindow,
    add_partition,
    browse,
    click_partition,
    current_tab,
    modal,
    press,
    tab_texts,
)

pytest_plugins = ("tests.test_gui_support",)


def test_add_browse_second_tab_and_restart(qtbot: QtBot, make_window: MakeWindow,
                                          http_server: HttpServer, unique: str) -> None:
    window = make_window()
    assert window.windowTitle() == "Partita"
    add_partition(qtbot, window, "Work", f"work-{unique}")
    qtbot.waitUntil(lambda: window.sidebar.labels() == ["Default", "Work"])
    entry = window.current_entry()
    assert entry is not None and entry.name == f"persist:work-{unique}"

    first = current_tab(window)
    browse(qtbot, first, http_server.url("/page?title=First"))
    qtbot.waitUntil(lambda: tab_texts(window) == ["First"])
    assert first.address.text() == http_server.url("/page?title=First")

    press(qtbot, window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(tab_texts(window)) == 2)
    second = current_tab(window)
    assert second is not first and second.address.hasFocus()
    browse(qtbot, second, http_server.url("/page?title=Second"))
    qtbot.waitUntil(lambda: tab_texts(window) == ["First", "Second"])

    window.close()
    restarted = make_window()
    assert restarted.sidebar.labels() == ["Default", "Work"]
    assert restarted.current_entry() == entry  # the selection is remembered too
    qtbot.waitUntil(lambda: tab_texts(restarted) == ["First", "Second"], timeout=15000)
    assert current_tab(restarted).url == http_server.url("/page?title=Second")
    click_partition(qtbot, restarted, "Default")
    click_partition(qtbot, restarted, "Work")
    assert tab_texts(restarted) == ["First", "Second"]


def test_in_memory_partitions_and_their_tabs_are_gone_after_restart(
        qtbot: QtBot, make_window: MakeWindow, http_server: HttpServer, unique: str,
        tmp_path: Path) -> None:
    window = make_window()
    add_partition(qtbot, window, "Scratch", f"scratch-{unique}", kind="memory")
    qtbot.waitUntil(lambda: window.sidebar.labels() == ["Default", "Scratch"])
    entry = window.current_entry()
    assert entry is not None and entry.in_memory
    assert window.browsers[entry.key].session.storage_path is None
    browse(qtbot, current_tab(window), http_server.url("/page?title=Secret"))
    assert f"scratch-{unique}" not in (tmp_path / "window-state.json").read_text("utf-8")

    window.close()
    restarted = make_window()
    assert restarted.sidebar.labels() == ["Default"]


def test_bad_names_are_explained_in_the_dialog(qtbot: QtBot, make_window: MakeWindow,
                                               unique: str) -> None:
    window = make_window()
    dialog = add_partition(qtbot, window, "Clash", "persist:x", kind="memory")
    assert dialog.isVisible()
    assert "persistent partition" in dialog.error.text()
    dialog.reject()

    dialog = add_partition(qtbot, window, "Relative", "relative/folder", kind="folder")
    assert "absolute path" in dialog.error.text()
    dialog.reject()

    dialog = add_partition(qtbot, window, "Twice", "default")
    assert "'persist:default' is already in the list" in dialog.error.text()
    dialog.reject()
    assert window.sidebar.labels() == ["Default"]


def test_folder_partition_shows_its_folder(qtbot: QtBot, make_window: MakeWindow,
                                           tmp_path: Path) -> None:
    window = make_window()
    folder = tmp_path / "my profile"
    add_partition(qtbot, window, "", str(folder), kind="folder")
    qtbot.waitUntil(lambda: window.sidebar.labels() == ["Default", "my profile"])
    item = window.sidebar.list.item(1)
    assert item is not None and str(folder) in item.toolTip()
    entry = window.current_entry()
    assert entry is not None
    assert window.browsers[entry.key].session.storage_path == str(folder)


def test_rename_and_recolour(qtbot: QtBot, make_window: MakeWindow, tmp_path: Path) -> None:
    window = make_window()
    qtbot.mouseClick(window.sidebar.rename_button, Qt.MouseButton.LeftButton)
    rename = modal(qtbot)
    assert isinstance(rename, QInputDialog)
    field = rename.findChild(QLineEdit)
    assert field is not None and field.text() == "Default"
    field.selectAll()
    qtbot.keyClicks(field, "Personal")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.sidebar.labels() == ["Personal"])

    qtbot.mouseClick(window.sidebar.colour_button, Qt.MouseButton.LeftButton)
    colours = modal(qtbot)
    assert isinstance(colours, ColourDialog)
    colours.swatches.set_colour("#e5484d")
    colours.accept()
    state = json.loads((tmp_path / "window-state.json").read_text("utf-8"))
    assert (state["partitions"][0]["label"], state["partitions"][0]["colour"]) == (
        "Personal", "#e5484d")


def test_remove_with_data_deletion(qtbot: QtBot, make_window: MakeWindow,
                                   http_server: HttpServer, unique: str,
                                   tmp_path: Path) -> None:
    window = make_window()
    add_partition(qtbot, window, "Doomed", f"doomed-{unique}")
    qtbot.waitUntil(lambda: window.sidebar.labels() == ["Default", "Doomed"])
    entry = window.current_entry()
    assert entry is not None
    storage = window.browsers[entry.key].session.storage_path
    assert storage is not None
    tab = current_tab(window)
    browse(qtbot, tab, http_server.url("/set-cookie?c=doomed=1"))

    qtbot.mouseClick(window.sidebar.remove_button, Qt.MouseButton.LeftButton)
    dialog = modal(qtbot)
    assert isinstance(dialog, RemovePartitionDialog)
    qtbot.mouseClick(dialog.delete_box, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.sidebar.labels() == ["Default"])
    assert tab.contents.is_destroyed()
    assert entry.key not in window.browsers
    # Chromium still holds the live profile's files: the folder goes once the session closed
    # (at exit, or at the next start: test_gui_state and test_gui_main show both).
    assert Path(storage).is_dir()
    state = json.loads((tmp_path / "window-state.json").read_text("utf-8"))
    assert state["deletions"] == [{"kind": "persistent", "name": f"persist:doomed-{unique}"}]
    assert [item["name"] for item in state["partitions"]] == ["persist:default"]


def test_keyboard_shortcuts(qtbot: QtBot, make_window: MakeWindow,
                            http_server: HttpServer) -> None:
    window = make_window()
    browser = window.current_browser()
    assert browser is not None
    while browser.count() > 1:
        browser.close_tab(0)
    first = current_tab(window)
    browse(qtbot, first, http_server.url("/page?title=One"))
    browse(qtbot, first, http_server.url("/page?title=Two"))

    with qtbot.waitSignal(first.page.loadFinished):
        press(qtbot, window, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert first.url == http_server.url("/page?title=One")
    with qtbot.waitSignal(first.page.loadFinished):
        press(qtbot, window, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert first.url == http_server.url("/page?title=Two")
    before = len(http_server.requests("/page?title=Two"))
    with qtbot.waitSignal(first.page.loadFinished):
        press(qtbot, window, Qt.Key.Key_F5)
    with qtbot.waitSignal(first.page.loadFinished):
        press(qtbot, window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert len(http_server.requests("/page?title=Two")) == before + 2

    first.view.setFocus()
    press(qtbot, window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert first.address.hasFocus() and first.address.selectedText() == first.address.text()

    press(qtbot, window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    press(qtbot, window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert browser.count() == 3 and browser.tabs.currentIndex() == 2
    press(qtbot, window, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert browser.tabs.currentIndex() == 0
    press(qtbot, window, Qt.Key.Key_Backtab,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert browser.tabs.currentIndex() == 2
    press(qtbot, window, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert browser.count() == 2


def test_escape_stops_a_slow_load(qtbot: QtBot, make_window: MakeWindow,
                                  http_server: HttpServer) -> None:
    window = make_window()
    tab = current_tab(window)
    tab.address.clear()
    qtbot.keyClicks(tab.address, http_server.url("/slow"))
    qtbot.keyClick(tab.address, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: tab.is_loading and tab.stop_button.isVisibleTo(tab))
    with qtbot.waitSignal(tab.page.loadFinished) as finished:
        press(qtbot, window, Qt.Key.Key_Escape)
    assert finished.args == [False]
    assert tab.reload_button.isVisibleTo(tab)


def test_search_terms_go_to_the_search_template(qtbot: QtBot, tmp_path: Path,
                                                asyncio_running: None,
                                                http_server: HttpServer) -> None:
    window = MainWindow(StateStore(tmp_path / "window-state.json"),
                        search_template=http_server.url("/page?title={}"))
    qtbot.addWidget(window)
    tab = current_tab(window)
    browse(qtbot, tab, "partita partitions")
    assert tab.url == http_server.url("/page?title=partita+partitions")


def test_links_to_new_windows_open_a_tab_in_the_same_partition(
        qtbot: QtBot, make_window: MakeWindow, http_server: HttpServer) -> None:
    window = make_window()
    browser = window.current_browser()
    assert browser is not None
    tab = current_tab(window)
    browse(qtbot, tab, http_server.url("/blank-link"))
    count = browser.count()
    tab.page.runJavaScript("document.getElementById('out').click()")
    qtbot.waitUntil(lambda: browser.count() == count + 1)
    opened = current_tab(window)
    qtbot.waitUntil(lambda: opened.page.title() == "Opened", timeout=15000)
    assert opened.contents.session is tab.contents.session
