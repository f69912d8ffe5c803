"""HTTP facts a download engine decides on: ranges, validators, which answers to retry."""

from __future__ import annotations

import re
from dataclasses import dataclass

_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)", re.IGNORECASE)
_UNSATISFIED = re.compile(r"bytes\s+\*/(\d+)", re.IGNORECASE)
# Answers worth asking again (a busy or briefly failing server); other 4xx are final.
TRANSIENT_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
REDIRECT_STATUS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 20


@dataclass(frozen=True)
class ContentRange:
    first: int
    last: int
    total: int | None


def parse_content_range(header: str) -> ContentRange | None:
    match = _CONTENT_RANGE.fullmatch(header.strip())
    if match is None:
        return None
    total = None if match.group(3) == "*" else int(match.group(3))
    return ContentRange(int(match.group(1)), int(match.group(2)), total)


def unsatisfied_length(header: str) -> int | None:
    """The length in a 416 answer's ``Content-Range: bytes */length``."""
    match = _UNSATISFIED.fullmatch(header.strip())
    return int(match.group(1)) if match else None


def range_header(start: int, end: int | None) -> str:
    return f"bytes={start}-" if end is None else f"bytes={start}-{end - 1}"


def if_range(etag: str, last_modified: str) -> str:
    """The validator for ``If-Range``: a strong ETag, else Last-Modified ('' if neither).

    RFC 9110 13.1.5 forbids weak ETags in If-Range; a server would answer 200, which we
    would handle, but asking correctly keeps the partial bytes.
    """
    if etag and not etag.startswith("W/"):
        return etag
    return last_modified


def mime_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()
