"""Waiting until a persistent partition's cookie database holds what the jar holds.

Neither QtWebEngine nor the DevTools protocol reaches Chromium's
``CookieManager::FlushCookieStore``. Chromium's ``SQLitePersistentCookieStore`` commits on its
own every 30 seconds (or after 512 changes) and on close, and the ``Cookies`` file can be read
while it is open (measured). So a flush is the wait for that commit, checked against the file.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from core.net.cookie_model import Cookie, Key

_POLL_SECONDS = 0.25
# Chromium's commit interval (kCommitInterval) plus room for a busy machine.
TIMEOUT_SECONDS = 45.0


def _stored(database: Path) -> dict[Key, str] | None:
    """Rows of the ``cookies`` table; None while the file or table is not there yet."""
    if not database.exists():
        return None
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1) as connection:
            rows = connection.execute("SELECT name, host_key, path, value FROM cookies")
            return {(name, host, path): value for name, host, path, value in rows}
    except sqlite3.Error:
        return None  # Chromium is creating it or holds a write lock for a moment


def _written(stored: dict[Key, str] | None, wanted: list[Cookie], now: set[Key]) -> bool:
    if stored is None:
        return not wanted
    # An encrypted store leaves ``value`` empty; then the key alone has to do.
    added = all(
        cookie.key in stored and stored[cookie.key] in (cookie.value, "") for cookie in wanted
    )
    return added and set(stored) <= now  # and what was removed is gone from the file


async def wait_until_written(
    database: Path, jar: list[Cookie], current: Callable[[], Awaitable[list[Cookie]]]
) -> None:
    """Return once ``database`` holds the persistent cookies of ``jar`` (the jar when the
    flush was asked for) and none that ``current()`` no longer lists."""
    wanted = [cookie for cookie in jar if not cookie.session]
    deadline = time.monotonic() + TIMEOUT_SECONDS
    loop = asyncio.get_running_loop()
    while True:
        stored = await loop.run_in_executor(None, _stored, database)
        now = {cookie.key for cookie in await current() if not cookie.session}
        if _written(stored, wanted, now):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"Chromium did not write the cookie store {database} within "
                f"{TIMEOUT_SECONDS:.0f} seconds"
            )
        await asyncio.sleep(_POLL_SECONDS)
