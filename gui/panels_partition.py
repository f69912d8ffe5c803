"""The Partition panel: kind, storage folder, HTTP cache (size, clear) and user agent."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QWidget,
)

from core.errors import NotSupportedError
from core.session import Session
from gui import aio, panels
from gui.resources import icon
from gui.state import Kind, PartitionEntry

KIND_TEXT = {
    Kind.PERSISTENT: "Persistent",
    Kind.MEMORY: "In memory",
    Kind.FOLDER: "From a folder",
}


def format_bytes(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


class PartitionPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="PartitionPanel")
        self._session: Session | None = None
        self._generation = 0  # answers for an earlier partition are dropped
        selectable = Qt.TextInteractionFlag.TextSelectableByMouse
        self.name_label = QLabel(objectName="PanelValue", textInteractionFlags=selectable)
        self.kind_label = QLabel(objectName="PanelValue")
        self.storage_label = QLabel(objectName="PanelValue", wordWrap=True,
                                    textInteractionFlags=selectable)
        self.cache_label = QLabel(objectName="PanelValue", wordWrap=True)
        self.cache_size: int | None = None
        self.refresh_button = QToolButton(objectName="NavButton", autoRaise=True)
        self.refresh_button.setIcon(icon("reload"))
        self.refresh_button.setToolTip("Measure again")
        self.refresh_button.clicked.connect(self.refresh_cache_size)
        self.clear_button = QPushButton("Clear cache")
        self.clear_button.clicked.connect(self.clear_cache)
        self.user_agent_edit = QLineEdit()
        self.user_agent_edit.returnPressed.connect(self.apply_user_agent)
        self.apply_button = QPushButton("Apply")
        self.apply_button.clicked.connect(self.apply_user_agent)
        self.error_label = panels.ErrorLabel()

        cache_row = panels.stretch_row(self.cache_label, self.refresh_button, self.clear_button)
        agent_row = panels.stretch_row(self.user_agent_edit, self.apply_button)
        column = panels.panel_column(self)
        for caption, field in (("Partition", self.name_label), ("Kind", self.kind_label),
                               ("Storage", self.storage_label), ("HTTP cache", cache_row),
                               ("User agent", agent_row)):
            column.addSpacing(8)
            column.addWidget(QLabel(caption, objectName="PanelCaption"))
            if isinstance(field, QWidget):
                column.addWidget(field)
            else:
                column.addLayout(field)
        column.addWidget(self.error_label)
        column.addStretch(1)

    def bind(self, session: Session, entry: PartitionEntry) -> None:
        self._session = session
        self._generation += 1
        self.name_label.setText(entry.name)
        self.kind_label.setText(KIND_TEXT[entry.kind])
        self.storage_label.setText(session.storage_path or "in memory")
        self.user_agent_edit.setText(session.get_user_agent())
        self.user_agent_edit.setCursorPosition(0)
        self.error_label.show_error(None)
        self.refresh_cache_size()

    # ----------------------------------------------------------------- cache
    def refresh_cache_size(self) -> None:
        session = self._session
        if session is None:
            return
        generation = self._generation
        self.cache_size = None
        self.cache_label.setText("measuring…")
        aio.spawn(self, session.get_cache_size(),
                  lambda size: self._show_cache_size(generation, size),
                  lambda error: self._cache_failed(generation, error))

    def clear_cache(self) -> None:
        session = self._session
        if session is None:
            return
        generation = self._generation
        self.clear_button.setEnabled(False)
        self.cache_label.setText("clearing…")

        def cleared(_: None) -> None:
            self.clear_button.setEnabled(True)
            if generation == self._generation:
                self.refresh_cache_size()

        def failed(error: Exception) -> None:
            self.clear_button.setEnabled(True)
            self._cache_failed(generation, error)

        aio.spawn(self, session.clear_cache(), cleared, failed)

    def _show_cache_size(self, generation: int, size: int) -> None:
        if generation == self._generation:
            self.cache_size = size
            self.cache_label.setText(format_bytes(size))

    def _cache_failed(self, generation: int, error: Exception) -> None:
        if generation != self._generation:
            return
        if isinstance(error, NotSupportedError):
            self.cache_label.setText("not measurable in memory")
            self.cache_label.setToolTip(str(error))
        else:
            self.cache_label.setText("unknown")
            self.error_label.show_error(f"Cache: {error}")

    # ----------------------------------------------------------------- user agent
    def apply_user_agent(self) -> None:
        if self._session is None:
            return
        try:
            self._session.set_user_agent(self.user_agent_edit.text())
        except (TypeError, ValueError) as error:
            self.error_label.show_error(f"User agent not changed: {error}")
            return
        self.error_label.show_error(None)



panels.register(panels.PanelSpec(
    id="partition",
    title="Partition",
    factory=PartitionPanel,
    area=Qt.DockWidgetArea.RightDockWidgetArea,
    shortcut="Ctrl+Shift+P",
))
