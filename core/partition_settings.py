"""A partition's own settings (proxy, TLS, emulation, certificate exceptions, ...).

Persistent partitions keep them in one small SQLite file in the partition's folder, so that
removing the partition removes them; each ``set`` is committed before it returns, so a kill -9
right after loses nothing. In-memory partitions keep them in a dict: nothing reaches the disk.
Values are JSON (checked before anything is written, so a bad value leaves the old one).
Secrets never go here: passwords live in the OS keyring (core.net.credentials).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

FILE_NAME = "partita-settings.sqlite"


class PartitionSettings:
    def __init__(self, folder: Path | None) -> None:
        self._memory: dict[str, str] = {}
        self._db: sqlite3.Connection | None = None
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(folder / FILE_NAME, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            # Settings change rarely: pay for a full sync so they survive power loss too.
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            self._memory = dict(self._db.execute("SELECT key, value FROM settings").fetchall())

    @property
    def is_persistent(self) -> bool:
        return self._db is not None

    def get(self, key: str, default: Any = None) -> Any:
        raw = self._memory.get(key)
        return default if raw is None else json.loads(raw)

    def set(self, key: str, value: Any) -> None:
        """Store ``value`` (JSON: dicts, lists, strings, numbers, bools, None) under ``key``."""
        if not isinstance(key, str) or not key:
            raise ValueError(f"setting key must be a non-empty string, not {key!r}")
        try:
            raw = json.dumps(value, sort_keys=True, allow_nan=False)
        except (TypeError, ValueError) as error:
            raise ValueError(f"setting {key!r}: {value!r} is not JSON: {error}") from None
        if self._db is not None:
            self._db.execute("INSERT INTO settings (key, value) VALUES (?, ?) "
                             "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, raw))
        self._memory[key] = raw

    def delete(self, key: str) -> None:
        if self._db is not None:
            self._db.execute("DELETE FROM settings WHERE key = ?", (key,))
        self._memory.pop(key, None)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
