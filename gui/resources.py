"""Icons and the stylesheet from the repository's resources/ folder."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PyQt6.QtGui import QColor, QIcon, QPalette
from PyQt6.QtWidgets import QApplication

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
ICONS = RESOURCES / "icons"
ACCENT = "#4f7cff"


@cache
def icon(name: str) -> QIcon:
    path = ICONS / f"{name}.svg"
    if not path.is_file():
        raise FileNotFoundError(f"no icon {name!r} in {ICONS}")
    return QIcon(str(path))


def stylesheet() -> str:
    # QSS resolves url() against the working directory, so icon paths are made absolute here.
    return (RESOURCES / "style.qss").read_text("utf-8").replace("@ICONS@", ICONS.as_posix())


def apply_theme(app: QApplication) -> None:
    """Fusion with a light palette and Partita's stylesheet, the same on every desktop."""
    app.setStyle("Fusion")
    palette = app.palette()
    palette.setColor(QPalette.ColorRole.Window, QColor("#f7f8fa"))
    palette.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.Highlight, QColor(ACCENT))
    palette.setColor(QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.Link, QColor(ACCENT))
    app.setPalette(palette)
    app.setWindowIcon(icon("partita"))
    app.setStyleSheet(stylesheet())
