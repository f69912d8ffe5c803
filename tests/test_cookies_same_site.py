"""The ``changed`` event reports each cookie's real SameSite, which Qt's cookie store drops."""

from __future__ import annotations

from core import session
from core.web_contents import WebContents
from tests.servers import HttpServer
from tests.waiting import wait_until

Change = tuple[str, str, str, bool, str]  # name, value, cause, removed, same_site


def test_changed_carries_the_same_site_of_server_page_and_removed_cookies(
    run, unique: str, http_server: HttpServer  # type: ignore[no-untyped-def]
) -> None:
    ses = session.from_partition(unique)
    seen: list[Change] = []
    ses.cookies.on("changed", lambda event, cookie, cause, removed: seen.append(
        (cookie.name, cookie.value, cause, removed, cookie.same_site)))
    page = WebContents(ses)

    async def scenario() -> None:
        await page.load_url(http_server.url("/set-cookie?c=srv%3D1%3B%20SameSite%3DStrict"))
        await page.execute_javascript("document.cookie = 'js=1; SameSite=Lax'")
        await page.execute_javascript("document.cookie = 'plain=1'")
        await wait_until(lambda: len(seen) == 3)
        # The page overwrites the server's cookie: the old one leaves as it was.
        await page.execute_javascript("document.cookie = 'srv=2; SameSite=Lax'")
        await wait_until(lambda: len(seen) == 5)
        await ses.cookies.remove(http_server.url("/"), "js")
        await ses.cookies.set(url=http_server.url("/"), name="api", value="1",
                              same_site="strict")

    run(scenario())
    assert seen == [
        ("srv", "1", "inserted", False, "strict"),
        ("js", "1", "inserted", False, "lax"),
        ("plain", "1", "inserted", False, "unspecified"),
        ("srv", "1", "overwrite", True, "strict"),
        ("srv", "2", "inserted", False, "lax"),
        ("js", "1", "explicit", True, "lax"),
        ("api", "1", "inserted", False, "strict"),
    ]


def test_a_cookie_set_earlier_is_removed_with_its_same_site(
    run, unique: str, http_server: HttpServer  # type: ignore[no-untyped-def]
) -> None:
    ses = session.from_partition(unique)
    page = WebContents(ses)
    earlier: list[str] = []
    ses.cookies.on("changed", lambda event, cookie, cause, removed: earlier.append(cookie.name))
    run(page.load_url(http_server.url("/set-cookie?c=old%3D1%3B%20SameSite%3DStrict")))
    run(wait_until(lambda: earlier == ["old"]))  # the insertion's event may trail the load
    seen: list[Change] = []
    ses.cookies.on("changed", lambda event, cookie, cause, removed: seen.append(
        (cookie.name, cookie.value, cause, removed, cookie.same_site)))
    run(ses.cookies.remove(http_server.url("/"), "old"))
    assert seen == [("old", "1", "explicit", True, "strict")]
