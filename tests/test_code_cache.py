"""clear_code_caches: Chromium's generated code cache, which QtWebEngine never enables."""

from __future__ import annotations

from pathlib import Path

import pytest

from core import session
from core.web_contents import WebContents
from tests.servers import HttpServer

PAGE = "/page?body=%3Cscript%20src%3D%27%2Fcacheable.js%27%3E%3C%2Fscript%3E"


def test_no_code_cache_is_ever_written_so_clearing_is_complete(
    run, unique: str, http_server: HttpServer  # type: ignore[no-untyped-def]
) -> None:
    ses = session.from_partition(f"persist:{unique}")

    async def scenario() -> None:
        # V8 caches a script's code from its second or third load out of the HTTP cache.
        for _ in range(4):
            page = WebContents(ses)
            await page.load_url(http_server.url(PAGE))
            assert await page.execute_javascript("window.__scriptRan") is True
            page.close()
        await ses.clear_code_caches()
        await ses.clear_code_caches(urls=[http_server.url("/cacheable.js")])
        await ses.clear_code_caches(urls=[])

    run(scenario())
    assert ses.storage_path is not None
    # Were this folder ever written, clear_code_caches would have to remove its entries.
    assert not (Path(ses.storage_path) / "Code Cache").exists()
    assert len(http_server.requests("/cacheable.js")) == 1  # the script came from the cache


@pytest.mark.parametrize("bad", ["http://a.test/x.js", [1], 5])
def test_clear_code_caches_wants_a_list_of_urls(run, unique: str, bad: object) -> None:  # type: ignore[no-untyped-def]
    ses = session.from_partition(unique)
    with pytest.raises(TypeError, match="urls must be a list of URL strings"):
        run(ses.clear_code_caches(urls=bad))  # type: ignore[arg-type]
