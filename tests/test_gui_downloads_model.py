"""The Downloads panel's model and notifications: coalesced repaints, partitions, vetoes,
large removals, and the ``finished`` signal the tray shows."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from PyQt6.QtCore import QModelIndex, Qt
from PyQt6.QtGui import QKeySequence
from PyQt6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from core import session as sessions
from core.session import Session
from gui.downloads_model import PARTITION_ROLE
from gui.downloads_notify import connect_tray
from gui.panels_downloads import DownloadsPanel
from gui.state import Kind, PartitionEntry
from gui.tray import Tray
from tests import test_gui_downloads_support as support
from tests.download_server import DownloadServer, manager
from tests.test_gui_downloads_support import (
    add,
    click,
    row_named,
    select,
    wait_row,
)
from tests.test_gui_support import MakeWindow

pytest_plugins = ("tests.test_gui_support",)
panel, server, ses = support.panel, support.server, support.ses  # the fixtures


def test_item_events_are_coalesced_into_a_few_repaints_of_their_rows(
        qtbot: QtBot, panel: DownloadsPanel, server: DownloadServer, ses: Session) -> None:
    manager(ses).configure(progress_interval=0.02)  # 50 "updated" events a second per item
    events: list[object] = []
    ses.on("will-download", lambda _e, item, _c: item.on("updated", lambda *a: events.append(a)))
    changes: list[tuple[int, int]] = []
    panel.model.dataChanged.connect(lambda first, last, *_: changes.append(
        (first.row(), last.row())))
    start = time.monotonic()
    names = [f"c{i}.bin" for i in range(5)]
    for name in names:
        add(qtbot, panel, server.url(f"/files/{name}?size=600000&rate=400000"))
    qtbot.waitUntil(lambda: all(getattr(row_named(panel, name), "state", "") == "completed"
                                for name in names), timeout=15000)
    elapsed = time.monotonic() - start
    assert len(events) > 5 * len(changes) > 0
    assert len(changes) <= elapsed * 4 + 2  # at most one flush per 250 ms
    assert all(0 <= first <= last < 5 for first, last in changes)


def test_finished_fires_on_completion_and_once_per_failure_and_reaches_the_tray(
        qtbot: QtBot, panel: DownloadsPanel, server: DownloadServer, ses: Session,
        caplog: pytest.LogCaptureFixture) -> None:
    manager(ses).configure(retries=1)
    owner = QWidget()
    qtbot.addWidget(owner)
    connect_tray(panel.finished, Tray(owner))  # offscreen has no tray: it logs
    caplog.set_level(logging.INFO, logger="partita.gui.tray")
    seen: list[tuple[str, str, str | None]] = []
    panel.finished.connect(lambda *args: seen.append(args))

    with qtbot.waitSignal(panel.finished, timeout=10000) as done:
        add(qtbot, panel, server.url("/files/song.ogg?size=3000"))
    assert done.args == ["song.ogg", "completed", None]
    with qtbot.waitSignal(panel.finished, timeout=10000) as refused:
        add(qtbot, panel, server.url("/auth/secret.bin"))  # 401: fails before any byte
    assert refused.args == ["secret.bin", "interrupted", "The server answered 401 Unauthorized"]
    with qtbot.waitSignal(panel.finished, timeout=10000) as busy:
        add(qtbot, panel, server.url("/flaky/busy.bin?fails=9"))  # 503 after the retry too
    assert busy.args[:2] == ["busy.bin", "interrupted"] and "503" in busy.args[2]
    add(qtbot, panel, server.url("/files/stopped.bin?size=1000000&rate=100000"))
    stopped = wait_row(qtbot, panel, "stopped.bin")
    stopped.item.cancel()  # the user's own doing: no notification
    qtbot.waitUntil(lambda: stopped.state == "cancelled"
                    and row_named(panel, "secret.bin") is not None
                    and row_named(panel, "secret.bin").state == "interrupted")  # type: ignore[union-attr]
    assert [args[:2] for args in seen] == [("song.ogg", "completed"),
                                           ("secret.bin", "interrupted"),
                                           ("busy.bin", "interrupted")]
    logged = [r.getMessage() for r in caplog.records if r.name == "partita.gui.tray"]
    assert "notification: Download finished: song.ogg" in logged
    assert ("notification: Download failed: secret.bin: The server answered 401 Unauthorized"
            in logged)


def test_another_partition_is_shown_and_the_first_still_notifies(
        qtbot: QtBot, panel: DownloadsPanel, server: DownloadServer, ses: Session,
        unique: str, tmp_path: Path) -> None:
    with qtbot.waitSignal(panel.finished, timeout=10000):
        add(qtbot, panel, server.url("/files/first.bin?size=1000"))
    other = sessions.from_partition(f"dl-other-{unique}")
    other.set_download_path(str(tmp_path / "other"))
    panel.bind(other, PartitionEntry(Kind.MEMORY, "other", "Other"))
    assert panel.model.rowCount() == 0 and panel.summary_label.text() == "No downloads"

    with qtbot.waitSignal(panel.finished, timeout=10000) as late:
        ses.download_url(server.url("/files/late.bin?size=1000"))
    assert late.args[:2] == ["late.bin", "completed"]
    assert panel.model.rowCount() == 0  # shown only when its partition is selected
    add(qtbot, panel, server.url("/files/theirs.bin?size=1000"))
    wait_row(qtbot, panel, "theirs.bin")
    assert panel.model.index(0).data(PARTITION_ROLE) == "Other"

    panel.bind(ses, PartitionEntry(Kind.MEMORY, "work", "Work"))
    assert [row.name for row in panel.model.rows()] == ["late.bin", "first.bin"]


def test_a_download_vetoed_by_a_later_listener_leaves_the_list(
        qtbot: QtBot, panel: DownloadsPanel, server: DownloadServer, ses: Session) -> None:
    def veto(event, item, contents) -> None:  # type: ignore[no-untyped-def]
        event.prevent_default()

    ses.on("will-download", veto)  # after the panel's own listener
    add(qtbot, panel, server.url("/files/vetoed.bin?size=1000"))
    assert panel.model.rowCount() == 1  # shown at once, before the server answered
    qtbot.waitUntil(lambda: panel.model.rowCount() == 0)
    ses.off("will-download", veto)


def test_clearing_and_removing_scattered_rows_keeps_the_model_consistent(
        qtbot: QtBot, panel: DownloadsPanel, server: DownloadServer, ses: Session,
        tmp_path: Path) -> None:
    items = [ses.create_interrupted_download(
        path=str(tmp_path / f"f{i}.bin"), url_chain=[server.url(f"/files/f{i}.bin")],
        length=100) for i in range(200)]
    for item in items[::2]:
        assert item is not None
        item.cancel()
    qtbot.waitUntil(lambda: panel.model.count("cancelled") == 100)
    click(qtbot, panel, "clear-finished")  # 100 separate ranges: one model reset
    expected = [f"f{i}.bin" for i in range(199, 0, -2)]
    assert [row.name for row in panel.model.rows()] == expected
    select(qtbot, panel, "f199.bin", "f101.bin", "f1.bin")
    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key.Key_Delete)  # three ranges: removed one by one
    expected = [name for name in expected if name not in ("f199.bin", "f101.bin", "f1.bin")]
    assert [row.name for row in panel.model.rows()] == expected
    assert all(panel.model.display_row(row.item) == shown
               for shown, row in enumerate(panel.model.rows()))
    assert panel.model.rowCount(QModelIndex()) == 97 == panel.model.count("interrupted")
    assert panel.summary_label.text() == "97 interrupted"


def test_the_window_docks_the_panel_bound_to_the_selected_partition(
        qtbot: QtBot, make_window: MakeWindow) -> None:
    window = make_window()
    downloads = window.panel("downloads")
    assert isinstance(downloads, DownloadsPanel)
    entry = window.current_entry()
    qtbot.waitUntil(lambda: window.current_entry() is not None)
    entry = window.current_entry()
    assert entry is not None
    assert downloads.model.session is window.browsers[entry.key].session
    toggle = window.docks["downloads"].toggleViewAction()
    assert toggle is not None and toggle.shortcut() == QKeySequence("Ctrl+Shift+Y")
