"""clear_cache empties the HTTP cache and nothing else: open pages keep fetching, cookies stay."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from core import session
from core.web_contents import WebContents
from tests.servers import HttpServer
from tests.waiting import wait_until

FETCH_CACHEABLE = "fetch('/cacheable').then(r => r.status, e => String(e))"
CACHED_BYTES = 200_000  # /cacheable's body


@pytest.mark.parametrize("persistent", [True, False], ids=["persistent", "in-memory"])
def test_an_open_page_fetches_from_the_server_again_after_clear_cache(
    run, unique: str, http_server: HttpServer, persistent: bool  # type: ignore[no-untyped-def]
) -> None:
    ses = session.from_partition(f"persist:{unique}" if persistent else unique)
    changes: list[str] = []
    ses.cookies.on("changed", lambda event, cookie, cause, removed: changes.append(cookie.name))
    page = WebContents(ses)

    async def cache_size() -> int:
        return await ses.get_cache_size() if persistent else 0

    async def scenario() -> list[Any]:
        await page.load_url(http_server.url("/page"))
        await page.execute_javascript("document.cookie = 'kept=1'")
        results = [await page.execute_javascript(FETCH_CACHEABLE),
                   await page.execute_javascript(FETCH_CACHEABLE)]
        results.append(len(http_server.requests("/cacheable")))
        # Chromium writes the cache entry a moment after the load.
        for _ in range(100):
            if not persistent or await cache_size() >= CACHED_BYTES:
                break
            await asyncio.sleep(0.05)
        results.append(not persistent or await cache_size() >= CACHED_BYTES)
        await wait_until(lambda: changes == ["kept"])
        await ses.clear_cache()
        results.append(await cache_size() < CACHED_BYTES)
        results.append(await page.execute_javascript(FETCH_CACHEABLE))
        results.append(len(http_server.requests("/cacheable")))
        results.append([cookie.name for cookie in await ses.cookies.get()])
        return results

    assert run(scenario()) == [200, 200, 1, True, True, 200, 2, ["kept"]]
    assert changes == ["kept"]

