"""The certificate interstitial, against a real HTTPS server whose certificate no one trusts."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QTabBar, QTreeWidget
from pytestqt.qtbot import QtBot

from gui.cert_interstitial import TITLE, CertificateInterstitial
from gui.main_window import MainWindow
from gui.panels_ssl import SslPanel
from gui.tab import Tab
from tests.servers import HttpServer
from tests.test_gui_support import MakeWindow, browse, current_tab, open_partition
from tests.tls_servers import HttpsServer, Pki, make_pki

pytest_plugins = ("tests.test_gui_support",)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def https_server(pki: Pki) -> Iterator[HttpsServer]:
    server = HttpsServer(pki.leaf)
    yield server
    server.close()


def interstitial(window: MainWindow, tab: Tab) -> CertificateInterstitial | None:
    browser = window.current_browser()
    assert browser is not None
    return browser.certificates.interstitial(tab)


def go(qtbot: QtBot, tab: Tab, url: str) -> None:
    """Type ``url`` and press Enter; the load waits on the user, so no waiting for its end."""
    tab.address.clear()
    qtbot.keyClicks(tab.address, url)
    qtbot.keyClick(tab.address, Qt.Key.Key_Return)


def wait_for_interstitial(qtbot: QtBot, window: MainWindow,
                          tab: Tab) -> CertificateInterstitial:
    qtbot.waitUntil(lambda: interstitial(window, tab) is not None, timeout=15000)
    shown = interstitial(window, tab)
    assert shown is not None and shown.isVisible()
    return shown


def sha256_colons(der: bytes) -> str:
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[index:index + 2] for index in range(0, len(digest), 2))


def exception_rows(tree: QTreeWidget) -> list[str]:
    return [tree.topLevelItem(row).text(0)  # type: ignore[union-attr]
            for row in range(tree.topLevelItemCount())]


def test_untrusted_certificate_asks_and_back_denies_then_proceed_loads_and_revoke_forgets(
        qtbot: QtBot, make_window: MakeWindow, https_server: HttpsServer, pki: Pki,
        unique: str) -> None:
    window = make_window()
    window.docks["ssl"].raise_()
    session = open_partition(qtbot, window, "Tls", f"tls-{unique}")
    tab = current_tab(window)
    secret = https_server.url("/page?title=Secret")

    go(qtbot, tab, secret)
    shown = wait_for_interstitial(qtbot, window, tab)
    assert shown.title_label.text() == TITLE
    assert shown.host_label.text() == "127.0.0.1"
    assert shown.error_label.text() == "net::ERR_CERT_AUTHORITY_INVALID"
    assert "not issued by an authority this browser trusts" in shown.explanation_label.text()
    assert shown.fingerprint == sha256_colons(pki.leaf.der)
    assert shown.geometry() == tab.view.geometry()  # it covers the page
    assert https_server.requests() == []  # nothing went over the connection

    with qtbot.waitSignal(tab.page.loadFinished, timeout=15000) as finished:
        qtbot.mouseClick(shown.back_button, Qt.MouseButton.LeftButton)
    assert finished.args == [False]
    assert interstitial(window, tab) is None
    assert tab.page.title() != "Secret"
    assert https_server.requests() == []
    assert session.get_certificate_exceptions() == []

    # Denied is not remembered: the next visit asks again. Proceed loads the page.
    go(qtbot, tab, secret)
    shown = wait_for_interstitial(qtbot, window, tab)
    with qtbot.waitSignal(tab.page.loadFinished, timeout=15000) as finished:
        qtbot.mouseClick(shown.proceed_button, Qt.MouseButton.LeftButton)
    assert finished.args == [True]
    assert interstitial(window, tab) is None
    assert tab.page.title() == "Secret"
    assert [seen.path for seen in https_server.requests("/page")] == ["/page?title=Secret"]

    # The exception is listed in the SSL panel, and revoked there.
    panel = window.panel("ssl")
    assert isinstance(panel, SslPanel)
    qtbot.waitUntil(lambda: panel.exception_tree.topLevelItemCount() == 1)
    assert [exception["error"] for exception in session.get_certificate_exceptions()] == [
        "net::ERR_CERT_AUTHORITY_INVALID"]
    assert not panel.revoke_button.isEnabled()
    item = panel.exception_tree.topLevelItem(0)
    assert item is not None and "127.0.0.1" in item.text(0)
    viewport = panel.exception_tree.viewport()
    assert viewport is not None
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton,
                     pos=panel.exception_tree.visualItemRect(item).center())
    qtbot.mouseClick(panel.revoke_button, Qt.MouseButton.LeftButton)
    assert exception_rows(panel.exception_tree) == []
    assert session.get_certificate_exceptions() == []

    # Chromium keeps an accepted certificate for the rest of the run and cannot forget it,
    # so core refuses connections to the revoked host until the next start: a reload of the
    # same page on the same server gets no page and no question.
    with qtbot.waitSignal(tab.page.loadFinished, timeout=15000) as finished:
        qtbot.mouseClick(tab.reload_button, Qt.MouseButton.LeftButton)
    assert finished.args == [False]
    assert interstitial(window, tab) is None
    assert [seen.path for seen in https_server.requests("/page")] == ["/page?title=Secret"]


def test_subresource_with_an_untrusted_certificate_is_denied_without_asking(
        qtbot: QtBot, make_window: MakeWindow, http_server: HttpServer,
        https_server: HttpsServer, unique: str) -> None:
    window = make_window()
    session = open_partition(qtbot, window, "Mixed", f"mixed-{unique}")
    tab = current_tab(window)
    image = https_server.url("/asset.gif")
    body = f"<img id=i src='{image}' onerror='document.title=\"failed\"'>"
    browse(qtbot, tab, http_server.url(f"/page?title=Host&body={body}"))
    qtbot.waitUntil(lambda: tab.page.title() == "failed", timeout=15000)
    assert interstitial(window, tab) is None
    assert https_server.requests() == []
    assert session.get_certificate_exceptions() == []


def test_closing_the_tab_denies(qtbot: QtBot, make_window: MakeWindow,
                                https_server: HttpsServer, unique: str) -> None:
    window = make_window()
    session = open_partition(qtbot, window, "Closing", f"closing-{unique}")
    browser = window.current_browser()
    assert browser is not None
    first = current_tab(window)
    tab = browser.new_tab()
    go(qtbot, tab, https_server.url("/page?title=Secret"))
    wait_for_interstitial(qtbot, window, tab)
    tab_bar = browser.tabs.tabBar()
    assert tab_bar is not None
    close = tab_bar.tabButton(browser.tabs.indexOf(tab), QTabBar.ButtonPosition.RightSide)
    assert close is not None
    qtbot.mouseClick(close, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: interstitial(window, tab) is None)
    assert current_tab(window) is first
    assert https_server.requests() == []
    assert session.get_certificate_exceptions() == []


def test_navigating_elsewhere_withdraws_the_question(
        qtbot: QtBot, make_window: MakeWindow, http_server: HttpServer,
        https_server: HttpsServer, unique: str) -> None:
    window = make_window()
    session = open_partition(qtbot, window, "Away", f"away-{unique}")
    tab = current_tab(window)
    go(qtbot, tab, https_server.url("/page?title=Secret"))
    wait_for_interstitial(qtbot, window, tab)
    browse(qtbot, tab, http_server.url("/page?title=Elsewhere"))
    assert tab.page.title() == "Elsewhere"
    assert interstitial(window, tab) is None
    assert https_server.requests() == []
    assert session.get_certificate_exceptions() == []
