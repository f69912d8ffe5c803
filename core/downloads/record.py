"""What one download is, as stored: the fields Electron's ``DownloadItem`` reports, plus the
byte ranges already on disk.

A download is a list of segments (one, or several for a segmented transfer); each segment
knows how many of its bytes are safely written, so the received count is their sum.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Literal

State = Literal["progressing", "completed", "cancelled", "interrupted"]
BackendKind = Literal["http", "chromium"]
PART_SUFFIX = ".part"


@dataclass
class Segment:
    """Bytes ``[start, end)`` of the file (``end`` None: unknown length); ``done`` are written."""

    start: int
    end: int | None
    done: int = 0

    @property
    def position(self) -> int:
        return self.start + self.done

    @property
    def finished(self) -> bool:
        return self.end is not None and self.position >= self.end


@dataclass
class DownloadRecord:
    url_chain: list[str]
    backend: BackendKind = "http"
    id: int | None = None
    save_path: str = ""
    suggested_name: str = ""
    mime_type: str = ""
    content_disposition: str = ""
    total: int = 0
    etag: str = ""
    last_modified: str = ""
    start_time: float = field(default_factory=time.time)
    end_time: float = 0.0
    state: State = "progressing"
    paused: bool = False
    reason: str = ""
    referrer: str = ""
    has_user_gesture: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    path_chosen_by_user: bool = False
    expected_sha256: str | None = None
    segments: list[Segment] = field(default_factory=lambda: [Segment(0, None)])

    @property
    def url(self) -> str:
        return self.url_chain[-1] if self.url_chain else ""

    @property
    def received(self) -> int:
        return sum(segment.done for segment in self.segments)

    @property
    def part_path(self) -> str:
        return self.save_path + PART_SUFFIX if self.save_path else ""

    @property
    def finished(self) -> bool:
        return self.state in ("completed", "cancelled")

    def restart_from_zero(self, total: int | None) -> None:
        """Forget every byte: the resource changed or the server ignored the range."""
        self.segments = [Segment(0, total)]
