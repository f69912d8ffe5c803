"""How a session's downloads behave: queue, segments, retries, flushing. Typed, validated."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

MIB = 1 << 20


@dataclass(frozen=True)
class DownloadSettings:
    max_active: int = 3  # downloads transferring at once; the rest wait in the queue
    segments: int = 4  # parallel ranges for one large download (1: never segment)
    min_segment_size: int = 8 * MIB  # a download is segmented only when every part is this big
    retries: int = 5  # attempts after a transient failure before the item is interrupted
    retry_delay: float = 0.5  # seconds before the first retry; doubles each time, at most 30 s
    read_buffer: int = MIB  # bytes Qt may hold per connection (bounded: perf_baseline.md)
    progress_interval: float = 0.25  # seconds between "updated" events and database writes
    # fdatasync before the database records bytes: survives a power cut, not only a kill -9
    # (engine.py, "Durability"); off: it costs about a third of a fast download's throughput.
    sync: bool = False
    auto_resume: bool = False  # resume downloads restored from the last run by themselves

    def __post_init__(self) -> None:
        for spec in fields(self):
            value: object = getattr(self, spec.name)
            if spec.type == "bool":
                if not isinstance(value, bool):
                    raise TypeError(f"{spec.name} must be a bool, not {value!r}")
                continue
            numeric: tuple[type, ...] = (int, float) if spec.type == "float" else (int,)
            if isinstance(value, bool) or not isinstance(value, int | float) or not isinstance(
                    value, numeric):
                raise TypeError(f"{spec.name} must be a {spec.type}, not {value!r}")
            if value < 0 or (value == 0 and spec.name != "retries"):
                raise ValueError(f"{spec.name} must be positive, not {value!r}")

    def with_changes(self, **changes: Any) -> DownloadSettings:
        known = {spec.name for spec in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise TypeError(f"unknown download settings: {sorted(unknown)}")
        return replace(self, **changes)
