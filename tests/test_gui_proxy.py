"""The Proxy panel and the login dialog, driven as a user drives them, against a real
upstream proxy that answers 407 and the real OS keyring."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator

import keyring
import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QApplication, QDialogButtonBox
from pytestqt.qtbot import QtBot

from core.net.credentials import SERVICE
from gui.login_dialog import LoginDialog
from gui.panels_proxy import ProxyPanel
from tests.servers import HttpServer
from tests.test_gui_support import (
    MakeWindow,
    add_partition,
    click_partition,
    current_tab,
    front_panel,
)
from tests.test_router_servers import UpstreamHttpProxy

pytest_plugins = ("tests.test_gui_support",)


@pytest.fixture
def upstream_407() -> Iterator[UpstreamHttpProxy]:
    """An upstream proxy wanting carol:pw, on a thread of its own (pytest-qt spins Qt here)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="upstream-proxy", daemon=True)
    thread.start()
    proxy = asyncio.run_coroutine_threadsafe(
        UpstreamHttpProxy(credentials=("carol", "pw")).start(), loop).result(10)
    yield proxy
    asyncio.run_coroutine_threadsafe(proxy.close(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


def choose_mode(qtbot: QtBot, panel: ProxyPanel, mode: str) -> None:
    """Pick ``mode`` in the combo box with the keyboard, as a user can."""
    panel.mode_combo.setFocus()
    while panel.mode != mode:
        before = panel.mode_combo.currentIndex()
        qtbot.keyClick(panel.mode_combo, Qt.Key.Key_Down)
        assert panel.mode_combo.currentIndex() != before, f"no mode {mode!r}"


def apply(qtbot: QtBot, panel: ProxyPanel) -> None:
    qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.status_label.text() == "Applied", timeout=10000)


def test_fixed_servers_are_checked_as_typed_applied_and_tested(
        qtbot: QtBot, make_window: MakeWindow, unique: str) -> None:
    window = make_window()
    add_partition(qtbot, window, "Proxied", f"proxied-{unique}", kind="memory")
    qtbot.waitUntil(lambda: window.sidebar.labels() == ["Default", "Proxied"])
    panel = front_panel(qtbot, window, "proxy", ProxyPanel)
    choose_mode(qtbot, panel, "fixed_servers")
    rules = panel.fields["rules"]
    assert rules.isVisible() and not panel.fields["pac"].isVisible()

    qtbot.keyClicks(rules.edit, "http=:::")
    assert rules.error.isVisible() and "invalid proxy" in rules.error.text().lower()
    assert not panel.apply_button.isEnabled()

    rules.edit.clear()
    qtbot.keyClicks(rules.edit, "http=127.0.0.1:3128;socks=127.0.0.1:1080")
    assert not rules.error.isVisible()
    qtbot.keyClicks(panel.fields["bypass"].edit, "*.internal")
    assert panel.apply_button.isEnabled()
    apply(qtbot, panel)

    qtbot.keyClicks(panel.test_edit, "http://example.test/")
    qtbot.mouseClick(panel.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.test_result.text() == "PROXY 127.0.0.1:3128")
    panel.test_edit.clear()
    qtbot.keyClicks(panel.test_edit, "http://db.internal/")
    qtbot.keyClick(panel.test_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.test_result.text() == "DIRECT")
    entry = window.current_entry()
    assert entry is not None
    assert window.browsers[entry.key].session.get_proxy_settings() == {
        "mode": "fixed_servers", "pac_script": None,
        "proxy_rules": "http=127.0.0.1:3128;socks=127.0.0.1:1080",
        "proxy_bypass_rules": "*.internal"}


def test_a_bad_pac_url_is_explained_before_apply(qtbot: QtBot, make_window: MakeWindow,
                                                 unique: str) -> None:
    window = make_window()
    add_partition(qtbot, window, "Pac", f"pac-{unique}", kind="memory")
    qtbot.waitUntil(lambda: window.sidebar.labels() == ["Default", "Pac"])
    panel = front_panel(qtbot, window, "proxy", ProxyPanel)
    choose_mode(qtbot, panel, "pac_script")
    assert not panel.apply_button.isEnabled()  # an empty URL
    qtbot.keyClicks(panel.fields["pac"].edit, "ftp://nope/proxy.pac")
    assert "PAC URL" in panel.fields["pac"].error.text()
    assert not panel.apply_button.isEnabled()


@pytest.mark.usefixtures("os_keyring")
def test_the_login_dialog_answers_an_upstream_407_and_the_panel_forgets_it(
        qtbot: QtBot, make_window: MakeWindow, unique: str, http_server: HttpServer,
        upstream_407: UpstreamHttpProxy) -> None:
    window = make_window()
    add_partition(qtbot, window, "Office", f"office-{unique}")
    qtbot.waitUntil(lambda: window.sidebar.labels() == ["Default", "Office"])
    panel = front_panel(qtbot, window, "proxy", ProxyPanel)
    choose_mode(qtbot, panel, "fixed_servers")
    qtbot.keyClicks(panel.fields["rules"].edit, f"127.0.0.1:{upstream_407.port}")
    qtbot.keyClicks(panel.fields["bypass"].edit, "<-loopback>")
    apply(qtbot, panel)

    tab = current_tab(window)
    qtbot.keyClicks(tab.address, http_server.url("/page?title=Behind+the+proxy"))
    qtbot.keyClick(tab.address, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: isinstance(QApplication.activeModalWidget(), LoginDialog),
                    timeout=15000)
    dialog = QApplication.activeModalWidget()
    assert isinstance(dialog, LoginDialog)
    assert dialog.message.text() == (f"The proxy 127.0.0.1:{upstream_407.port} asks for a "
                                     "user name and password (“up”).")
    qtbot.keyClicks(dialog.username_edit, "carol")
    qtbot.keyClicks(dialog.password_edit, "pw")
    assert dialog.remember_box.isChecked()
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert ok is not None
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.page.title() == "Behind the proxy", timeout=15000)

    proxy = f"http://127.0.0.1:{upstream_407.port}"
    session = window.browsers[window.current_entry().key].session  # type: ignore[union-attr]
    entry = f"{session.storage_path} {proxy}"
    assert json.loads(keyring.get_password(SERVICE, entry) or "null") == {
        "username": "carol", "password": "pw"}
    click_partition(qtbot, window, "Default")  # the panel lists what the partition keeps
    click_partition(qtbot, window, "Office")
    assert [panel.credentials_list.item(row).text()  # type: ignore[union-attr]
            for row in range(panel.credentials_list.count())] == [f"{proxy} — carol"]
    panel.credentials_list.setCurrentRow(0)
    qtbot.mouseClick(panel.forget_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.credentials_list.count() == 0)
    assert keyring.get_password(SERVICE, entry) is None
