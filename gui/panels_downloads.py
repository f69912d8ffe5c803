"""The Downloads panel: the selected partition's downloads with progress, speed and time left;
pause, resume, cancel, retry, open, show in folder, remove, clear finished; new downloads by
pasting or dropping an address.

``finished(name, state, reason)`` reports each download that completes or fails, in any
partition the panel has shown; ``downloads_notify.connect_tray`` turns it into a desktop
notification.
"""

from __future__ import annotations

from PyQt6.QtCore import QMimeData, Qt, QUrl, pyqtSignal
from PyQt6.QtGui import (
    QAction,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeySequence,
    QResizeEvent,
)
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QBoxLayout,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolBar,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from core.downloads.item import DownloadItem
from core.session import Session
from gui import panels
from gui.downloads_actions import SEPARATE_AFTER, SPECS, DownloadActions
from gui.downloads_delegate import DownloadDelegate
from gui.downloads_model import FINAL_STATES, DownloadsModel, Row
from gui.downloads_notify import DownloadNotifier
from gui.state import PartitionEntry

# Schemes a pasted or dropped address may have: what ``Session.download_url`` can fetch
# (file: would only copy a file the user already has).
ACCEPTED_SCHEMES = ("http", "https", "data")
WIDE_LAYOUT_WIDTH = 640
"""From this width on, the address row and the toolbar share one line (as do the footer's)."""

STYLE = """
#DownloadsPanel { background: #ffffff; border-left: 1px solid #e3e5ea; }
#DownloadsPanel QTreeView { border: 1px solid #e3e5ea; border-radius: 6px; }
#DownloadsPanel QToolBar { border: none; background: transparent; spacing: 2px; }
#DownloadsPanel QPushButton { padding: 4px 10px; }
"""


def parse_addresses(text: str) -> list[str]:
    """The addresses in pasted or dropped text (whitespace-separated); a ValueError names the
    first word that is not a download address."""
    found = []
    for word in text.split():
        url = QUrl(word, QUrl.ParsingMode.StrictMode)
        scheme = url.scheme().lower()
        if not url.isValid() or scheme not in ACCEPTED_SCHEMES or (
                scheme != "data" and not url.host()):
            raise ValueError(f"not a download address: {word!r}")
        found.append(url.toString(QUrl.ComponentFormattingOption.FullyEncoded))
    if not found:
        raise ValueError("no address to download")
    return found


def _dropped_text(mime: QMimeData | None) -> str:
    if mime is None:
        return ""
    if mime.hasUrls():
        return " ".join(url.toString() for url in mime.urls())
    return mime.text() if mime.hasText() else ""


class DownloadsPanel(QWidget):
    finished = pyqtSignal(str, str, object)
    """(file name, "completed" | "interrupted", the interrupt reason or None)"""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="DownloadsPanel")
        self.setStyleSheet(STYLE)
        self.setAcceptDrops(True)
        self.model = DownloadsModel(self)
        self.notifier = DownloadNotifier(self)
        self.notifier.finished.connect(self.finished)

        self.url_edit = QLineEdit(placeholderText="Paste or drop an address to download",
                                  clearButtonEnabled=True)
        self.url_edit.returnPressed.connect(self.add_from_field)
        self.add_button = QPushButton("Add")
        self.add_button.clicked.connect(self.add_from_field)
        # A tree view, though the model is a list: QListView.dataChanged walks every row
        # (measured with PyQt6 6.11: 20,000 rowCount() calls, 19 ms per flush at 10,000 rows),
        # QTreeView's costs the same for 10 rows or 10,000.
        self.view = QTreeView(uniformRowHeights=True, rootIsDecorated=False, headerHidden=True,
                              itemsExpandable=False, expandsOnDoubleClick=False)
        self.view.setModel(self.model)
        self.delegate = DownloadDelegate()
        self.view.setItemDelegate(self.delegate)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.error_label = panels.ErrorLabel()
        self.download_actions = DownloadActions(self, self.view, self.error_label.show_error)
        self.view.doubleClicked.connect(self.download_actions.by_id["open"].trigger)
        self.toolbar = QToolBar()
        self._fill_toolbar_and_menu()
        self.paste_action = QAction("Paste address", self)
        self.paste_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Paste))
        self.paste_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.paste_action.triggered.connect(self.paste)
        self.addAction(self.paste_action)
        self.summary_label = QLabel(objectName="PanelHint")
        self.auto_resume_box = QCheckBox("Resume unfinished downloads automatically")
        self.auto_resume_box.setToolTip(
            "When this partition opens, continue the downloads that were running when Partita "
            "stopped (paused and failed ones wait for you)")
        self.auto_resume_box.toggled.connect(self._set_auto_resume)
        self.auto_resume_box.setEnabled(False)  # until a partition is bound
        self._layout()

        selection = self.view.selectionModel()
        assert selection is not None
        selection.selectionChanged.connect(self._changed)
        for signal in (self.model.rowsInserted, self.model.rowsRemoved, self.model.modelReset):
            signal.connect(self._changed)
        self.model.flushed.connect(self._flushed)
        self._changed()

    def _layout(self) -> None:
        add_row = QHBoxLayout()
        add_row.addWidget(self.url_edit, 1)
        add_row.addWidget(self.add_button)
        # Stacked in a narrow side dock; side by side in a wide one (the bottom dock, where
        # height is short): the toolbar left of the address, the summary left of the box.
        self._header = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self._header.addLayout(add_row, 1)
        self._header.addWidget(self.toolbar)
        self._footer = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self._footer.addWidget(self.auto_resume_box)
        self._footer.addWidget(self.summary_label, 1)
        column = QVBoxLayout(self)
        column.setContentsMargins(12, 10, 12, 12)
        column.setSpacing(6)
        column.addLayout(self._header)
        column.addWidget(self.view, 1)
        column.addWidget(self.error_label)
        column.addLayout(self._footer)

    def resizeEvent(self, event: QResizeEvent | None) -> None:
        super().resizeEvent(event)
        direction = (QBoxLayout.Direction.RightToLeft if self.width() >= WIDE_LAYOUT_WIDTH
                     else QBoxLayout.Direction.TopToBottom)
        for layout in (self._header, self._footer):
            layout.setDirection(direction)

    def _fill_toolbar_and_menu(self) -> None:
        for spec in SPECS:
            action = self.download_actions.by_id[spec.id]
            if spec.in_toolbar:
                self.toolbar.addAction(action)
            if spec.id in SEPARATE_AFTER:
                self.toolbar.addSeparator()
                separator = QAction(self.view)
                separator.setSeparator(True)
                self.view.addAction(separator)
        self.toolbar.addAction(self.download_actions.clear_finished)
        self.view.addAction(self.download_actions.clear_finished)

    # ----------------------------------------------------------------- Panel
    def bind(self, session: Session, entry: PartitionEntry) -> None:
        self.model.bind(session, entry.label)
        self.auto_resume_box.blockSignals(True)
        self.auto_resume_box.setChecked(session.get_download_auto_resume())
        self.auto_resume_box.blockSignals(False)
        self.auto_resume_box.setEnabled(True)
        self.notifier.watch(session)
        self.error_label.show_error(None)

    # ----------------------------------------------------------------- actions.Host
    def selected_rows(self) -> list[Row]:
        selection = self.view.selectionModel()
        assert selection is not None
        return [self.model.row(index.row()) for index in selection.selectedRows()]

    def restart(self, row: Row) -> None:
        session = self.model.session
        if session is None or row.item.is_destroyed():
            return
        # From the first address (a redirect's target may have been a short-lived link), with
        # its headers; the new download takes the old one's place, in the list and the store.
        item = session.restart_download(row.item)
        self.model.drop_removed()
        if item is not None:  # other schemes arrive through will-download
            self._show_new(item)

    def remove(self, row: Row) -> None:
        session = self.model.session
        if session is not None and not row.item.is_destroyed():
            session.remove_download(row.item)
        self.model.drop_removed()

    def clear_finished(self) -> None:
        session = self.model.session
        if session is not None:
            session.clear_finished_downloads()
        self.model.drop_removed()

    def _set_auto_resume(self, enabled: bool) -> None:
        session = self.model.session
        if session is not None:
            session.set_download_auto_resume(enabled)

    # ----------------------------------------------------------------- adding downloads
    def add_from_field(self) -> None:
        if self.add_urls(self.url_edit.text()):
            self.url_edit.clear()

    def paste(self) -> None:
        clipboard = QApplication.clipboard()
        self.add_urls(clipboard.text() if clipboard is not None else "")

    def add_urls(self, text: str) -> bool:
        """Download every address in ``text``; nothing starts if one of them is not valid."""
        session = self.model.session
        try:
            if session is None:
                raise ValueError("no partition is selected")
            urls = parse_addresses(text)
        except ValueError as error:
            self.error_label.show_error(f"Not added: {error}")
            return False
        for url in urls:
            try:
                item = session.download_url(url)
            except (TypeError, ValueError) as error:
                self.error_label.show_error(f"Not added: {error}")
                return False
            if item is not None:
                self._show_new(item)
        self.error_label.show_error(None)
        return True

    def _show_new(self, item: DownloadItem) -> None:
        self.model.add(item)
        # Shown and followed now: its will-download waits for the server's answer (or failure).
        self.notifier.follow(item)

    def dragEnterEvent(self, event: QDragEnterEvent | None) -> None:
        if event is not None and _dropped_text(event.mimeData()).strip():
            event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent | None) -> None:
        if event is not None and _dropped_text(event.mimeData()).strip():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent | None) -> None:
        if event is not None and self.add_urls(_dropped_text(event.mimeData())):
            event.acceptProposedAction()

    # ----------------------------------------------------------------- showing state
    def _changed(self, *_: object) -> None:
        self.download_actions.sync()
        self._summarise()

    def _flushed(self, first: int, last: int) -> None:
        selection = self.view.selectionModel()
        assert selection is not None
        ranges = selection.selection()
        if any(ranges[i].top() <= last and ranges[i].bottom() >= first
               for i in range(len(ranges))):
            self.download_actions.sync()
        else:
            self.download_actions.sync_clear()
        self._summarise()

    def _summarise(self) -> None:
        model = self.model
        parts = []
        for states, word in ((("progressing",), "active"), (("interrupted",), "interrupted"),
                             (FINAL_STATES, "finished")):
            count = model.count(*states)
            if count:
                parts.append(f"{count:,} {word}")
        self.summary_label.setText(" · ".join(parts) or "No downloads")



panels.register(panels.PanelSpec(
    id="downloads",
    title="Downloads",
    factory=DownloadsPanel,
    # Below the pages, as download managers list transfers: a wide row per download, and the
    # side dock keeps room for the settings panels' tabs.
    area=Qt.DockWidgetArea.BottomDockWidgetArea,
    shortcut="Ctrl+Shift+Y",  # as in Firefox
))
