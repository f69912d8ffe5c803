"""The Downloads panel driven as a user drives it, against a real local download server."""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PyQt6.QtGui import QDragEnterEvent, QDropEvent
from PyQt6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from core import launch
from core import session as sessions
from core.session import Session
from gui.downloads_delegate import details_text, state_text
from gui.downloads_model import PARTITION_ROLE, ROW_ROLE
from gui.panels_downloads import DownloadsPanel
from gui.state import Kind, PartitionEntry
from tests import test_gui_downloads_support as support
from tests.download_server import DownloadServer, content, digest, sha256
from tests.test_gui_downloads_support import (
    LABEL,
    add,
    click,
    enabled,
    row_named,
    select,
    wait_row,
)

pytest_plugins = ("tests.test_gui_support",)
panel, server, ses = support.panel, support.server, support.ses  # the fixtures

SLOW = "/files/{name}?size=1000000&rate=250000"  # four seconds at full speed


def test_a_download_appears_with_progress_and_completes(
        qtbot: QtBot, panel: DownloadsPanel, server: DownloadServer) -> None:
    add(qtbot, panel, server.url(SLOW.format(name="movie.mp4")))
    assert panel.url_edit.text() == ""
    row = wait_row(qtbot, panel, "movie.mp4")
    qtbot.waitUntil(lambda: 0 < row.received < row.total and row.speed > 0)
    assert row.total == 1_000_000 and row.state == "progressing"
    details = details_text(row, LABEL)
    assert " of 1.0 MB · " in details and "/s · " in details and " left · Work" in details
    assert state_text(row).endswith(" %")
    qtbot.waitUntil(lambda: row.state == "completed", timeout=15000)
    assert state_text(row) == "Completed" and details_text(row, LABEL) == "1.0 MB · Work"
    assert digest(row.path) == sha256("movie.mp4", 1, 1_000_000)
    tooltip = panel.model.index(0).data(Qt.ItemDataRole.ToolTipRole)
    assert row.path in tooltip and row.url in tooltip
    assert panel.summary_label.text() == "1 finished"


def test_pause_stops_the_bytes_and_resume_completes(
        qtbot: QtBot, panel: DownloadsPanel, server: DownloadServer) -> None:
    add(qtbot, panel, server.url(SLOW.format(name="paused.bin")))
    row = wait_row(qtbot, panel, "paused.bin")
    qtbot.waitUntil(lambda: row.received > 0)
    select(qtbot, panel, "paused.bin")
    assert enabled(panel) >= {"pause", "cancel", "show-in-folder"}
    assert "resume" not in enabled(panel)
    click(qtbot, panel, "pause")
    qtbot.waitUntil(lambda: row.paused and state_text(row) == "Paused")
    assert {"resume", "cancel"} <= enabled(panel) and "pause" not in enabled(panel)
    stopped_at = row.item.get_received_bytes()

    # While another download runs to its end, the paused one receives nothing.
    add(qtbot, panel, server.url("/files/other.bin?size=300000&rate=600000"))
    other = wait_row(qtbot, panel, "other.bin")
    qtbot.waitUntil(lambda: other.state == "completed", timeout=10000)
    assert row.item.get_received_bytes() == stopped_at == row.received
    assert row.speed == 0 and " left" not in details_text(row, LABEL)

    # The selection followed the row when the new one was added above it; Space resumes.
    assert [r.name for r in panel.selected_rows()] == ["paused.bin"]
    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: row.state == "completed", timeout=15000)
    assert digest(row.path) == sha256("paused.bin", 1, 1_000_000)
    assert enabled(panel) == {"open", "show-in-folder", "remove", "clear-finished"}


def test_cancel_then_retry_starts_again_and_completes(
        qtbot: QtBot, panel: DownloadsPanel, server: DownloadServer, ses: Session,
        tmp_path: Path) -> None:
    add(qtbot, panel, server.url(SLOW.format(name="again.iso")))
    row = wait_row(qtbot, panel, "again.iso")
    qtbot.waitUntil(lambda: row.received > 0)
    select(qtbot, panel, "again.iso")
    click(qtbot, panel, "cancel")
    qtbot.waitUntil(lambda: row.state == "cancelled")
    assert state_text(row) == "Cancelled" and details_text(row, LABEL) == LABEL
    assert list(tmp_path.iterdir()) == []  # the partial file is gone
    assert enabled(panel) == {"retry", "show-in-folder", "remove", "clear-finished"}

    click(qtbot, panel, "retry")
    # The new download takes the cancelled one's place in the list.
    qtbot.waitUntil(lambda: row_named(panel, "again.iso") is not row)
    assert [r.name for r in panel.model.rows()] == ["again.iso"]
    again = wait_row(qtbot, panel, "again.iso")
    assert again.item is not row.item and row.item.is_destroyed()
    assert ses.get_downloads() == [again.item]  # the cancelled one is gone from the session
    qtbot.waitUntil(lambda: again.state == "completed", timeout=15000)
    assert digest(again.path) == sha256("again.iso", 1, 1_000_000)


def test_retry_of_an_interrupted_download_resumes_it(
        qtbot: QtBot, panel: DownloadsPanel, server: DownloadServer, ses: Session,
        tmp_path: Path) -> None:
    target = tmp_path / "half.bin"
    target.write_bytes(content("half.bin", 1, 200_000)[:80_000])
    ses.create_interrupted_download(path=str(target), url_chain=[
        server.url("/files/half.bin?size=200000")], offset=80_000, length=200_000,
        etag='"half.bin-v1"')
    row = wait_row(qtbot, panel, "half.bin")
    assert row.state == "interrupted" and row.received == 80_000
    assert details_text(row, LABEL).startswith("80.0 KB of 200.0 KB · created as an")
    select(qtbot, panel, "half.bin")
    assert {"resume", "retry", "cancel"} <= enabled(panel)
    click(qtbot, panel, "retry")
    qtbot.waitUntil(lambda: row.state == "completed", timeout=10000)
    assert digest(str(target)) == sha256("half.bin", 1, 200_000)
    assert server.requests("/files/half.bin")[-1].headers["range"].startswith("bytes=80000-")


def test_clear_finished_and_remove_forget_the_downloads_and_keep_the_files(
        qtbot: QtBot, panel: DownloadsPanel, server: DownloadServer, ses: Session,
        tmp_path: Path) -> None:
    for name in ("one.txt", "two.txt"):
        add(qtbot, panel, server.url(f"/files/{name}?size=1000"))
        qtbot.waitUntil(lambda name=name: getattr(row_named(panel, name), "state", "")
                        == "completed")
    add(qtbot, panel, server.url(SLOW.format(name="active.bin")))
    active = wait_row(qtbot, panel, "active.bin")
    qtbot.waitUntil(lambda: active.received > 0)
    select(qtbot, panel, "two.txt")
    menu = [a.text() for a in panel.view.actions() if not a.isSeparator()]  # the context menu
    assert menu == ["Pause", "Resume", "Pause or resume", "Cancel", "Retry", "Open",
                    "Show in folder", "Remove from list", "Clear finished"]
    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key.Key_Delete)  # remove from the list
    assert [r.name for r in panel.model.rows()] == ["active.bin", "one.txt"]
    assert [i.get_filename() for i in ses.get_downloads()] == ["one.txt", "active.bin"]
    qtbot.keyClick(panel.view, Qt.Key.Key_Delete)  # nothing selected any more: nothing happens
    assert len(ses.get_downloads()) == 2

    click(qtbot, panel, "clear-finished")
    assert [r.name for r in panel.model.rows()] == ["active.bin"]
    assert ses.get_downloads() == [active.item]
    assert "clear-finished" not in enabled(panel)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["active.bin.part", "one.txt",
                                                         "two.txt"]  # files stay
    panel.bind(ses, PartitionEntry(Kind.MEMORY, "work", "Renamed"))  # rebinding: still gone
    assert [r.name for r in panel.model.rows()] == ["active.bin"]
    assert panel.model.index(0).data(PARTITION_ROLE) == "Renamed"
    active.item.cancel()
    qtbot.waitUntil(lambda: active.state == "cancelled")
    assert "clear-finished" in enabled(panel)


def test_ctrl_v_in_the_list_and_a_drop_add_downloads(
        qtbot: QtBot, panel: DownloadsPanel, server: DownloadServer) -> None:
    clipboard = QApplication.clipboard()
    assert clipboard is not None
    clipboard.setText(server.url("/files/pasted.bin?size=5000"))
    panel.view.setFocus()
    qtbot.keyClick(panel.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    pasted = wait_row(qtbot, panel, "pasted.bin")
    qtbot.waitUntil(lambda: pasted.state == "completed")

    # A drag from another program reaches the window: enter over the list, then drop.
    mime = QMimeData()
    mime.setUrls([QUrl(server.url("/files/dropped.bin?size=5000"))])
    window = panel.windowHandle()
    assert window is not None
    where = QPointF(panel.view.mapTo(panel, panel.view.rect().center()))
    events = (QDragEnterEvent(where.toPoint(), Qt.DropAction.CopyAction, mime,
                              Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier),
              QDropEvent(where, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.NoModifier))
    for event in events:
        QApplication.sendEvent(window, event)
        assert event.isAccepted()
    dropped = wait_row(qtbot, panel, "dropped.bin")
    qtbot.waitUntil(lambda: dropped.state == "completed")


def test_a_bad_address_is_explained_and_nothing_starts(
        qtbot: QtBot, panel: DownloadsPanel, server: DownloadServer, ses: Session) -> None:
    good = server.url("/files/never.bin")
    add(qtbot, panel, f"{good} ftp://example.com/x")
    assert panel.error_label.isVisible()
    assert panel.error_label.text() == "Not added: not a download address: 'ftp://example.com/x'"
    assert panel.url_edit.text() == f"{good} ftp://example.com/x"  # kept for correcting
    assert panel.model.rowCount() == 0 and ses.get_downloads() == []
    assert server.requests("/files/never.bin") == []
    add(qtbot, panel, server.url("/files/fine.bin?size=10"))
    assert not panel.error_label.isVisible()


def test_open_and_show_in_folder_start_the_desktop_opener(
        qtbot: QtBot, panel: DownloadsPanel, server: DownloadServer, tmp_path: Path,
        monkeypatch) -> None:  # type: ignore[no-untyped-def]
    opened = tmp_path / "opened.txt"
    opener = tmp_path / "opener.sh"
    opener.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n')
    opener.chmod(0o755)
    monkeypatch.setattr(launch, "OPENER", str(opener))  # a real program, not xdg-open
    add(qtbot, panel, server.url("/files/report.pdf?size=2000&type=application/pdf"))
    row = wait_row(qtbot, panel, "report.pdf")
    qtbot.waitUntil(lambda: row.state == "completed")
    select(qtbot, panel, "report.pdf")
    click(qtbot, panel, "open")
    qtbot.waitUntil(lambda: opened.is_file() and len(opened.read_text().split()) == 1)
    click(qtbot, panel, "show-in-folder")
    qtbot.waitUntil(lambda: len(opened.read_text().split()) == 2)
    assert opened.read_text().split() == [QUrl.fromLocalFile(row.path).toString(),
                                          QUrl.fromLocalFile(str(tmp_path)).toString()]
    index = panel.model.index(0)
    assert index.data(ROW_ROLE) is row


def test_the_auto_resume_box_is_the_partitions_setting(
        qtbot: QtBot, panel: DownloadsPanel, ses: Session, unique: str) -> None:
    box = panel.auto_resume_box
    assert box.isEnabled() and not box.isChecked() and not ses.get_download_auto_resume()
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert box.isChecked() and ses.get_download_auto_resume()
    assert ses.settings.get("downloads.auto_resume") is True

    other = sessions.from_partition(f"other-{unique}")
    panel.bind(other, PartitionEntry(Kind.MEMORY, "other", "Other"))
    assert not box.isChecked() and not other.get_download_auto_resume()
    panel.bind(ses, PartitionEntry(Kind.MEMORY, "work", LABEL))
    assert box.isChecked()
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert not ses.get_download_auto_resume() and ses.settings.get("downloads.auto_resume") is False
