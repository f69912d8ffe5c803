"""Partition names ↔ folder names.

A partition name is arbitrary text (``persist:../x``, slashes, NUL, emoji, 10,000 characters),
but it becomes a folder name, and QtWebEngine joins a profile's storage name to its data
location without any checking (measured: a name with ``/`` would leave the folder, a name over
255 bytes fails to create). So each name is encoded into a folder name that:

* uses only ``[a-z0-9_-]`` and ``%XX`` escapes with upper-case hex, so it never contains a path
  separator, never is ``.`` or ``..``, and stays distinct on case-insensitive file systems;
* carries a prefix per kind (``default``, ``p-…`` for ``persist:…``, ``path-…`` for
  ``from_path``), so no two kinds can meet;
* is reversible: short names decode from the folder name itself; a name whose encoding is too
  long is cut and suffixed with ``~`` and a SHA-256 of the full name (``~`` never appears in an
  encoding), and the full name is kept in a marker file inside the folder.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

DEFAULT_FOLDER = "default"
PERSIST_PREFIX = "persist:"
_FOLDER_PREFIX = "p-"
_PATH_PREFIX = "path-"
_RAW = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_-")
_MAX_ENCODED = 120
NAME_MARKER = "partition-name.txt"


def is_persistent_name(partition: str) -> bool:
    """Electron's rule: ``persist:`` prefix, or ``''`` (the default session), is on disk."""
    return partition == "" or partition.startswith(PERSIST_PREFIX)


def _encode(text: str) -> str:
    out: list[str] = []
    for ch in text:
        if ch in _RAW:
            out.append(ch)
        else:
            out.extend(f"%{byte:02X}" for byte in ch.encode("utf-8", "surrogatepass"))
    return "".join(out)


def _decode(encoded: str) -> str:
    raw = bytearray()
    i = 0
    while i < len(encoded):
        if encoded[i] == "%":
            raw.append(int(encoded[i + 1 : i + 3], 16))
            i += 3
        else:
            raw.extend(encoded[i].encode("ascii"))
            i += 1
    return raw.decode("utf-8", "surrogatepass")


def folder_for_partition(partition: str) -> str:
    """The folder name of a persistent partition (``''`` or ``persist:NAME``)."""
    if partition == "":
        return DEFAULT_FOLDER
    if not partition.startswith(PERSIST_PREFIX):
        raise ValueError(f"partition {partition!r} is in-memory and has no folder")
    encoded = _encode(partition[len(PERSIST_PREFIX) :])
    if len(encoded) > _MAX_ENCODED:
        digest = hashlib.sha256(partition.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        encoded = f"{encoded[:_MAX_ENCODED]}~{digest}"
    return _FOLDER_PREFIX + encoded


def folder_for_path(path: Path) -> str:
    """The storage name that a ``from_path`` folder is reached through (a link to it)."""
    return _PATH_PREFIX + hashlib.sha256(str(path).encode("utf-8", "surrogatepass")).hexdigest()


def partition_for_folder(folder: Path) -> str | None:
    """The partition name a folder was made for, or None if it is not a partition folder."""
    name = folder.name
    if name == DEFAULT_FOLDER:
        return ""
    if not name.startswith(_FOLDER_PREFIX):
        return None
    if "~" in name:
        marker = folder / NAME_MARKER
        return marker.read_text("utf-8") if marker.is_file() else None
    try:
        return PERSIST_PREFIX + _decode(name[len(_FOLDER_PREFIX) :])
    except (ValueError, UnicodeDecodeError):
        return None


def write_marker(folder: Path, partition: str) -> None:
    """Record the full name inside a hashed folder, so the mapping stays reversible."""
    if "~" in folder.name and not (folder / NAME_MARKER).exists():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / NAME_MARKER).write_text(partition, "utf-8")
