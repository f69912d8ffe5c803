"""The "Clear browsing data" dialog of one partition: a time range and the kinds of data.

Electron's ``clearData`` has no time range, and neither has anything below it here: the
DevTools protocol clears storage per origin (``Storage.clearDataForOrigin``) and QtWebEngine
clears the HTTP cache as a whole. So "All time" offers every kind, and a shorter range offers
only cookies, filtered by the creation times the window has seen (``CookieClock``); every
other kind is disabled for it, with the reason in its tooltip.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLayout,
    QVBoxLayout,
    QWidget,
)

from core.net.cookies import Cookie
from core.session import Session
from gui import aio
from gui.site_data_clock import CookieClock, RangeUnknowable

_STORAGE_NO_RANGE = ("Chromium clears this per origin, never by time "
                     "(DevTools Storage.clearDataForOrigin): choose All time")


@dataclass(frozen=True)
class DataKind:
    key: str
    label: str
    data_type: str | None
    """Its name in ``clear_data``'s ``data_types``."""
    storage: str | None = None
    """Its name in ``clear_storage_data``'s ``storages``, for a kind ``clear_data`` lacks."""
    no_range: str | None = None
    """Why it cannot be cleared for a time range; None for cookies, which can."""
    checked: bool = True


KINDS = (
    DataKind("cookies", "Cookies", "cookies"),
    DataKind("cache", "Cached images and files", "cache", no_range=(
        "QtWebEngine clears the HTTP cache only as a whole, never by time "
        "(QWebEngineProfile.clearHttpCache): choose All time")),
    DataKind("localStorage", "Local storage", "localStorage", no_range=_STORAGE_NO_RANGE),
    DataKind("indexedDB", "IndexedDB", "indexedDB", no_range=_STORAGE_NO_RANGE),
    DataKind("serviceWorkers", "Service workers", "serviceWorkers", no_range=_STORAGE_NO_RANGE),
    # Electron's clearData has no Cache Storage type; its clearStorageData has.
    DataKind("cacheStorage", "Cache storage", None, "cachestorage", no_range=_STORAGE_NO_RANGE),
    DataKind("downloads", "Download history", "downloads", checked=False,
             no_range="download history has no time range in clear_data: choose All time"),
)
# Partita's stylesheet gives every widget one text colour and the destructive button one
# fill, which hides what is disabled: here a disabled kind and button must look it.
STYLE = """
QCheckBox:disabled { color: #9ca3af; }
QPushButton#DestructiveButton:disabled { background: #f4b4b6; border-color: #f4b4b6; }
"""
RANGES: tuple[tuple[str, float | None], ...] = (
    ("Last hour", 3600.0),
    ("Last 24 hours", 86400.0),
    ("Last 7 days", 7 * 86400.0),
    ("Last 4 weeks", 28 * 86400.0),
    ("All time", None),
)


class ClearDataDialog(QDialog):
    """Opened with ``open()``; accepted once the data is gone, errors shown inline."""

    def __init__(self, session: Session, label: str, clock: CookieClock,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Clear browsing data")
        self.setMinimumWidth(420)
        self.setStyleSheet(STYLE)
        self._session = session
        self._clock = clock
        self._jar: list[Cookie] | None = None  # for the cookies of a time range
        self._wanted = {kind.key: kind.checked for kind in KINDS}
        self._busy = False

        self.range_combo = QComboBox()
        for text, seconds in RANGES:
            self.range_combo.addItem(text, seconds)
        self.range_combo.setCurrentIndex(len(RANGES) - 1)
        self.range_combo.currentIndexChanged.connect(self._update)
        self.boxes: dict[str, QCheckBox] = {}
        boxes = QVBoxLayout()
        boxes.setSpacing(6)
        for kind in KINDS:
            box = QCheckBox(kind.label)
            box.toggled.connect(lambda on, key=kind.key: self._toggled(key, on))
            self.boxes[kind.key] = box
            boxes.addWidget(box)
        self.note = QLabel(objectName="DialogHint", wordWrap=True)
        self.error_label = QLabel(objectName="DialogError", wordWrap=True,
                                  textInteractionFlags=Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_label.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        clear = buttons.addButton("Clear data", QDialogButtonBox.ButtonRole.AcceptRole)
        assert clear is not None
        self.clear_button = clear
        clear.setObjectName("DestructiveButton")
        buttons.accepted.connect(self.clear)
        buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("Time range", self.range_combo)
        form.addRow("Data", boxes)
        column = QVBoxLayout(self)
        column.setSpacing(12)
        # The note grows and shrinks with the range: the dialog follows instead of squeezing.
        column.setSizeConstraint(QLayout.SizeConstraint.SetFixedSize)
        column.addWidget(QLabel(f"Clears data of “{label}” only.", objectName="DialogHint"))
        column.addLayout(form)
        column.addWidget(self.note)
        column.addWidget(self.error_label)
        column.addWidget(buttons)
        self._update()
        aio.spawn(self, session.cookies.all(), self._got_jar,
                  lambda error: self._show_error(f"Cannot read the cookies: {error}"))

    # ----------------------------------------------------------------- what can be chosen
    def seconds(self) -> float | None:
        value = self.range_combo.currentData()
        return None if value is None else float(value)

    def reason_disabled(self, kind: DataKind) -> str | None:
        """Why ``kind`` cannot be cleared for the chosen range, or None."""
        seconds = self.seconds()
        if seconds is None:
            return None
        if kind.no_range is not None:
            return kind.no_range
        if self._jar is None:
            return "reading this partition's cookies…"
        try:
            self._clock.created_since(self._jar, time.time() - seconds)
        except RangeUnknowable as error:
            return str(error)
        return None

    def chosen(self) -> list[DataKind]:
        return [kind for kind in KINDS
                if self.boxes[kind.key].isEnabled() and self.boxes[kind.key].isChecked()]

    def _toggled(self, key: str, on: bool) -> None:
        if self.boxes[key].isEnabled():
            self._wanted[key] = on
        self._sync_button()

    def _update(self) -> None:
        for kind in KINDS:
            box = self.boxes[kind.key]
            reason = self.reason_disabled(kind)
            box.setEnabled(reason is None and not self._busy)
            box.setToolTip(reason or "")
            # A box that cannot be honoured is shown unchecked, never as if it would be cleared.
            box.blockSignals(True)
            box.setChecked(reason is None and self._wanted[kind.key])
            box.blockSignals(False)
        cookies = self.reason_disabled(KINDS[0])
        self.note.setText(
            "" if self.seconds() is None else
            "Only cookies can be cleared for a time range; the other kinds for All time only."
            + ("" if cookies is None else f"\nCookies cannot either: {cookies}."))
        self.note.setVisible(self.seconds() is not None)
        self._sync_button()

    def _sync_button(self) -> None:
        self.clear_button.setEnabled(not self._busy and bool(self.chosen()))

    def _got_jar(self, jar: list[Cookie]) -> None:
        self._jar = jar
        self._update()

    # ----------------------------------------------------------------- clearing
    def clear(self) -> None:
        kinds = self.chosen()
        if not kinds or self._busy:
            return
        self._busy = True
        self._show_error(None)
        self.range_combo.setEnabled(False)
        self._update()
        self.clear_button.setText("Clearing…")
        aio.spawn(self, self._clear(kinds, self.seconds()), self._done, self._failed)

    async def _clear(self, kinds: list[DataKind], seconds: float | None) -> None:
        if seconds is not None:
            # Only cookies are offered for a range (reason_disabled).
            jar = await self._session.cookies.all()
            await self._session.cookies.delete(
                self._clock.created_since(jar, time.time() - seconds))
            return
        jobs = []
        data_types = [kind.data_type for kind in kinds if kind.data_type is not None]
        storages = [kind.storage for kind in kinds if kind.storage is not None]
        if data_types:
            jobs.append(self._session.clear_data(data_types=data_types))
        if storages:
            jobs.append(self._session.clear_storage_data(storages=storages))
        await asyncio.gather(*jobs)

    def _done(self, _: None) -> None:
        self._busy = False
        self.accept()

    def _failed(self, error: Exception) -> None:
        self._busy = False
        self.range_combo.setEnabled(True)
        self.clear_button.setText("Clear data")
        self._update()
        self._show_error(f"Not cleared: {error}")

    def _show_error(self, text: str | None) -> None:
        self.error_label.setText(text or "")
        self.error_label.setVisible(text is not None)
