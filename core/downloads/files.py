"""The ``.part`` file: open, write at an offset, flush, finish; disk errors become reasons.

Every failure is an ``DiskError`` whose message a user can read (disk full, read-only
folder, vanished folder); the bytes already written stay in the ``.part`` file.
"""

from __future__ import annotations

import errno
import hashlib
import os

from core.downloads import names

_HASH_CHUNK = 1 << 20


class DiskError(Exception):
    """Writing the download failed; ``str()`` is the reason shown to the user.

    ``written`` counts the bytes of the failed write that did land before the failure.
    """

    def __init__(self, reason: str, written: int = 0) -> None:
        super().__init__(reason)
        self.written = written


def reason_for(error: OSError, path: str) -> str:
    folder = os.path.dirname(path)
    name = os.path.basename(path)
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"Disk full: no space left in {folder} to write {name}"
    if error.errno == errno.EROFS:
        return f"The folder {folder} is on a read-only file system"
    if error.errno in (errno.EACCES, errno.EPERM):
        return f"No permission to write to the folder {folder}"
    if error.errno == errno.ENOENT and not os.path.isdir(folder):
        return f"The folder {folder} no longer exists"
    return f"Cannot write {path}: {error.strerror or error}"


def open_part(path: str, *, truncate: bool) -> int:
    """A file descriptor for writing at any offset; ``truncate`` drops old bytes."""
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
    if truncate:
        flags |= os.O_TRUNC
    try:
        return os.open(path, flags, 0o644)
    except OSError as error:
        raise DiskError(reason_for(error, path)) from error


def write_at(fd: int, data: bytes, offset: int, path: str) -> int:
    """Write ``data`` at ``offset``; returns its length, or raises with ``written`` set."""
    view = memoryview(data)
    written = 0
    while written < len(view):
        try:
            written += os.pwrite(fd, view[written:], offset + written)
        except OSError as error:
            raise DiskError(reason_for(error, path), written) from error
    return written


def flush(fd: int, path: str) -> None:
    try:
        os.fdatasync(fd)
    except OSError as error:
        raise DiskError(reason_for(error, path)) from error


def truncate(fd: int, size: int, path: str) -> None:
    try:
        os.ftruncate(fd, size)
    except OSError as error:
        raise DiskError(reason_for(error, path)) from error


def finish(part: str, final: str, *, overwrite: bool) -> str:
    """Give the ``.part`` file its final name; returns the name used.

    A name the server chose never replaces an existing file: if it was taken while we
    downloaded, the next free ``name (n).ext`` is used; a path the user chose may replace.
    """
    while True:
        try:
            if overwrite:
                os.replace(part, final)
            else:
                _rename_no_clobber(part, final)
            return final
        except FileExistsError:
            folder, name = os.path.split(final)
            final = names.unique_path(folder, name)
        except OSError as error:
            raise DiskError(reason_for(error, final)) from error


def _rename_no_clobber(part: str, final: str) -> None:
    try:
        os.link(part, final)
    except OSError as error:
        # File systems without hard links (FAT, some FUSE mounts): check, then rename.
        if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EXDEV):
            raise
        if os.path.lexists(final):
            raise FileExistsError(errno.EEXIST, "exists", final) from error
        os.rename(part, final)
        return
    os.unlink(part)


def sha256_of(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
