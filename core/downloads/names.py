"""File names for downloads: what the server suggests, made safe, made unique.

A name from a server (Content-Disposition, the URL) is untrusted: it is reduced to one plain
path component, so it can never leave the chosen folder, and a name that exists already
becomes ``name (1).ext`` so it never replaces a file.
"""

from __future__ import annotations

import email.message
import os
import re
import urllib.parse
from collections.abc import Container

from core.downloads.record import PART_SUFFIX

FALLBACK_NAME = "download"
_MAX_NAME_BYTES = 255 - len(PART_SUFFIX)  # the .part file must fit the file system's limit too
# Control characters, path separators, and what Windows forbids (files move between systems).
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


def from_content_disposition(header: str) -> str:
    """The ``filename*`` / ``filename`` of a Content-Disposition header ('' if none)."""
    if not header:
        return ""
    message = email.message.Message()
    message["content-disposition"] = header
    name = message.get_filename()  # decodes RFC 2231 / 5987 filename*
    return name or ""


def from_url(url: str) -> str:
    parsed = urllib.parse.urlsplit(url)
    last = urllib.parse.unquote(parsed.path.rsplit("/", 1)[-1])
    return last or parsed.hostname or ""


def sanitise(name: str) -> str:
    """One safe path component: no separators, no ``..``, no control characters."""
    # Keep only the last component of anything that looks like a path, on any system.
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE.sub("_", name).strip().strip(".").strip()
    if not name:
        return FALLBACK_NAME
    while len(name.encode("utf-8")) > _MAX_NAME_BYTES:
        stem, ext = os.path.splitext(name)
        name = stem[:-1] + ext if len(stem) > 1 else name[:-1]
    return name


def suggested_name(content_disposition: str, url: str) -> str:
    return sanitise(from_content_disposition(content_disposition) or from_url(url))


def unique_path(folder: str, name: str, reserved: Container[str] = ()) -> str:
    """``folder/name``, or ``folder/name (n).ext`` with the first n that is free.

    A name is taken when the file or its ``.part`` exists, or another download reserved it.
    """
    stem, ext = os.path.splitext(name)
    candidate = os.path.join(folder, name)
    number = 0
    while (os.path.lexists(candidate) or os.path.lexists(candidate + PART_SUFFIX)
           or candidate in reserved):
        number += 1
        candidate = os.path.join(folder, f"{stem} ({number}){ext}")
    return candidate
