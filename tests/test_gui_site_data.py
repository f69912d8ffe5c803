"""The Site data panel, driven as a user does: real pages on a real local server set cookies
and storage, and the panel finds, shows, deletes and clears them."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from PyQt6.QtCore import QPoint, Qt
from PyQt6.QtWidgets import QAbstractButton, QTreeWidget, QTreeWidgetItem
from pytestqt.qtbot import QtBot

from core.session import Session
from gui.main_window import MainWindow
from gui.panels_site_data import SiteDataPanel
from gui.tab import Tab
from tests.servers import HttpServer
from tests.test_gui_support import MakeWindow, browse

pytest_plugins = ("tests.test_gui_support",)
T = TypeVar("T")

WRITE_STORAGE = """(async () => {
  localStorage.setItem('kept', 'yes');
  await new Promise((ok, fail) => {
    const open = indexedDB.open('db', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('s');
    open.onsuccess = () => {
      const write = open.result.transaction('s', 'readwrite');
      write.objectStore('s').put('x'.repeat(50000), 1);
      write.oncomplete = () => { open.result.close(); ok(); };
    };
    open.onerror = fail;
  });
  return true;
})()"""


def result_of(qtbot: QtBot, coro: Coroutine[Any, Any, T]) -> T:
    """Run one of core's coroutines on the app's loop while Qt keeps processing events."""
    task = asyncio.ensure_future(coro)
    qtbot.waitUntil(task.done, timeout=15000)
    return task.result()


def open_partition(qtbot: QtBot, window: MainWindow, name: str) -> tuple[SiteDataPanel, Tab,
                                                                         Session]:
    tab = window.open_url("about:blank", name)
    panel = window.panel("site-data")
    assert isinstance(panel, SiteDataPanel)
    qtbot.waitUntil(lambda: panel.loaded)
    return panel, tab, tab.contents.session


def click(qtbot: QtBot, widget: QAbstractButton) -> None:
    assert widget.isEnabled(), f"{widget.text()!r} is disabled"
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def click_row(qtbot: QtBot, tree: QTreeWidget, item: QTreeWidgetItem) -> None:
    tree.scrollToItem(item)
    rect = tree.visualItemRect(item)
    viewport = tree.viewport()
    assert viewport is not None
    # Left of centre: a site row spans the whole width, most of it scrolled out of view.
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton,
                     pos=QPoint(rect.left() + 24, rect.center().y()))
    assert tree.selectedItems() == [item]


def cookie_row(panel: SiteDataPanel, name: str, domain: str) -> QTreeWidgetItem:
    return next(item for item in panel.tree.cookie_items()
                if (item.text(0), item.text(2)) == (name, domain))


def site_row(panel: SiteDataPanel, site: str) -> QTreeWidgetItem:
    index = panel.tree.sites_shown().index(site)
    item = panel.tree.topLevelItem(index)
    assert item is not None
    return item


def shown(panel: SiteDataPanel) -> list[tuple[str, str, str]]:
    """(name, value, domain) of every cookie row, as the list shows them."""
    return [(item.text(0), item.text(1), item.text(2)) for item in panel.tree.cookie_items()]


def names(qtbot: QtBot, session: Session, **filters: Any) -> list[str]:
    return sorted(cookie.name for cookie in result_of(qtbot, session.cookies.get(**filters)))


def test_find_inspect_and_delete_a_cookie(
        qtbot: QtBot, make_window: MakeWindow, http_server: HttpServer, unique: str) -> None:
    window = make_window()
    panel, tab, session = open_partition(qtbot, window, f"cookies-{unique}")
    local = f"http://localhost:{http_server.port}"
    browse(qtbot, tab, http_server.url("/set-cookie?c=alpha%3Done"))
    browse(qtbot, tab, f"{local}/set-cookie?c=beta%3Dtwo%3B%20Secure%3B%20SameSite%3DNone")
    browse(qtbot, tab, f"{local}/set-cookie?c=alpha%3Dthree%3B%20HttpOnly%3B%20SameSite%3DLax")
    qtbot.waitUntil(lambda: len(shown(panel)) == 3)
    assert panel.tree.sites_shown() == ["127.0.0.1", "localhost"]
    assert panel.summary_label.text() == "3 cookies on 2 sites"

    qtbot.keyClicks(panel.search_edit, "ALPHA")
    assert shown(panel) == [("alpha", "one", "127.0.0.1"), ("alpha", "three", "localhost")]
    assert panel.summary_label.text() == "2 cookies on 2 sites"
    panel.search_edit.clear()
    qtbot.keyClicks(panel.search_edit, "localh")
    assert shown(panel) == [("alpha", "three", "localhost"), ("beta", "two", "localhost")]
    assert [item.text(5) for item in panel.tree.cookie_items()] == [
        "HttpOnly · SameSite=Lax", "Secure · SameSite=None"]
    assert not panel.delete_button.isEnabled()

    click_row(qtbot, panel.tree, cookie_row(panel, "alpha", "localhost"))
    fields = {name: field.text() for name, field in panel.details.fields.items()}
    assert fields["Name"] == "alpha" and fields["Value"] == "three"
    assert fields["Domain"] == "localhost  (host only)" and fields["Path"] == "/"
    assert fields["Expires"] != "session"  # Max-Age=86400: a date
    assert fields["Flags"] == "HttpOnly · SameSite=Lax"

    click(qtbot, panel.delete_button)
    qtbot.waitUntil(lambda: shown(panel) == [("beta", "two", "localhost")])
    assert panel.details.cookie is None
    assert names(qtbot, session, url=local + "/") == ["beta"]
    assert names(qtbot, session, name="alpha") == ["alpha"]  # 127.0.0.1's is another cookie

    panel.search_edit.clear()
    qtbot.keyClicks(panel.search_edit, "nothing-like-it")
    assert shown(panel) == []
    assert panel.summary_label.text() == "No cookie matches “nothing-like-it”"


def test_clear_site_removes_its_cookies_and_storage_and_keeps_the_other_site(
        qtbot: QtBot, make_window: MakeWindow, http_server: HttpServer, unique: str) -> None:
    window = make_window()
    panel, first, session = open_partition(qtbot, window, f"sites-{unique}")
    local = f"http://localhost:{http_server.port}"
    browse(qtbot, first, http_server.url("/set-cookie?c=a%3D1"))
    second = window.open_url("about:blank")
    browse(qtbot, second, f"{local}/set-cookie?c=b%3D2")
    for tab in (first, second):
        assert result_of(qtbot, tab.contents.execute_javascript(WRITE_STORAGE)) is True

    def usage() -> dict[str, int]:
        return {item.origin: item.total for item in panel.usage}

    click(qtbot, panel.refresh_button)
    qtbot.waitUntil(lambda: len(usage()) == 2 and min(usage().values()) > 0)
    rows = [panel.storage_list.topLevelItem(i) for i in range(2)]
    assert [row.text(0) for row in rows if row] == [http_server.url(""), local]
    assert all(row.text(1).endswith(("KB", "MB")) for row in rows if row)

    click_row(qtbot, panel.tree, site_row(panel, "127.0.0.1"))
    assert panel.details.cookie is None and not panel.delete_button.isEnabled()
    click(qtbot, panel.clear_site_button)
    qtbot.waitUntil(lambda: panel.tree.sites_shown() == ["localhost"])
    qtbot.waitUntil(lambda: usage().get(http_server.url("")) == 0)
    assert usage()[local] > 0
    assert names(qtbot, session) == ["b"]
    read = "[localStorage.getItem('kept'), document.cookie]"
    assert result_of(qtbot, first.contents.execute_javascript(read)) == [None, ""]
    assert result_of(qtbot, second.contents.execute_javascript(read)) == ["yes", "b=2"]

    click_row(qtbot, panel.tree, site_row(panel, "localhost"))
    click(qtbot, panel.delete_site_button)
    qtbot.waitUntil(lambda: panel.tree.sites_shown() == [])
    assert names(qtbot, session) == []
    assert result_of(qtbot, second.contents.execute_javascript(read)) == ["yes", ""]


def test_the_list_follows_cookies_that_pages_set(
        qtbot: QtBot, make_window: MakeWindow, http_server: HttpServer, unique: str) -> None:
    window = make_window()
    panel, tab, _ = open_partition(qtbot, window, f"live-{unique}")
    browse(qtbot, tab, http_server.url("/page"))
    listed = panel.listings
    burst = "for (let i = 0; i < 20; i++) document.cookie = 'n' + i + '=' + i; true"
    assert result_of(qtbot, tab.contents.execute_javascript(burst)) is True
    qtbot.waitUntil(lambda: len(shown(panel)) == 20)
    # Twenty "changed" events, coalesced into a listing or two.
    assert panel.listings - listed <= 3
    click_row(qtbot, panel.tree, cookie_row(panel, "n7", "127.0.0.1"))
    assert result_of(qtbot, tab.contents.execute_javascript(
        "document.cookie = 'n7=changed'; document.cookie = 'late=1'; true")) is True
    qtbot.waitUntil(lambda: ("late", "1", "127.0.0.1") in shown(panel))
    # The selection survives the refresh and shows the new value.
    assert panel.details.fields["Value"].text() == "changed"
