"""A session's network emulation (Electron's ``enableNetworkEmulation``), as the router applies it.

Offline refuses the session's new connections with ``net::ERR_INTERNET_DISCONNECTED``; latency
delays each request and tunnel before it is sent on; throughputs pace the bytes both ways
through token buckets that all the session's connections share, as Chromium's throttling does.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from core.downloads.ratelimit import TokenBucket
from core.net.relay import allowance

OFFLINE_ERROR = "net::ERR_INTERNET_DISCONNECTED"


def _number(name: str, value: object, unit: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number of {unit}, not {value!r}")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number of {unit} >= 0 (0: no limit), "
                         f"not {value!r}")
    return float(value)


@dataclass(frozen=True)
class NetworkConditions:
    """Latency in milliseconds, throughputs in bytes per second; 0 disables each."""

    offline: bool = False
    latency: float = 0.0
    download_throughput: float = 0.0
    upload_throughput: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.offline, bool):
            raise TypeError(f"offline must be True or False, not {self.offline!r}")
        object.__setattr__(self, "latency", _number("latency", self.latency, "milliseconds"))
        for name in ("download_throughput", "upload_throughput"):
            object.__setattr__(self, name, _number(name, getattr(self, name), "bytes per second"))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> NetworkConditions:
        known = {key: values[key] for key in ("offline", "latency", "download_throughput",
                                              "upload_throughput") if key in values}
        return cls(**known)


def _bucket(rate: float) -> TokenBucket | None:
    return TokenBucket(max(1, round(rate))) if rate else None


class Emulation:
    """The router's side: the conditions, and the session's shared buckets for each direction."""

    def __init__(self, conditions: NetworkConditions) -> None:
        self.conditions = conditions
        self.download = _bucket(conditions.download_throughput)
        self.upload = _bucket(conditions.upload_throughput)

    @property
    def offline(self) -> bool:
        return self.conditions.offline

    @property
    def latency_seconds(self) -> float:
        return self.conditions.latency / 1000

    async def pace_upload(self, size: int) -> None:
        """Wait until ``size`` bytes sent at once (a request body the router holds whole)
        would have gone out at the upload throughput."""
        while self.upload is not None and size > 0:
            sent = await allowance(self.upload, size)
            self.upload.take(sent)
            size -= sent
