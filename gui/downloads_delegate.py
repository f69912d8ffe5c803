"""Paints one download row: file-type icon, name, state, a progress bar and a line of details
(size, speed, time left, partition).

Only visible rows are painted, and painting reads the row's snapshot (``downloads_model.Row``),
never the item; icons are looked up once per file extension.
"""

from __future__ import annotations

import os

from PyQt6.QtCore import QFileInfo, QModelIndex, QRect, QSize, Qt
from PyQt6.QtGui import QColor, QFont, QFontMetrics, QIcon, QPainter, QPalette
from PyQt6.QtWidgets import (
    QApplication,
    QFileIconProvider,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from gui.downloads_model import PARTITION_ROLE, ROW_ROLE, Row
from gui.panels_partition import format_bytes
from gui.resources import ACCENT, icon

ICON_SIZE = 32
MARGIN = 8
BAR_HEIGHT = 4
SPACING = 4

STATE_TEXT = {
    "progressing": "Downloading",
    "paused": "Paused",
    "completed": "Completed",
    "cancelled": "Cancelled",
    "interrupted": "Interrupted",
}
BAR_COLOUR = {
    "progressing": QColor(ACCENT),
    "paused": QColor("#9ca3af"),
    "interrupted": QColor("#c2262e"),
}
TRACK_COLOUR = QColor("#e6e8ee")
SELECTED_BAR_COLOUR = QColor("#ffffff")
SELECTED_TRACK_COLOUR = QColor(255, 255, 255, 80)
SECONDARY_COLOUR = QColor("#6b7280")
SEPARATOR = " · "


def shown_state(row: Row) -> str:
    return "paused" if row.paused and row.state == "progressing" else row.state


def state_text(row: Row) -> str:
    if shown_state(row) == "progressing" and row.total > 0:
        return f"{row.received * 100 // row.total} %"
    return STATE_TEXT[shown_state(row)]


def size_text(row: Row) -> str:
    if row.state == "completed":
        return format_bytes(row.total or row.received)
    if row.total > 0:
        return f"{format_bytes(row.received)} of {format_bytes(row.total)}"
    return format_bytes(row.received) if row.received else ""


def eta_text(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} s left"
    if seconds < 3600:
        return f"{seconds // 60} min left"
    return f"{seconds // 3600} h {seconds % 3600 // 60} min left"


def details_text(row: Row, partition: str) -> str:
    parts = [] if row.state == "cancelled" else [size_text(row)]
    if row.active and row.speed > 0:
        parts.append(f"{format_bytes(row.speed)}/s")
        if row.total > row.received:
            parts.append(eta_text(-(-(row.total - row.received) // row.speed)))
    elif row.state == "interrupted" and row.reason:
        parts.append(row.reason)
    parts.append(partition)
    return SEPARATOR.join(part for part in parts if part)


class FileIcons:
    """The desktop's icon for a file name, by extension (QFileIconProvider asks the mime
    database and the icon theme); our own file icon where the desktop has none."""

    def __init__(self) -> None:
        self._provider = QFileIconProvider()
        self._cache: dict[str, QIcon] = {}

    def __call__(self, name: str) -> QIcon:
        suffix = os.path.splitext(name)[1].lower()
        found = self._cache.get(suffix)
        if found is None:
            # A name that does not exist on disk: the provider goes by its extension.
            found = self._provider.icon(QFileInfo(f"/nonexistent/file{suffix}"))
            if found.isNull():
                found = icon("file")
            self._cache[suffix] = found
        return found


class DownloadDelegate(QStyledItemDelegate):
    def __init__(self) -> None:
        super().__init__()
        self.icons = FileIcons()
        self._bold: tuple[str, QFont, QFontMetrics] | None = None  # for the view's font

    def _bold_font(self, font: QFont) -> tuple[QFont, QFontMetrics]:
        if self._bold is None or self._bold[0] != font.key():
            bold = QFont(font)
            bold.setBold(True)
            self._bold = (font.key(), bold, QFontMetrics(bold))
        return self._bold[1], self._bold[2]

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        line = option.fontMetrics.height()
        return QSize(200, 2 * MARGIN + 2 * line + BAR_HEIGHT + 2 * SPACING)

    def paint(self, painter: QPainter | None, option: QStyleOptionViewItem,
              index: QModelIndex) -> None:
        row = index.data(ROW_ROLE)
        if painter is None or not isinstance(row, Row):
            return
        widget = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        assert style is not None
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, widget)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        text_role = (QPalette.ColorRole.HighlightedText if selected
                     else QPalette.ColorRole.Text)
        text_colour = option.palette.color(text_role)
        box = option.rect.adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)
        painter.save()
        icon_rect = QRect(box.left(), box.center().y() - ICON_SIZE // 2, ICON_SIZE, ICON_SIZE)
        self.icons(row.name).paint(painter, icon_rect)
        left = icon_rect.right() + 1 + MARGIN
        line = option.fontMetrics.height()
        width = box.right() - left + 1

        state = state_text(row)
        state_width = option.fontMetrics.horizontalAdvance(state)
        bold, bold_metrics = self._bold_font(option.font)
        name = bold_metrics.elidedText(row.name, Qt.TextElideMode.ElideMiddle,
                                             max(0, width - state_width - MARGIN))
        painter.setPen(text_colour)
        painter.setFont(bold)
        painter.drawText(QRect(left, box.top(), width, line),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
        painter.setFont(option.font)
        painter.setPen(text_colour if selected else SECONDARY_COLOUR)
        painter.drawText(QRect(left, box.top(), width, line),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, state)

        bar_top = box.top() + line + SPACING
        self._paint_bar(painter, row, QRect(left, bar_top, width, BAR_HEIGHT), selected)
        painter.setPen(text_colour if selected else SECONDARY_COLOUR)
        details = option.fontMetrics.elidedText(
            details_text(row, str(index.data(PARTITION_ROLE) or "")),
            Qt.TextElideMode.ElideRight, width)
        painter.drawText(QRect(left, bar_top + BAR_HEIGHT + SPACING, width, line),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, details)
        painter.restore()

    @staticmethod
    def _paint_bar(painter: QPainter, row: Row, rect: QRect, selected: bool) -> None:
        colour = BAR_COLOUR.get(shown_state(row))
        if colour is None:  # finished rows show no bar
            return
        if selected:  # on the accent-coloured selection, the accent bar would vanish
            colour = SELECTED_BAR_COLOUR
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(SELECTED_TRACK_COLOUR if selected else TRACK_COLOUR)
        painter.drawRoundedRect(rect, 2, 2)
        if row.total > 0 and row.received > 0:
            done = QRect(rect)
            done.setWidth(max(BAR_HEIGHT, rect.width() * min(row.received, row.total)
                              // row.total))
            painter.setBrush(colour)
            painter.drawRoundedRect(done, 2, 2)
