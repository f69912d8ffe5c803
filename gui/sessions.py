"""From a sidebar entry to its core Session, and the data folders a removal deletes."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from core import app, partitions
from core.partitions import PERSIST_PREFIX
from gui.state import Deletion, Kind, PartitionEntry, StateStore

if TYPE_CHECKING:
    from core.session import Session

log = logging.getLogger("partita.gui.sessions")


def session_for(entry: PartitionEntry) -> Session:
    # Imported here: core.session (downloads, network, DevTools) loads after the first frame.
    from core import session

    if entry.kind is Kind.FOLDER:
        return session.from_path(entry.name)
    return session.from_partition(entry.name)


def partition_name(kind: Kind, typed: str) -> str:
    """The partition string or folder path for what the user typed in the add dialog."""
    text = typed.strip()
    if not text:
        raise ValueError("enter a name" if kind is not Kind.FOLDER else "choose a folder")
    if kind is Kind.PERSISTENT:
        return text if text.startswith(PERSIST_PREFIX) else PERSIST_PREFIX + text
    if kind is Kind.MEMORY:
        if text.startswith(PERSIST_PREFIX):
            raise ValueError(f"{text!r} names a persistent partition; drop the "
                             f"'{PERSIST_PREFIX}' prefix for an in-memory one")
        return text
    if not os.path.isabs(text):
        raise ValueError(f"the folder must be an absolute path, not {text!r}")
    folder = Path(os.path.normpath(text))
    if folder in (Path(folder.anchor), Path.home()) or folder.is_relative_to(app.data_dir()):
        raise ValueError(f"{folder} cannot hold a partition: choose a folder of its own")
    return str(folder)


def validate_new(entry: PartitionEntry, store: StateStore) -> Session:
    """Open the session of a partition about to be added; ValueError says what is wrong."""
    if not entry.label.strip():
        raise ValueError("enter a label")
    if store.find(entry.key) is not None:
        raise ValueError(f"{entry.name!r} is already in the list")
    try:
        return session_for(entry)
    except (TypeError, ValueError) as error:
        raise ValueError(str(error)) from error


def data_folders(deletion: Deletion) -> list[Path]:
    """What removing a partition's data deletes: its folder and, for a folder, core's link."""
    profiles = app.engine_profiles_dir()
    if deletion.kind is Kind.PERSISTENT:
        return [profiles / partitions.folder_for_partition(deletion.name)]
    if deletion.kind is Kind.FOLDER:
        folder = Path(deletion.name)
        return [profiles / partitions.folder_for_path(folder), folder]
    return []


def delete_pending(store: StateStore) -> None:
    """Delete the data of removed partitions. Only when no session of them is open.

    Chromium keeps files of a live profile open and writes to them, so the window records
    deletions and this runs after ``core.session.shutdown()`` and again at the next start.
    """
    remaining = []
    for deletion in store.deletions:
        try:
            for folder in data_folders(deletion):
                if folder.is_symlink():
                    folder.unlink()
                elif folder.exists():
                    shutil.rmtree(folder)
        except OSError as error:
            log.error("cannot delete the data of %s yet: %s", deletion.name, error)
            remaining.append(deletion)
    if remaining != store.deletions:
        store.deletions = remaining
        store.save()
