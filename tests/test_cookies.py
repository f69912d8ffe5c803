"""ses.cookies against a real QtWebEngine jar: filters, validation, and the "changed" causes."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from core import session
from core.net.cookies import Cookie
from core.net.domains import matches_domain
from core.web_contents import WebContents
from tests.servers import HttpServer

Change = tuple[str, str, str, bool]  # name, value, cause, removed


def _recorder(ses: session.Session) -> list[Change]:
    seen: list[Change] = []
    ses.cookies.on("changed", lambda event, cookie, cause, removed: seen.append(
        (cookie.name, cookie.value, cause, removed)))
    return seen


async def _until(predicate: Any, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


@pytest.mark.parametrize(("filter_domain", "cookie_domain", "expected"), [
    ("example.com", "example.com", True),
    ("example.com", ".example.com", True),
    (".example.com", "example.com", True),
    ("EXAMPLE.com", "www.example.com", True),  # subdomains of the filter
    ("example.com", ".a.b.example.com", True),
    ("www.example.com", ".example.com", True),  # a domain cookie covering the filter
    ("www.example.com", "example.com", False),  # a host-only cookie never covers a subdomain
    ("example.com", "notexample.com", False),  # label boundary
    ("ample.com", "example.com", False),
    ("com", "example.com", True),
    ("example.org", "example.com", False),
    ("127.0.0.1", "127.0.0.1", True),
    ("0.0.1", "127.0.0.1", False),  # IP addresses only match exactly
    ("127.0.0.1", ".0.0.1", False),
    ("", "example.com", False),
])
def test_domain_filter_table(filter_domain: str, cookie_domain: str, expected: bool) -> None:
    assert matches_domain(filter_domain, cookie_domain) is expected


def test_get_applies_every_filter_to_the_real_jar(run, unique: str) -> None:  # type: ignore[no-untyped-def]
    ses = session.from_partition(unique)

    async def scenario() -> None:
        c = ses.cookies
        await c.set(url="http://example.com/", name="host", value="1")
        await c.set(url="http://www.example.com/a/b", name="sub", value="2", http_only=True)
        await c.set(url="https://example.com/", name="dom", value="3", domain="example.com",
                    secure=True, expiration_date=time.time() + 3600, same_site="strict")
        await c.set(url="http://notexample.com/", name="other", value="4")

        async def names(**filters: Any) -> set[str]:
            return {cookie.name for cookie in await c.get(**filters)}

        assert await names() == {"host", "sub", "dom", "other"}
        assert await names(domain="example.com") == {"host", "sub", "dom"}
        assert await names(domain=".EXAMPLE.com") == {"host", "sub", "dom"}
        assert await names(domain="www.example.com") == {"sub", "dom"}
        assert await names(url="http://www.example.com/a/b/c") == {"sub"}  # dom is Secure
        assert await names(url="https://www.example.com/a/b/c") == {"sub", "dom"}
        assert await names(url="http://example.com/") == {"host"}
        assert await names(url="not a url") == set()
        assert await names(name="sub") == {"sub"}
        assert await names(path="/a") == {"sub"}  # the default path of /a/b
        assert await names(secure=True) == {"dom"}
        assert await names(session=False) == {"dom"}
        assert await names(http_only=True) == {"sub"}
        dom = (await c.get(name="dom"))[0]
        assert (dom.domain, dom.host_only, dom.secure, dom.session, dom.same_site) == (
            ".example.com", False, True, False, "strict")
        assert dom.expiration_date is not None and dom.expiration_date > time.time()
        host = (await c.get(name="host"))[0]
        assert (host.host_only, host.session, host.expiration_date, host.same_site) == (
            True, True, None, "lax")  # Electron's default SameSite for set() is lax

    run(scenario())


@pytest.mark.parametrize(("details", "message"), [
    ({"url": "http://a.test/", "name": "x", "value": "a;b"},
     "Failed to set cookie - The cookie contains ASCII control characters"),
    ({"url": "http://a.test/", "name": "x\x01", "value": "1"},
     "Failed to set cookie - The cookie contains ASCII control characters"),
    ({"url": "http://a.test/", "name": "x", "value": "1", "domain": "other.test"},
     "Failed to set cookie - The cookie was set with an invalid Domain attribute."),
    ({"url": "http://a.example.co.uk/", "name": "x", "value": "1", "domain": "co.uk"},
     "Failed to set cookie - The cookie was set with an invalid Domain attribute."),
    ({"url": "http://127.0.0.1/", "name": "x", "value": "1", "domain": "0.0.1"},
     "Failed to set cookie - The cookie was set with an invalid Domain attribute."),
    ({"url": "asdf", "name": "x", "value": "1"},
     "Failed to set cookie - The cookie was set with an invalid Domain attribute."),
    ({"url": "http://a.test/", "name": "x", "value": "1", "same_site": "sideways"},
     "Failed to convert 'sideways' to an appropriate cookie same site value"),
    ({"url": "http://a.test/", "name": "x", "value": "1", "secure": True},
     "The cookie was Secure, but the URL was not allowed to access Secure cookies."),
    ({"url": "https://a.test/", "name": "x", "value": "1", "secure": False,
      "same_site": "no_restriction"},
     "The cookie specified SameSite=None, but it was not Secure."),
    ({"url": "http://a.test/", "name": "", "value": ""},
     "The cookie contains no content or only whitespace."),
    ({"url": "https://a.test/", "name": "__Host-x", "value": "1", "domain": "a.test"},
     "The cookie was set with an invalid __Host- or __Secure- prefix."),
    ({"url": "http://a.test/", "name": "kept", "value": "2"},
     "The cookie would have overwritten an HttpOnly cookie, and was not allowed to do so."),
])
def test_invalid_cookies_are_refused_and_change_nothing(
    run, unique: str, details: dict[str, Any], message: str  # type: ignore[no-untyped-def]
) -> None:
    ses = session.from_partition(unique)

    async def scenario() -> tuple[list[Cookie], list[Cookie], list[Change]]:
        await ses.cookies.set(url="http://a.test/", name="kept", value="1", http_only=True)
        before = await ses.cookies.get()
        seen = _recorder(ses)
        with pytest.raises(ValueError) as raised:
            await ses.cookies.set(**details)
        assert message in str(raised.value)
        return before, await ses.cookies.get(), seen

    before, after, seen = run(scenario())
    assert after == before
    assert seen == []


def test_missing_url_and_wrong_types_raise_type_errors(run, unique: str) -> None:  # type: ignore[no-untyped-def]
    cookies = session.from_partition(unique).cookies
    with pytest.raises(TypeError, match="Missing required option 'url'"):
        run(cookies.set(name="x", value="1"))
    with pytest.raises(TypeError, match="secure"):
        run(cookies.get(secure="yes"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="expiration_date"):
        run(cookies.set(url="http://a.test/", name="x", value="1",
                        expiration_date="tomorrow"))  # type: ignore[arg-type]


def test_page_and_server_cookies_are_listed_with_their_flags(
    run, unique: str, http_server: HttpServer  # type: ignore[no-untyped-def]
) -> None:
    ses = session.from_partition(unique)
    contents = WebContents(ses)

    async def scenario() -> list[Cookie]:
        await contents.load_url(http_server.url("/set-cookie?c=srv%3D1%3B%20HttpOnly"))
        await contents.execute_javascript("document.cookie = 'js=2'")
        return await ses.cookies.get(url=http_server.url("/"))

    found = {cookie.name: cookie for cookie in run(scenario())}
    assert set(found) == {"srv", "js"}
    assert found["srv"].http_only and not found["srv"].session
    assert not found["js"].http_only and found["js"].session
    assert found["js"].domain == "127.0.0.1" and found["js"].host_only


def test_changed_reports_api_changes_with_electrons_causes(run, unique: str) -> None:  # type: ignore[no-untyped-def]
    ses = session.from_partition(unique)
    seen = _recorder(ses)
    url = "http://a.test/"

    async def scenario() -> None:
        await ses.cookies.set(url=url, name="k", value="1")
        await ses.cookies.set(url=url, name="k", value="2")
        await ses.cookies.set(url=url, name="k", value="2")
        await ses.cookies.set(url=url, name="k", value="2", http_only=True)
        await ses.cookies.remove(url, "k")
        await ses.cookies.remove(url, "k")  # nothing left: no event

    run(scenario())
    assert seen == [
        ("k", "1", "inserted", False),
        ("k", "1", "overwrite", True), ("k", "2", "inserted", False),
        ("k", "2", "overwrite", True), ("k", "2", "inserted-no-change-overwrite", False),
        ("k", "2", "overwrite", True), ("k", "2", "inserted-no-value-change-overwrite", False),
        ("k", "2", "explicit", True),
    ]


def _watched_page(partition: str) -> tuple[session.Session, WebContents, list[Change]]:
    ses = session.from_partition(partition)
    return ses, WebContents(ses), _recorder(ses)


def test_changed_reports_page_and_server_changes(
    run, unique: str, http_server: HttpServer  # type: ignore[no-untyped-def]
) -> None:
    ses, contents, seen = _watched_page(unique)

    async def scenario() -> None:
        await contents.load_url(http_server.url("/set-cookie?c=srv%3D1"))
        await contents.execute_javascript("document.cookie = 'js=1'")
        await contents.execute_javascript("document.cookie = 'js=; max-age=0'")
        await contents.execute_javascript("document.cookie = 'short=1; max-age=1'")
        await _until(lambda: len(seen) == 4)
        await asyncio.sleep(1.1)  # let "short" reach its expiry date
        await ses.cookies.get()  # Chromium drops expired cookies when the jar is read
        await _until(lambda: len(seen) == 5)

    run(scenario())
    assert seen == [
        ("srv", "1", "inserted", False),
        ("js", "1", "inserted", False),
        ("js", "1", "expired-overwrite", True),
        ("short", "1", "inserted", False),
        ("short", "1", "expired", True),
    ]


def test_changed_reports_evicted_cookies(
    run, unique: str, http_server: HttpServer  # type: ignore[no-untyped-def]
) -> None:
    ses, contents, seen = _watched_page(unique)

    async def scenario() -> None:
        await contents.load_url(http_server.url("/page"))
        await contents.execute_javascript(
            "for (let i = 0; i < 181; i++) document.cookie = 'c' + i + '=v'; true")
        # 181 cookies for one site: Chromium keeps 150 and evicts the least recently used.
        await _until(lambda: sum(1 for change in seen if change[2] == "evicted") == 31)

    run(scenario())
    assert [change for change in seen if change[2] == "inserted"][-1][0] == "c180"
    assert {cause for _, _, cause, _ in seen} == {"inserted", "evicted"}
    assert len(run(ses.cookies.get())) == 150


def test_flush_store_resolves_at_once_for_an_in_memory_session(run, unique: str) -> None:  # type: ignore[no-untyped-def]
    run(session.from_partition(unique).cookies.flush_store())


def test_a_cookie_without_samesite_reads_as_unspecified(run, unique: str,
                                                        http_server: HttpServer) -> None:
    ses = session.from_partition(f"{unique}-nosamesite")
    page = WebContents(ses)
    run(page.load_url(http_server.url("/set-cookie?c=plain=1")))
    cookies = run(ses.cookies.get(name="plain"))
    assert [cookie.same_site for cookie in cookies] == ["unspecified"]
