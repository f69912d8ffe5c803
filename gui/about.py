"""The About dialog: which Partita, Qt, PyQt and Chromium this is (what a bug report needs)."""

from __future__ import annotations

import html
import importlib.metadata

from PyQt6 import QtWebEngineCore
from PyQt6.QtCore import PYQT_VERSION_STR, Qt, qVersion
from PyQt6.QtWidgets import QMessageBox, QWidget

from gui import resources


def app_version() -> str:
    try:
        return importlib.metadata.version("partita")
    except importlib.metadata.PackageNotFoundError:
        return "dev"  # running from a checkout (or a bundle) without installed metadata


def versions() -> dict[str, str]:
    """Component → version, in the order the dialog shows them."""
    chromium = getattr(QtWebEngineCore, "qWebEngineChromiumVersion", None)
    webengine = getattr(QtWebEngineCore, "qWebEngineVersion", None)
    return {
        "Partita": app_version(),
        "Qt": qVersion() or "unknown",
        "PyQt": PYQT_VERSION_STR,
        "Qt WebEngine": webengine() if webengine else "unknown",
        "PyQt WebEngine": QtWebEngineCore.PYQT_WEBENGINE_VERSION_STR,
        "Chromium": chromium() if chromium else "unknown",
    }


def about_html() -> str:
    rows = "".join(
        f"<tr><td>{html.escape(name)}</td><td>&nbsp;{html.escape(version)}</td></tr>"
        for name, version in versions().items()
    )
    return (
        "<h3>Partita</h3><p>Browser partitions and a download manager.</p>"
        f"<table>{rows}</table>"
    )


def about_box(parent: QWidget | None = None) -> QMessageBox:
    """The About box, not shown yet; it deletes itself when closed."""
    box = QMessageBox(parent)
    box.setWindowTitle("About Partita")
    box.setIconPixmap(resources.icon("partita").pixmap(64, 64))
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(about_html())
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    return box


def show_about(parent: QWidget | None = None) -> None:
    """Open the About box, non-modal (the Help menu's entry)."""
    about_box(parent).show()
