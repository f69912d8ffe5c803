"""Files that are either entirely old or entirely new: a crash never leaves half of one.

The new content goes to a temporary file in the same folder (``os.replace`` is only atomic
within one file system), is flushed and fsynced, then renamed over the target; the folder is
fsynced last so the rename itself survives a power cut.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

StrPath = str | os.PathLike[str]


def write_atomic(path: StrPath, data: bytes | str) -> None:
    """Replace ``path`` with ``data`` (``str`` is written as UTF-8) in one atomic step.

    The folder must exist. An existing file keeps its permission bits; a new one is private
    to the user (0600), as settings should be.
    """
    if isinstance(data, str):
        payload = data.encode("utf-8")
    elif isinstance(data, bytes):
        payload = data
    else:
        raise TypeError(f"data must be bytes or str, not {type(data).__name__}")
    target = Path(path)
    folder = target.parent
    try:
        mode: int | None = target.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temp_name, mode)
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    _fsync_folder(folder)


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_json(path: StrPath, value: Any) -> None:
    """``write_atomic`` of ``value`` as indented JSON."""
    write_atomic(path, json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def read_json(path: StrPath, default: Any) -> Any:
    """The JSON value in ``path``, or ``default`` when the file does not exist.

    A file that exists but is not JSON raises ``ValueError`` naming it: silently replacing the
    user's settings with defaults would lose them at the next save.
    """
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        return default
    try:
        return json.loads(raw)
    except ValueError as error:  # bad JSON or bad UTF-8
        raise ValueError(f"{os.fspath(path)} is not valid JSON: {error}") from error
