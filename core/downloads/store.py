"""Where downloads are remembered: one SQLite database per persistent session.

The engine writes bytes first and only then records them here (engine.py, "Durability"), so
after a kill -9 the database never claims a byte the file lacks; on load each segment's count
is further cut to what the ``.part`` file really holds. In-memory sessions keep nothing on disk.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import fields
from typing import Any

from core.downloads.record import DownloadRecord, Segment

log = logging.getLogger("partita.downloads.store")

FILE_NAME = "partita-downloads.sqlite"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS downloads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    data TEXT NOT NULL
)
"""
# Secrets stay out of the file (ARCHITECTURE.md: passwords live only in the keyring).
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie"})
# The reasons of downloads restored unfinished: only STOPPED ones may resume by themselves
# (auto-resume); one the user had paused waits for the user.
STOPPED = "Partita stopped during the download"
PAUSED = "Paused when Partita stopped"
_FIELDS = [f.name for f in fields(DownloadRecord) if f.name not in ("id", "segments")]


def _encode(record: DownloadRecord) -> str:
    data: dict[str, Any] = {name: getattr(record, name) for name in _FIELDS}
    data["headers"] = {k: v for k, v in record.headers.items()
                       if k.lower() not in _SECRET_HEADERS}
    data["segments"] = [[s.start, s.end, s.done] for s in record.segments]
    return json.dumps(data)


def _decode(row_id: int, text: str) -> DownloadRecord:
    data = json.loads(text)
    segments = [Segment(start, end, done) for start, end, done in data.pop("segments")]
    known = {name: data[name] for name in _FIELDS if name in data}
    return DownloadRecord(id=row_id, segments=segments, **known)


def _trust_disk(record: DownloadRecord) -> None:
    """Cut each segment to the bytes the ``.part`` file holds (the file may be shorter)."""
    try:
        size = os.path.getsize(record.part_path) if record.part_path else 0
    except OSError:
        size = 0
    for segment in record.segments:
        segment.done = max(0, min(segment.done, size - segment.start))


class DownloadStore:
    """Records by id; ``path`` None keeps them in memory only."""

    def __init__(self, path: str | None) -> None:
        self._path = path
        self._db: sqlite3.Connection | None = None
        self._next_memory_id = 1
        if path is not None:
            self._db = sqlite3.connect(path, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode survives a process kill; only power loss can drop the tail.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(_SCHEMA)

    @property
    def path(self) -> str | None:
        return self._path

    def load(self) -> list[DownloadRecord]:
        """Every stored download, oldest first; unfinished ones come back interrupted."""
        if self._db is None:
            return []
        records = []
        for row_id, text in self._db.execute("SELECT id, data FROM downloads ORDER BY id"):
            try:
                record = _decode(row_id, text)
            except (ValueError, TypeError, KeyError):
                log.warning("skipping unreadable download row %s", row_id)
                continue
            if record.state == "progressing":
                _trust_disk(record)
                record.state = "interrupted"
                record.reason = PAUSED if record.paused else STOPPED
                record.paused = False
            records.append(record)
        return records

    def save(self, record: DownloadRecord) -> None:
        if self._db is None:
            if record.id is None:
                record.id = self._next_memory_id
                self._next_memory_id += 1
            return
        text = _encode(record)
        if record.id is None:
            cursor = self._db.execute("INSERT INTO downloads (data) VALUES (?)", (text,))
            record.id = int(cursor.lastrowid or 0)
        else:
            self._db.execute("UPDATE downloads SET data = ? WHERE id = ?", (text, record.id))

    def delete(self, ids: Iterable[int]) -> None:
        """Forget these records, in one transaction: all of them or none."""
        db = self._db
        if db is None:
            return
        db.execute("BEGIN")
        try:
            db.executemany("DELETE FROM downloads WHERE id = ?", ((i,) for i in ids))
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
