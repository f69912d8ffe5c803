"""Polling for what a test cannot be told by a signal (events that trail a page load, ...)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


async def wait_until(predicate: Callable[[], object], timeout: float = 10.0) -> None:
    """Poll ``predicate()`` on the running loop until it is true; AssertionError on timeout."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.02)
