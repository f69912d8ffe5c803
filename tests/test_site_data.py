"""clear_storage_data / clear_data / get_blob_data on real pages of a real partition."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from core import devtools, session
from core.errors import NotSupportedError
from core.web_contents import WebContents
from tests.servers import HttpServer

WRITE = """(async () => {
  localStorage.setItem('kept', 'yes');
  document.cookie = 'c=' + location.hostname;
  await new Promise((ok, fail) => {
    const open = indexedDB.open('db', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('s');
    open.onsuccess = () => { open.result.close(); ok(); };
    open.onerror = fail;
  });
  return true;
})()"""
READ = """(async () => [
  localStorage.getItem('kept'),
  (await indexedDB.databases()).map(d => d.name),
  document.cookie,
])()"""


async def _write(ses: session.Session, *urls: str) -> list[WebContents]:
    pages = []
    for url in urls:
        contents = WebContents(ses)
        await contents.load_url(url)
        assert await contents.execute_javascript(WRITE) is True
        pages.append(contents)
    return pages


async def _read(pages: list[WebContents]) -> list[Any]:
    return [await page.execute_javascript(READ) for page in pages]


def test_clearing_indexeddb_keeps_local_storage(
    run, unique: str, http_server: HttpServer  # type: ignore[no-untyped-def]
) -> None:
    ses = session.from_partition(unique)

    async def scenario() -> list[Any]:
        pages = await _write(ses, http_server.url("/page"))
        origin = http_server.url("")
        await ses.clear_storage_data(origin=origin, storages=["indexdb"])
        return await _read(pages)

    assert run(scenario()) == [["yes", [], "c=127.0.0.1"]]


def test_clear_data_by_origin_and_by_exclusion(
    run, unique: str, http_server: HttpServer  # type: ignore[no-untyped-def]
) -> None:
    ses = session.from_partition(unique)
    one = http_server.url("/page")
    two = f"http://localhost:{http_server.port}/page"

    async def scenario() -> tuple[list[Any], list[Any]]:
        pages = await _write(ses, one, two)
        await ses.clear_data(data_types=["cookies", "localStorage"],
                             origins=[http_server.url("")])
        after_origins = await _read(pages)
        await ses.clear_data(data_types=["indexedDB"],
                             exclude_origins=[http_server.url("")])
        return after_origins, await _read(pages)

    after_origins, after_exclusion = run(scenario())
    assert after_origins == [[None, ["db"], ""], ["yes", ["db"], "c=localhost"]]
    assert after_exclusion == [[None, ["db"], ""], ["yes", [], "c=localhost"]]


def test_cookies_are_cleared_by_registrable_domain(run, unique: str) -> None:  # type: ignore[no-untyped-def]
    ses = session.from_partition(unique)
    causes: list[str] = []
    ses.cookies.on("changed", lambda event, cookie, cause, removed: causes.append(cause))

    async def scenario() -> set[str]:
        for url, name in (("https://www.example.com/", "www"), ("https://example.com/", "top"),
                          ("https://a.example.co.uk/", "uk"), ("https://other.com/", "other")):
            await ses.cookies.set(url=url, name=name, value="1")
        await ses.clear_data(
            data_types=["cookies"],
            origins=["https://really.specific.origin.example.com",
                     "https://my.website.example.co.uk"])
        return {cookie.name for cookie in await ses.cookies.get()}

    assert run(scenario()) == {"other"}
    assert causes.count("explicit") == 3


def test_clear_data_refuses_origins_with_exclude_origins(run, unique: str) -> None:  # type: ignore[no-untyped-def]
    ses = session.from_partition(unique)
    run(ses.cookies.set(url="http://a.test/", name="x", value="1"))
    with pytest.raises(TypeError, match="Cannot provide both 'origins' and 'excludeOrigins'"):
        run(ses.clear_data(origins=["http://a.test"], exclude_origins=["http://b.test"]))
    with pytest.raises(TypeError, match="Invalid origin: 'nope'"):
        run(ses.clear_data(origins=["nope"]))
    with pytest.raises(ValueError, match="'everything'"):
        run(ses.clear_data(data_types=["everything"]))
    with pytest.raises(NotSupportedError, match="HTTP cache only as a whole"):
        run(ses.clear_data(data_types=["cache"], origins=["http://a.test"]))
    assert [c.name for c in run(ses.cookies.get())] == ["x"]


def test_concurrent_clears_all_resolve(
    run, unique: str, http_server: HttpServer  # type: ignore[no-untyped-def]
) -> None:
    ses = session.from_partition(unique)

    async def scenario() -> list[Any]:
        pages = await _write(ses, http_server.url("/page"))
        await asyncio.wait_for(asyncio.gather(
            ses.clear_data(),
            ses.clear_data(data_types=["cookies"]),
            ses.clear_storage_data(),
            ses.clear_storage_data(origin=http_server.url(""), storages=["localstorage"]),
        ), timeout=30)
        return await _read(pages)

    assert run(scenario()) == [[None, [], ""]]


def test_get_blob_data_reads_a_pages_blob(
    run, unique: str, http_server: HttpServer  # type: ignore[no-untyped-def]
) -> None:
    ses = session.from_partition(unique)

    async def scenario() -> bytes:
        contents = WebContents(ses)
        await contents.load_url(http_server.url("/page"))
        cdp = await devtools.hub().attach(contents.page)
        blob = await cdp.send("Runtime.evaluate", {
            "expression": "window.kept = new Blob(['hello ', new Uint8Array([0, 255])])"})
        uuid = await cdp.send("IO.resolveBlob", {"objectId": blob["result"]["objectId"]})
        return await ses.get_blob_data(uuid["uuid"])

    assert run(scenario()) == b"hello \x00\xff"
    with pytest.raises(ValueError, match="no blob"):
        run(session.from_partition(unique).get_blob_data("00000000-0000-0000-0000-000000000000"))
