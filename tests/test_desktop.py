"""Desktop integration: the .desktop file, the icon sizes, the About box, the tray fallback."""

from __future__ import annotations

import configparser
import logging
import shutil
import subprocess
from pathlib import Path

import pytest
from PyQt6.QtGui import QImage
from PyQt6.QtWidgets import QSystemTrayIcon, QWidget

from gui import about
from gui.tray import Tray

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
SIZES = (16, 32, 48, 64, 128, 256)


def test_desktop_file() -> None:
    path = RESOURCES / "partita.desktop"
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(path, encoding="utf-8")
    section = entry["Desktop Entry"]
    assert section["Exec"] == "partita %u"
    assert section["Icon"] == "partita"
    validator = shutil.which("desktop-file-validate")
    if validator:
        result = subprocess.run([validator, str(path)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


def test_png_icons_match_their_names(qapp) -> None:  # type: ignore[no-untyped-def]
    assert (RESOURCES / "icons" / "partita.svg").is_file()
    for size in SIZES:
        image = QImage(str(RESOURCES / "icons" / f"partita-{size}.png"))
        assert (image.width(), image.height()) == (size, size)
        assert image.hasAlphaChannel()


def test_versions_name_app_qt_and_chromium() -> None:
    versions = about.versions()
    assert list(versions) == ["Partita", "Qt", "PyQt", "Qt WebEngine", "PyQt WebEngine", "Chromium"]
    assert versions["Qt"].startswith("6.")
    assert versions["Chromium"].split(".")[0].isdigit()
    assert "unknown" not in versions.values()


def test_about_box_shows_the_versions(qtbot) -> None:  # type: ignore[no-untyped-def]
    # Not shown: the offscreen platform warns about a fixed-size dialog's size hints.
    box = about.about_box()
    try:
        assert box.windowTitle() == "About Partita"
        for name, version in about.versions().items():
            assert name in box.text()
            assert version in box.text()
        assert not box.iconPixmap().isNull()
    finally:
        box.close()


def test_tray_without_a_system_tray_logs_notifications(  # type: ignore[no-untyped-def]
    qtbot, caplog: pytest.LogCaptureFixture
) -> None:
    assert not QSystemTrayIcon.isSystemTrayAvailable()  # offscreen has no tray
    window = QWidget()
    qtbot.addWidget(window)
    tray = Tray(window)
    assert not tray.available
    with caplog.at_level(logging.INFO, logger="partita.gui.tray"):
        tray.notify("Download finished", "report.pdf")
    assert "notification: Download finished: report.pdf" in caplog.text


def test_tray_toggles_the_window(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = QWidget()
    qtbot.addWidget(window)
    tray = Tray(window)
    window.show()
    tray.toggle_window()
    assert not window.isVisible()
    tray.toggle_window()
    assert window.isVisible()
