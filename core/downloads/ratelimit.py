"""Token buckets for the per-download and the process-wide speed limits."""

from __future__ import annotations

import time

# A bucket holds at most this much of a second's allowance, so a limit is observed over
# short windows too, yet small reads are not starved.
_BURST_SECONDS = 0.25
_MIN_BURST = 16 * 1024


class TokenBucket:
    """``rate`` bytes per second (None: unlimited)."""

    def __init__(self, rate: int | None = None) -> None:
        self._rate: int | None = None
        self._tokens = 0.0
        self._stamp = time.monotonic()
        self.set_rate(rate)

    @property
    def rate(self) -> int | None:
        return self._rate

    def set_rate(self, rate: int | None) -> None:
        if rate is not None and (isinstance(rate, bool) or not isinstance(rate, int) or rate <= 0):
            raise ValueError(f"speed limit must be a positive number of bytes per second or "
                             f"None, not {rate!r}")
        self._rate = rate
        self._tokens = 0.0
        self._stamp = time.monotonic()

    def _capacity(self) -> float:
        assert self._rate is not None
        return max(self._rate * _BURST_SECONDS, _MIN_BURST)

    def _refill(self) -> None:
        now = time.monotonic()
        if self._rate is not None:
            self._tokens = min(self._capacity(), self._tokens + (now - self._stamp) * self._rate)
        self._stamp = now

    def available(self, wanted: int) -> int:
        """How many of ``wanted`` bytes may pass now."""
        if self._rate is None:
            return wanted
        self._refill()
        return max(0, min(wanted, int(self._tokens)))

    def take(self, count: int) -> None:
        if self._rate is not None:
            self._tokens -= count

    def wait_seconds(self, wanted: int) -> float:
        """Time until ``wanted`` bytes (at most one burst) may pass."""
        if self._rate is None:
            return 0.0
        self._refill()
        need = min(float(wanted), self._capacity()) - self._tokens
        return max(need / self._rate, 0.001)


_global = TokenBucket()


def global_bucket() -> TokenBucket:
    """The process-wide limit every download of every session shares."""
    return _global


def set_global_speed_limit(bytes_per_second: int | None) -> None:
    _global.set_rate(bytes_per_second)
