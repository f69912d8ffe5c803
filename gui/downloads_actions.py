"""What the user can do with downloads: one table of actions shared by the toolbar, the
context menu and the keyboard, each enabled when it applies to a selected row.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QAction, QKeySequence
from PyQt6.QtWidgets import QWidget

from core import launch
from gui.downloads_model import FINAL_STATES, DownloadsModel, Row
from gui.resources import icon


class Host(Protocol):
    """The panel, as the actions see it."""

    model: DownloadsModel

    def selected_rows(self) -> list[Row]: ...
    def restart(self, row: Row) -> None: ...
    def remove(self, row: Row) -> None: ...
    def clear_finished(self) -> None: ...


def _toggle(host: Host, row: Row) -> None:
    if row.active:
        row.item.pause()
    else:
        row.item.resume()


def _retry(host: Host, row: Row) -> None:
    # An interrupted download continues where it stopped; a cancelled one (or one whose
    # backend cannot resume) starts again as a new download that takes its row.
    if row.resumable:
        row.item.resume()
    else:
        host.restart(row)


@dataclass(frozen=True)
class Spec:
    id: str
    text: str
    icon: str | None
    shortcut: QKeySequence.StandardKey | str | None
    applies: Callable[[Row], bool]
    """Enabled when this holds for a selected row; the action runs on those rows."""
    run: Callable[[Host, Row], object]
    in_toolbar: bool = True


SPECS = (
    Spec("pause", "Pause", "pause", None, lambda row: row.active,
         lambda host, row: row.item.pause()),
    Spec("resume", "Resume", "play", None, lambda row: row.resumable,
         lambda host, row: row.item.resume()),
    Spec("toggle", "Pause or resume", None, "Space",
         lambda row: row.active or row.resumable, _toggle, in_toolbar=False),
    Spec("cancel", "Cancel", "stop", "Shift+Del",
         lambda row: row.state not in FINAL_STATES, lambda host, row: row.item.cancel()),
    Spec("retry", "Retry", "reload", "Ctrl+Shift+R",
         lambda row: row.state in ("interrupted", "cancelled"), _retry),
    Spec("open", "Open", "open", "Return",
         lambda row: row.state == "completed" and bool(row.path),
         lambda host, row: launch.open_external(row.path)),
    Spec("show-in-folder", "Show in folder", "folder", "Ctrl+Return",
         lambda row: bool(row.path),
         lambda host, row: launch.open_external(os.path.dirname(row.path))),
    Spec("remove", "Remove from list", "trash", QKeySequence.StandardKey.Delete,
         lambda row: row.state != "progressing", lambda host, row: host.remove(row)),
)
SEPARATE_AFTER = ("cancel", "retry", "show-in-folder")
"""Where the toolbar and the context menu put a separator."""


class DownloadActions:
    """The ``QAction`` of each spec, plus "Clear finished" (which needs no selection)."""

    def __init__(self, host: Host, view: QWidget, report: Callable[[str], None]) -> None:
        self._host = host
        self._report = report
        self.by_id: dict[str, QAction] = {}
        for spec in SPECS:
            action = QAction(spec.text, view)
            if spec.icon:
                action.setIcon(icon(spec.icon))
            if spec.shortcut is not None:
                action.setShortcut(QKeySequence(spec.shortcut))
                action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
                action.setToolTip(f"{spec.text} ({action.shortcut().toString()})")
            action.triggered.connect(lambda _=False, spec=spec: self.run(spec))
            view.addAction(action)
            self.by_id[spec.id] = action
        self.clear_finished = QAction(icon("clear"), "Clear finished", view)
        self.clear_finished.setToolTip("Remove completed and cancelled downloads from the list")
        self.clear_finished.triggered.connect(lambda: host.clear_finished())
        self.sync()

    def run(self, spec: Spec) -> None:
        rows = [row for row in self._host.selected_rows() if spec.applies(row)]
        for row in rows:
            try:
                spec.run(self._host, row)
            except (OSError, RuntimeError, TypeError, ValueError) as error:
                self._report(f"{spec.text} “{row.name}”: {error}")
                break
        self._host.model.touch(row.item for row in rows)

    def sync(self) -> None:
        """Enable each action that applies to a selected row."""
        rows = self._host.selected_rows()
        for spec in SPECS:
            self.by_id[spec.id].setEnabled(any(spec.applies(row) for row in rows))
        self.sync_clear()

    def sync_clear(self) -> None:
        """Only "Clear finished": O(1), for flushes that touched no selected row."""
        self.clear_finished.setEnabled(self._host.model.count(*FINAL_STATES) > 0)
