"""The window's remembered state: partitions, the selected one, open tabs, pending deletions.

Kept as JSON in ``<data_dir>/window-state.json`` and rewritten on every change with
``core.atomic_file`` (temp file in the same folder, fsync, ``os.replace``), so a kill -9 at any
moment leaves either the old file or the new one, never half of one. In-memory partitions
live only in this object: they are never written, so they vanish on exit as their data does.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from core import app, atomic_file

log = logging.getLogger("partita.gui.state")

STATE_FILE = "window-state.json"
_VERSION = 1

PALETTE = (
    "#4f7cff", "#22a06b", "#e5484d", "#f5a524", "#8e4ec6", "#0ea5b7", "#e93d82", "#6b7280",
)
"""Colours offered for partitions, in the order new partitions take them."""


class Kind(StrEnum):
    PERSISTENT = "persistent"  # name is "persist:…": data under the data folder
    MEMORY = "memory"  # name is any other partition string: nothing on disk
    FOLDER = "folder"  # name is the absolute folder path given to from_path


@dataclass
class PartitionEntry:
    kind: Kind
    name: str
    label: str
    colour: str = PALETTE[0]
    tabs: list[str] = field(default_factory=list)
    current_tab: int = 0

    @property
    def key(self) -> tuple[Kind, str]:
        return (self.kind, self.name)

    @property
    def in_memory(self) -> bool:
        return self.kind is Kind.MEMORY

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = self.kind.value
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PartitionEntry:
        entry = cls(
            kind=Kind(data["kind"]),
            name=str(data["name"]),
            label=str(data["label"]),
            colour=str(data.get("colour", PALETTE[0])),
            tabs=[str(url) for url in data.get("tabs", [])],
            current_tab=int(data.get("current_tab", 0)),
        )
        if entry.kind is Kind.MEMORY:
            raise ValueError(f"in-memory partition {entry.name!r} in a state file")
        return entry


def default_entry() -> PartitionEntry:
    return PartitionEntry(Kind.PERSISTENT, "persist:default", "Default", PALETTE[0])


@dataclass
class Deletion:
    """A partition whose data folder is deleted once no session uses it (exit or next start)."""

    kind: Kind
    name: str


class StateStore:
    """Loads the state once, then writes it after every change the window reports."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else app.data_dir() / STATE_FILE
        self.partitions: list[PartitionEntry] = []
        self.selected: tuple[Kind, str] | None = None
        self.deletions: list[Deletion] = []
        self._load()

    # ----------------------------------------------------------------- reading
    def _load(self) -> None:
        self._remove_stale_temp_files()
        try:
            raw = self.path.read_text("utf-8")
        except FileNotFoundError:
            self._use_defaults()
            return
        except OSError as error:
            log.error("cannot read %s (%s); starting with defaults", self.path, error)
            self._use_defaults()
            return
        try:
            self._parse(json.loads(raw))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            aside = self.path.with_name(self.path.name + ".corrupt")
            log.error("corrupt window state %s (%s); kept as %s, starting with defaults",
                      self.path, error, aside)
            os.replace(self.path, aside)
            self._use_defaults()

    def _parse(self, data: dict[str, Any]) -> None:
        if data.get("version") != _VERSION:
            raise ValueError(f"unknown version {data.get('version')!r}")
        partitions = [PartitionEntry.from_json(item) for item in data["partitions"]]
        if len({entry.key for entry in partitions}) != len(partitions):
            raise ValueError("a partition is listed twice")
        deletions = [Deletion(Kind(item["kind"]), str(item["name"]))
                     for item in data.get("deletions", [])]
        selected = data.get("selected")
        self.partitions = partitions or [default_entry()]
        self.deletions = deletions
        self.selected = (Kind(selected["kind"]), str(selected["name"])) if selected else None

    def _use_defaults(self) -> None:
        self.partitions = [default_entry()]
        self.selected = self.partitions[0].key
        self.deletions = []

    def _remove_stale_temp_files(self) -> None:
        """Temp files of writes that a crash cut short (``atomic_file`` names them so)."""
        if not self.path.parent.is_dir():
            return
        for stale in self.path.parent.glob(f".{self.path.name}.*.tmp"):
            stale.unlink(missing_ok=True)

    # ----------------------------------------------------------------- queries
    def find(self, key: tuple[Kind, str]) -> PartitionEntry | None:
        return next((entry for entry in self.partitions if entry.key == key), None)

    def next_colour(self) -> str:
        return PALETTE[len(self.partitions) % len(PALETTE)]

    # ----------------------------------------------------------------- writing
    def to_json(self) -> dict[str, Any]:
        kept = [entry for entry in self.partitions if not entry.in_memory]
        selected = self.find(self.selected) if self.selected else None
        return {
            "version": _VERSION,
            "partitions": [entry.to_json() for entry in kept],
            "selected": (
                {"kind": selected.kind.value, "name": selected.name}
                if selected is not None and not selected.in_memory else None
            ),
            "deletions": [{"kind": item.kind.value, "name": item.name}
                          for item in self.deletions],
        }

    def save(self) -> None:
        """Write the state atomically; a failure is logged, never raised into the GUI."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_file.write_json(self.path, self.to_json())
        except OSError as error:
            log.error("cannot write window state %s: %s", self.path, error)
