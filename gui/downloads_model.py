"""The Downloads panel's model: one row per ``DownloadItem`` of the bound session, newest first.

Item events never touch the view directly. An ``updated`` / ``done`` event only marks its row
dirty (a dict lookup); a single-shot timer then refreshes the dirty rows' snapshots and emits
one ``dataChanged`` for their range, at most ``FLUSH_MS`` apart. So 100 downloads each
reporting four times a second cost four small repaints a second, and 10,000 finished rows
cost nothing while they sit still.

Rows are stored oldest first, so a new download is an append and every stored index stays
valid; the view sees them reversed (display row = count - 1 - stored index).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from PyQt6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    Qt,
    QTimer,
    QUrl,
    pyqtSignal,
)

from core.downloads.item import DownloadItem
from core.session import Session
from gui.downloads_hooks import Hooks

FLUSH_MS = 250  # 4 Hz: smooth enough for a progress bar, cheap enough for hundreds of rows
ROW_ROLE = Qt.ItemDataRole.UserRole
PARTITION_ROLE = Qt.ItemDataRole.UserRole + 1  # the bound partition's label, the same for all
FINAL_STATES = ("completed", "cancelled")
# Above this many separate ranges a removal resets the model: one reset is O(n), while
# removing each range moves the list's tail once per range.
_MAX_REMOVED_RANGES = 64


def display_name(item: DownloadItem) -> str:
    """The file name, or before the server named it (a download refused at once) the last
    part of its address."""
    return item.get_filename() or QUrl(item.get_url()).fileName() or item.get_url()


@dataclass(slots=True)
class Row:
    """What the delegate paints, read from the item when its row is flushed."""

    item: DownloadItem
    name: str = ""
    url: str = ""
    path: str = ""
    mime: str = ""
    state: str = "progressing"
    paused: bool = False
    resumable: bool = False
    received: int = 0
    total: int = 0
    speed: int = 0
    reason: str = ""

    def refresh(self) -> bool:
        """Read the item again; False when it was destroyed (its will-download was vetoed)."""
        item = self.item
        if item.is_destroyed():
            return False
        self.name = display_name(item)
        self.url = item.get_url()
        self.path = item.get_save_path()
        self.mime = item.get_mime_type()
        self.state = item.get_state()
        self.paused = item.is_paused()
        self.resumable = item.can_resume()
        self.received = item.get_received_bytes()
        self.total = item.get_total_bytes()
        self.speed = item.get_current_bytes_per_second()
        self.reason = item.get_interrupt_reason()
        return True

    @property
    def active(self) -> bool:
        return self.state == "progressing" and not self.paused


class DownloadsModel(QAbstractListModel):
    flushed = pyqtSignal(int, int)
    """After a flush: the first and last display rows whose data changed (tests, actions)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Row] = []
        self._index: dict[DownloadItem, int] = {}
        self._dirty: set[DownloadItem] = set()
        self._counts: Counter[str] = Counter()
        self._partition = ""
        self._session: Session | None = None
        self._hooks = Hooks(self)
        self._timer = QTimer(self, singleShot=True, interval=FLUSH_MS)
        self._timer.setObjectName("downloads-flush")
        self._timer.timeout.connect(self.flush)

    # ----------------------------------------------------------------- Qt model
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008 (Qt's API)
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self.row(index.row())
        if role == ROW_ROLE:
            return row
        if role == PARTITION_ROLE:
            return self._partition
        if role == Qt.ItemDataRole.DisplayRole:
            return row.name
        if role == Qt.ItemDataRole.ToolTipRole:
            lines = [row.name, row.url, row.path or "(no file yet)"]
            if row.reason:
                lines.append(f"Interrupted: {row.reason}")
            return "\n".join(lines)
        return None

    # ----------------------------------------------------------------- reading rows
    @property
    def session(self) -> Session | None:
        return self._session

    def row(self, display_row: int) -> Row:
        return self._rows[len(self._rows) - 1 - display_row]

    def display_row(self, item: DownloadItem) -> int | None:
        stored = self._index.get(item)
        return None if stored is None else len(self._rows) - 1 - stored

    def rows(self) -> list[Row]:
        """Every row, in display order (newest first)."""
        return self._rows[::-1]

    def count(self, *states: str) -> int:
        """How many rows are in any of ``states`` (kept up to date, O(1))."""
        return sum(self._counts[state] for state in states)

    # ----------------------------------------------------------------- binding
    def bind(self, session: Session, partition: str) -> None:
        """Show ``session``'s downloads; the earlier session's rows and listeners go."""
        if session is self._session:
            if partition != self._partition:  # renamed
                self._partition = partition
                if self._rows:
                    self.dataChanged.emit(self.index(0), self.index(len(self._rows) - 1))
            return
        self.beginResetModel()
        self._hooks.release()
        self._timer.stop()
        self._rows, self._index, self._dirty = [], {}, set()
        self._counts.clear()
        self._partition = partition
        for item in session.get_downloads():
            self._append(item)
        self._session = session
        self._hooks.on(session, ("will-download",), self._will_download)
        self.endResetModel()

    def add(self, item: DownloadItem) -> None:
        """Show ``item`` (a download the panel started); a known one is ignored."""
        if self._session is None or item in self._index or item.is_destroyed():
            return
        self.beginInsertRows(QModelIndex(), 0, 0)
        self._append(item)
        self.endInsertRows()

    def _will_download(self, _event: object, item: DownloadItem, _contents: object) -> None:
        self.add(item)
        # A listener after this one may still veto the download, destroying the item; the
        # next flush looks again and drops the row then.
        self._mark(item)

    def _append(self, item: DownloadItem) -> None:
        row = Row(item)
        if not row.refresh():
            return
        self._index[item] = len(self._rows)
        self._rows.append(row)
        self._counts[row.state] += 1
        if row.state not in FINAL_STATES:  # a completed or cancelled item never changes again
            self._hooks.on(item, ("updated", "done"), lambda *_: self._mark(item))

    # ----------------------------------------------------------------- coalesced updates
    def touch(self, items: Iterable[DownloadItem]) -> None:
        """Refresh these rows at the next flush (after the panel acted on them)."""
        for item in items:
            self._mark(item)

    def _mark(self, item: DownloadItem) -> None:
        self._dirty.add(item)
        if not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        """Refresh the dirty rows and tell the view once, for their range only."""
        dirty, self._dirty = self._dirty, set()
        last = len(self._rows) - 1
        first_row, last_row = last + 1, -1
        gone: list[DownloadItem] = []
        for item in dirty:
            stored = self._index.get(item)
            if stored is None:
                continue
            row = self._rows[stored]
            before = row.state
            if not row.refresh():
                gone.append(item)
                continue
            if row.state != before:
                self._counts[before] -= 1
                self._counts[row.state] += 1
            shown = last - stored
            first_row, last_row = min(first_row, shown), max(last_row, shown)
        if last_row >= 0:
            self.dataChanged.emit(self.index(first_row), self.index(last_row))
        if gone:
            self._remove(gone)
        if last_row >= 0:
            self.flushed.emit(first_row, last_row)

    # ----------------------------------------------------------------- removing rows
    def drop_removed(self) -> None:
        """Drop the rows of downloads the session removed (``Session.remove_download``,
        ``clear_finished_downloads``: their items are destroyed)."""
        gone = [row.item for row in self._rows if row.item.is_destroyed()]
        if gone:
            self._remove(gone)

    def _remove(self, items: list[DownloadItem]) -> None:
        stored = sorted((self._index[item] for item in items), reverse=True)
        ranges: list[tuple[int, int]] = []  # (high, low) stored indices, highest first
        for index in stored:
            if ranges and ranges[-1][1] == index + 1:
                ranges[-1] = (ranges[-1][0], index)
            else:
                ranges.append((index, index))
        for item in items:
            self._hooks.drop(item)
            self._counts[self._rows[self._index[item]].state] -= 1
        if len(ranges) > _MAX_REMOVED_RANGES:
            self.beginResetModel()
            dropped = set(items)
            self._rows = [row for row in self._rows if row.item not in dropped]
            self._reindex()
            self.endResetModel()
            return
        for high, low in ranges:
            count = len(self._rows)
            self.beginRemoveRows(QModelIndex(), count - 1 - high, count - 1 - low)
            del self._rows[low:high + 1]
            self.endRemoveRows()
        self._reindex()

    def _reindex(self) -> None:
        self._index = {row.item: stored for stored, row in enumerate(self._rows)}
        self._dirty &= self._index.keys()
