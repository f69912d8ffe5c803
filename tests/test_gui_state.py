"""The remembered window state: what is kept, what is not, and how it survives crashes."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from core import app, partitions
from gui import sessions
from gui.state import Deletion, Kind, PartitionEntry, StateStore

ROOT = Path(__file__).resolve().parent.parent


def test_first_start_has_one_default_partition(tmp_path: Path) -> None:
    store = StateStore(tmp_path / "window-state.json")
    assert [(entry.name, entry.label) for entry in store.partitions] == [
        ("persist:default", "Default")]
    assert store.selected == (Kind.PERSISTENT, "persist:default")


def test_persistent_and_folder_partitions_are_kept_in_memory_ones_never(tmp_path: Path) -> None:
    path = tmp_path / "window-state.json"
    store = StateStore(path)
    store.partitions += [
        PartitionEntry(Kind.PERSISTENT, "persist:work", "Work", "#22a06b",
                       ["http://127.0.0.1:1/a", "http://127.0.0.1:1/b"], 1),
        PartitionEntry(Kind.FOLDER, str(tmp_path / "profile"), "Folder", "#e5484d"),
        PartitionEntry(Kind.MEMORY, "scratch", "Scratch", "#8e4ec6", ["http://127.0.0.1:1/s"]),
    ]
    store.selected = (Kind.MEMORY, "scratch")
    store.save()
    assert "scratch" not in path.read_text("utf-8")

    again = StateStore(path)
    assert [entry.label for entry in again.partitions] == ["Default", "Work", "Folder"]
    work = again.partitions[1]
    assert (work.tabs, work.current_tab, work.colour) == (
        ["http://127.0.0.1:1/a", "http://127.0.0.1:1/b"], 1, "#22a06b")
    assert again.selected is None  # the in-memory partition it named is gone


def test_a_corrupt_file_is_logged_kept_aside_and_replaced_by_defaults(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "window-state.json"
    path.write_text('{"version": 1, "partitions": [{"kind": "persis', "utf-8")
    with caplog.at_level(logging.ERROR, "partita.gui.state"):
        store = StateStore(path)
    assert [entry.name for entry in store.partitions] == ["persist:default"]
    assert "corrupt window state" in caplog.text
    assert path.with_name("window-state.json.corrupt").read_text("utf-8").startswith('{"ver')


def test_a_write_killed_midway_leaves_the_old_file_intact(tmp_path: Path) -> None:
    path = tmp_path / "window-state.json"
    store = StateStore(path)
    store.partitions.append(PartitionEntry(Kind.PERSISTENT, "persist:old", "Old"))
    store.save()
    before = path.read_bytes()
    # A real kill -9 in the middle of a save: the new bytes are written to the temp file,
    # and the process dies before they are synced and renamed.
    child = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {str(ROOT)!r})
        from gui.state import Kind, PartitionEntry, StateStore
        from pathlib import Path
        store = StateStore(Path({str(path)!r}))
        store.partitions.append(PartitionEntry(Kind.PERSISTENT, "persist:new", "New"))
        os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)
        store.save()
    """)
    result = subprocess.run([sys.executable, "-c", child], timeout=60)
    assert result.returncode == -9
    assert path.read_bytes() == before
    assert list(tmp_path.glob(".window-state.json.*.tmp"))  # the cut-short write

    after = StateStore(path)
    assert [entry.label for entry in after.partitions] == ["Default", "Old"]
    assert not list(tmp_path.glob(".window-state.json.*.tmp"))


def test_data_of_removed_partitions_is_deleted_at_the_next_start(
        qapp, tmp_path: Path, unique: str) -> None:
    # A partition removed with "delete its data" in a run that was killed before its exit.
    persistent = app.engine_profiles_dir() / partitions.folder_for_partition(f"persist:{unique}")
    (persistent / "Local Storage").mkdir(parents=True)
    (persistent / "Local Storage" / "data").write_bytes(b"x" * 100)
    folder = tmp_path / "profile"
    (folder / "Cache").mkdir(parents=True)
    link = app.engine_profiles_dir() / partitions.folder_for_path(folder)
    link.symlink_to(folder, target_is_directory=True)
    path = tmp_path / "window-state.json"
    store = StateStore(path)
    store.deletions = [Deletion(Kind.PERSISTENT, f"persist:{unique}"),
                       Deletion(Kind.FOLDER, str(folder))]
    store.save()

    sessions.delete_pending(StateStore(path))
    assert not persistent.exists()
    assert not folder.exists()
    assert not os.path.lexists(link)
    assert json.loads(path.read_text("utf-8"))["deletions"] == []
