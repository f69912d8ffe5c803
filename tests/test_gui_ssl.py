"""The SSL panel: TLS versions, cipher suites by name, and the cipher table against Chromium."""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Callable
from typing import Any

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QStandardItemModel
from PyQt6.QtWidgets import QComboBox
from pytestqt.qtbot import QtBot

from core import session as sessions
from core.errors import NetError
from core.web_contents import WebContents
from gui.panels_ssl import SslPanel
from gui.tls_ciphers import CIPHER_SUITES
from tests.test_gui_support import MakeWindow, click_partition, front_panel, open_partition

pytest_plugins = ("tests.test_gui_support",)

TLS13_SUITES = {0x1301, 0x1302, 0x1303}


def pick(qtbot: QtBot, combo: QComboBox, text: str) -> None:
    """Choose ``text`` from the combo box with the keyboard, as a user tabbing through does."""
    combo.setFocus()
    start = combo.currentIndex()
    target = combo.findText(text)
    assert target >= 0, f"{text!r} is not offered"
    key = Qt.Key.Key_Down if target > start else Qt.Key.Key_Up
    for _ in range(abs(target - start)):
        qtbot.keyClick(combo, key)
    assert combo.currentText() == text


def offered(combo: QComboBox) -> list[str]:
    model = combo.model()
    assert isinstance(model, QStandardItemModel)
    return [combo.itemText(row) for row in range(combo.count())
            if model.item(row).isEnabled()]  # type: ignore[union-attr]


def test_versions_and_ciphers_are_chosen_by_name_and_applied(
        qtbot: QtBot, make_window: MakeWindow, unique: str) -> None:
    window = make_window()
    session = open_partition(qtbot, window, "Strict", f"strict-{unique}")
    panel = front_panel(qtbot, window, "ssl", SslPanel)
    assert list(panel.cipher_boxes) == list(CIPHER_SUITES)
    assert not any(box.isChecked() for box in panel.cipher_boxes.values())

    # A minimum above the maximum raises the maximum, and lower maxima are greyed out.
    pick(qtbot, panel.max_combo, "TLS 1.2")
    pick(qtbot, panel.min_combo, "TLS 1.3")
    assert panel.max_combo.currentText() == "TLS 1.3"
    assert offered(panel.max_combo) == ["TLS 1.3"]
    assert "raised" in panel.version_hint.text()
    pick(qtbot, panel.min_combo, "TLS 1.2")
    assert offered(panel.max_combo) == ["TLS 1.2", "TLS 1.3"]

    by_name = {box.text(): box for box in panel.cipher_boxes.values()}
    qtbot.mouseClick(by_name["TLS_RSA_WITH_AES_128_GCM_SHA256"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(by_name["TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"],
                     Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    assert panel.error_label.isHidden(), panel.error_label.text()
    assert session.get_ssl_config() == {
        "min_version": "tls1.2", "max_version": "tls1.3",
        "disabled_cipher_suites": [0xC013, 0x009C]}
    assert panel.state_label.text() == "Now TLS 1.2 to TLS 1.3; 2 suites disabled"

    # A suite set through the API that the table does not know is listed by code, and kept.
    session.set_ssl_config(min_version="tls1.2", disabled_cipher_suites=[0x0004])
    click_partition(qtbot, window, "Default")
    click_partition(qtbot, window, "Strict")
    assert [box.text() for box in panel.cipher_boxes.values() if box.isChecked()] == [
        "0x0004"]
    qtbot.mouseClick(panel.cipher_boxes[0x009D], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    assert sorted(session.get_ssl_config()["disabled_cipher_suites"]) == [0x0004, 0x009D]


def _client_hello_suites(hello: bytes) -> list[int]:
    # record header (5), handshake header (4), client_version (2), random (32), session id
    offset = 5 + 4 + 2 + 32
    offset += 1 + hello[offset]
    (length,) = struct.unpack(">H", hello[offset:offset + 2])
    offset += 2
    return [code for (code,) in struct.iter_unpack(">H", hello[offset:offset + length])]


def test_cipher_table_is_what_chromium_offers(
        run: Callable[[Any], Any], unique: str) -> None:
    """The table lists exactly the TLS 1.0-1.2 suites in Chromium's ClientHello, in order."""
    hellos: list[bytes] = []

    async def capture(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        header = await reader.readexactly(5)
        hellos.append(header + await reader.readexactly(int.from_bytes(header[3:5], "big")))
        writer.close()

    async def main() -> None:
        server = await asyncio.start_server(capture, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        page = WebContents(session=sessions.from_partition(f"hello-{unique}"))
        try:
            with pytest.raises(NetError):
                await page.load_url(f"https://127.0.0.1:{port}/")
        finally:
            page.close()
            server.close()

    run(main())
    suites = _client_hello_suites(hellos[0])
    # GREASE values (RFC 8701) are random 0x?A?A fillers, not suites.
    real = [code for code in suites if code & 0x0F0F != 0x0A0A]
    assert [code for code in real if code not in TLS13_SUITES] == list(CIPHER_SUITES)
