"""The tray icon: show or hide the window, quit, and notifications (finished downloads).

Where the desktop has no tray (or under offscreen), there is no icon and notifications go
to the log, so callers never need to check.
"""

from __future__ import annotations

import logging

from PyQt6.QtCore import QObject
from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import QApplication, QMenu, QSystemTrayIcon, QWidget

from gui import resources

log = logging.getLogger("partita.gui.tray")

NOTIFICATION_MS = 6000


class Tray(QObject):
    """Owns one ``QSystemTrayIcon`` for ``window``, or nothing where no tray exists."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._icon: QSystemTrayIcon | None = None
        if not QSystemTrayIcon.isSystemTrayAvailable():
            log.info("no system tray: notifications go to the log")
            return
        menu = QMenu(window)
        self._toggle = QAction("Hide Partita", menu)
        self._toggle.triggered.connect(self.toggle_window)
        quit_action = QAction("Quit", menu)
        quit_action.triggered.connect(QApplication.quit)
        menu.addAction(self._toggle)
        menu.addSeparator()
        menu.addAction(quit_action)
        menu.aboutToShow.connect(self._label_toggle)
        self._icon = QSystemTrayIcon(resources.icon("partita"), self)
        self._icon.setToolTip("Partita")
        self._icon.setContextMenu(menu)
        self._icon.activated.connect(self._activated)
        self._icon.show()

    @property
    def available(self) -> bool:
        return self._icon is not None

    def toggle_window(self) -> None:
        if self._window.isVisible() and not self._window.isMinimized():
            self._window.hide()
        else:
            # Mapping a hidden or minimised window puts it on top already: no raise_() needed.
            self._window.showNormal()
            self._window.activateWindow()

    def notify(self, title: str, message: str) -> None:
        """A desktop notification, e.g. "Download finished"; logged where there is no tray."""
        if self._icon is not None and QSystemTrayIcon.supportsMessages():
            self._icon.showMessage(
                title, message, QSystemTrayIcon.MessageIcon.Information, NOTIFICATION_MS
            )
        else:
            log.info("notification: %s: %s", title, message)

    def _label_toggle(self) -> None:
        hidden = not self._window.isVisible() or self._window.isMinimized()
        self._toggle.setText("Show Partita" if hidden else "Hide Partita")

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.toggle_window()
