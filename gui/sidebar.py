"""The partition list on the left: a colour dot, the label, and what kind of partition it is."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PyQt6.QtCore import QModelIndex, QPoint, QRectF, QSize, Qt, pyqtBoundSignal, pyqtSignal
from PyQt6.QtGui import QColor, QFont, QPainter
from PyQt6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui.resources import icon
from gui.state import Kind, PartitionEntry

_KEY = Qt.ItemDataRole.UserRole
_CAPTION = Qt.ItemDataRole.UserRole + 1
_COLOUR = Qt.ItemDataRole.UserRole + 2
_IN_MEMORY = Qt.ItemDataRole.UserRole + 3
_ROW_HEIGHT = 50


def _key_of(item: QListWidgetItem) -> tuple[Kind, str]:
    kind, name = item.data(_KEY)  # PyQt may hand the tuple back as a list of plain strings
    return (Kind(kind), str(name))


def caption(entry: PartitionEntry) -> str:
    if entry.kind is Kind.MEMORY:
        return "in memory"
    if entry.kind is Kind.FOLDER:
        folder = Path(entry.name)
        home = Path.home()
        return "~/" + str(folder.relative_to(home)) if folder.is_relative_to(home) else str(folder)
    return entry.name


def tooltip(entry: PartitionEntry) -> str:
    if entry.kind is Kind.MEMORY:
        return f"{entry.name}: in memory. Its data and tabs are gone when Partita exits."
    if entry.kind is Kind.FOLDER:
        return f"Stored in the folder {entry.name}"
    return f"{entry.name}: stored in Partita's data folder"


class _PartitionDelegate(QStyledItemDelegate):
    """Paints a row: colour dot, label (italic when in memory), and a grey caption."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        return QSize(option.rect.width(), _ROW_HEIGHT)

    def paint(self, painter: QPainter | None, option: QStyleOptionViewItem,
              index: QModelIndex) -> None:
        assert painter is not None  # Qt always paints with a painter
        state = option.state
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        row = QRectF(option.rect).adjusted(8, 2, -8, -2)
        if state & QStyle.StateFlag.State_Selected:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#e2e8ff"))
            painter.drawRoundedRect(row, 8, 8)
        elif state & QStyle.StateFlag.State_MouseOver:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("#e9ebf0"))
            painter.drawRoundedRect(row, 8, 8)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(index.data(_COLOUR)))
        painter.drawEllipse(QRectF(row.left() + 12, row.center().y() - 5, 10, 10))

        text_left = row.left() + 34
        width = int(row.right() - text_left - 8)
        label_font = QFont(option.font)
        label_font.setWeight(QFont.Weight.DemiBold)
        label_font.setItalic(bool(index.data(_IN_MEMORY)))
        caption_font = QFont(option.font)
        caption_font.setPointSizeF(max(option.font.pointSizeF() - 1.5, 7.0))
        painter.setFont(label_font)
        label_metrics = painter.fontMetrics()
        painter.setPen(QColor("#1f2328"))
        label = label_metrics.elidedText(
            str(index.data(Qt.ItemDataRole.DisplayRole)), Qt.TextElideMode.ElideRight, width)
        painter.drawText(QPoint(int(text_left), int(row.top() + 7 + label_metrics.ascent())),
                         label)
        painter.setFont(caption_font)
        caption_metrics = painter.fontMetrics()
        painter.setPen(QColor("#6b7280"))
        text = caption_metrics.elidedText(
            str(index.data(_CAPTION)), Qt.TextElideMode.ElideMiddle, width)
        baseline = row.top() + 9 + label_metrics.height() + caption_metrics.ascent()
        painter.drawText(QPoint(int(text_left), int(baseline)), text)
        painter.restore()


class Sidebar(QFrame):
    selected = pyqtSignal(object)
    add_requested = pyqtSignal()
    rename_requested = pyqtSignal(object)
    colour_requested = pyqtSignal(object)
    remove_requested = pyqtSignal(object)
    """Each carries the entry's key; ``selected`` fires when the user picks another row."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="Sidebar")
        title = QLabel("Partitions", objectName="SidebarTitle")
        self.add_button = self._button("plus", "Add partition…", self.add_requested.emit)
        header = QHBoxLayout()
        header.setContentsMargins(16, 14, 10, 6)
        header.addWidget(title, 1)
        header.addWidget(self.add_button)

        self.list = QListWidget(objectName="PartitionList")
        self.list.setItemDelegate(_PartitionDelegate(self.list))
        self.list.setMouseTracking(True)
        self.list.setFrameShape(QFrame.Shape.NoFrame)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._context_menu)
        self.list.currentItemChanged.connect(self._current_changed)

        self.rename_button = self._button("edit", "Rename…", self._for_current(
            self.rename_requested))
        self.colour_button = self._button("palette", "Change colour…", self._for_current(
            self.colour_requested))
        self.remove_button = self._button("trash", "Remove…", self._for_current(
            self.remove_requested))
        footer = QHBoxLayout()
        footer.setContentsMargins(10, 6, 10, 10)
        footer.setSpacing(4)
        footer.addStretch(1)
        for button in (self.rename_button, self.colour_button, self.remove_button):
            footer.addWidget(button)

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addLayout(header)
        column.addWidget(self.list, 1)
        column.addLayout(footer)

    def _button(self, icon_name: str, tip: str, slot: Callable[[], None]) -> QToolButton:
        button = QToolButton(objectName="SidebarButton")
        button.setIcon(icon(icon_name))
        button.setToolTip(tip)
        button.setAutoRaise(True)
        button.clicked.connect(slot)
        return button

    def _for_current(self, signal: pyqtBoundSignal) -> Callable[[], None]:
        def emit() -> None:
            key = self.current_key()
            if key is not None:
                signal.emit(key)
        return emit

    # ----------------------------------------------------------------- contents
    def set_entries(self, entries: list[PartitionEntry]) -> None:
        blocked = self.list.blockSignals(True)
        try:
            self.list.clear()
            for entry in entries:
                item = QListWidgetItem()
                self._fill(item, entry)
                self.list.addItem(item)
        finally:
            self.list.blockSignals(blocked)
        self.remove_button.setEnabled(len(entries) > 1)

    def update_entry(self, entry: PartitionEntry) -> None:
        item = self._item(entry.key)
        if item is not None:
            self._fill(item, entry)

    @staticmethod
    def _fill(item: QListWidgetItem, entry: PartitionEntry) -> None:
        item.setData(Qt.ItemDataRole.DisplayRole, entry.label)
        item.setData(_KEY, entry.key)
        item.setData(_CAPTION, caption(entry))
        item.setData(_COLOUR, entry.colour)
        item.setData(_IN_MEMORY, entry.in_memory)
        item.setData(Qt.ItemDataRole.ToolTipRole, tooltip(entry))

    def _item(self, key: tuple[Kind, str]) -> QListWidgetItem | None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item is not None and _key_of(item) == key:
                return item
        return None

    def labels(self) -> list[str]:
        return [str(item.text()) for item in map(self.list.item, range(self.list.count()))
                if item is not None]

    def current_key(self) -> tuple[Kind, str] | None:
        item = self.list.currentItem()
        return None if item is None else _key_of(item)

    def select(self, key: tuple[Kind, str]) -> None:
        """Show ``key`` as selected without announcing it (the window already switched)."""
        item = self._item(key)
        if item is not None:
            blocked = self.list.blockSignals(True)
            self.list.setCurrentItem(item)
            self.list.blockSignals(blocked)

    def _current_changed(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self.selected.emit(_key_of(item))

    def _context_menu(self, position: QPoint) -> None:
        item = self.list.itemAt(position)
        if item is None:
            return
        key = _key_of(item)
        menu = QMenu(self)
        menu.addAction(icon("edit"), "Rename…", lambda: self.rename_requested.emit(key))
        menu.addAction(icon("palette"), "Change colour…", lambda: self.colour_requested.emit(key))
        remove = menu.addAction(icon("trash"), "Remove…", lambda: self.remove_requested.emit(key))
        assert remove is not None
        remove.setEnabled(self.remove_button.isEnabled())
        viewport = self.list.viewport()
        assert viewport is not None
        menu.popup(viewport.mapToGlobal(position))
