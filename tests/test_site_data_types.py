"""clear_data's "backgroundFetch" and per-origin "cache", checked against what Chromium does."""

from __future__ import annotations

import pytest

from core import session
from core.errors import NotSupportedError
from core.web_contents import WebContents
from tests.servers import HttpServer

FETCH_CACHEABLE = "fetch('/cacheable').then(r => r.status)"


def test_no_background_fetch_exists_so_clearing_it_is_complete(
    run, unique: str, http_server: HttpServer  # type: ignore[no-untyped-def]
) -> None:
    ses = session.from_partition(unique)

    async def scenario() -> list[str]:
        page = WebContents(ses)
        await page.load_url(http_server.url("/page"))
        seen = await page.execute_javascript("""(async () => {
          const registration = await navigator.serviceWorker.register('/sw.js');
          return [typeof BackgroundFetchManager, typeof registration.backgroundFetch];
        })()""")
        await ses.clear_data(data_types=["backgroundFetch"])
        await ses.clear_data(data_types=["backgroundFetch"], origins=[http_server.url("")])
        return list(seen)

    # No page or worker can store a Background Fetch, so there is never any to remove.
    assert run(scenario()) == ["undefined", "undefined"]


def test_the_http_cache_cannot_be_cleared_per_origin(
    run, unique: str, http_server: HttpServer  # type: ignore[no-untyped-def]
) -> None:
    ses = session.from_partition(f"persist:{unique}")
    origin = http_server.url("")

    async def scenario() -> list[int]:
        page = WebContents(ses)
        await page.load_url(http_server.url("/page"))
        counts = []
        assert await page.execute_javascript(FETCH_CACHEABLE) == 200
        counts.append(len(http_server.requests("/cacheable")))
        # What a per-origin cache clearing would have to rely on: it leaves the HTTP cache.
        await ses.devtools.send("Storage.clearDataForOrigin",
                                {"origin": origin, "storageTypes": "all"})
        assert await page.execute_javascript(FETCH_CACHEABLE) == 200
        counts.append(len(http_server.requests("/cacheable")))
        with pytest.raises(NotSupportedError, match="only as a whole"):
            await ses.clear_data(data_types=["cache"], origins=[origin])
        await ses.clear_data(data_types=["cache"])
        assert await page.execute_javascript(FETCH_CACHEABLE) == 200
        counts.append(len(http_server.requests("/cacheable")))
        return counts

    assert run(scenario()) == [1, 1, 2]
