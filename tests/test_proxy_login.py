"""Upstream proxy logins (remembered in the real OS keyring) and page logins, through the
session's "login" event, with real pages, the router and a proxy that answers 407."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import keyring
import pytest

from core import session
from core.errors import NetError
from core.events import Event
from core.net.credentials import SERVICE
from core.net.login import AuthInfo
from core.net.socks import Credentials
from core.net.upstream import Challenge
from core.session import Session
from core.web_contents import WebContents
from tests.servers import HttpServer
from tests.test_router import get, register, running
from tests.test_router_servers import UpstreamHttpProxy

pytestmark = pytest.mark.usefixtures("os_keyring")

Asked = list[AuthInfo]


def answering(asked: Asked, *answer: Any, **options: Any) -> Callable[..., None]:
    """A "login" listener that records the question and answers later, as a dialog would."""
    def listener(event: Event, info: AuthInfo, callback: Callable[..., None]) -> None:
        asked.append(info)
        event.prevent_default()
        asyncio.get_running_loop().call_soon(lambda: callback(*answer, **options))
    return listener


async def through(ses: Session, upstream: UpstreamHttpProxy) -> None:
    await ses.set_proxy(proxy_rules=f"127.0.0.1:{upstream.port}",
                        proxy_bypass_rules="<-loopback>")


def test_a_proxy_login_is_asked_once_then_comes_from_the_keyring(
        run, unique: str, http_server: HttpServer) -> None:
    ses = session.from_partition(f"persist:{unique}")
    asked: Asked = []
    ses.on("login", answering(asked, "bob", "pw"))

    async def scenario() -> tuple[list[tuple[str, ...]], int]:
        upstream = await UpstreamHttpProxy(credentials=("bob", "pw")).start()
        try:
            await through(ses, upstream)
            await WebContents(ses).load_url(http_server.url("/page?title=one"))
            await through(ses, upstream)  # a new policy: the router forgets what it was told
            await WebContents(ses).load_url(http_server.url("/page?title=two"))
            return upstream.seen, upstream.port
        finally:
            await upstream.close()

    seen, port = run(scenario())
    assert [(info.is_proxy, info.scheme, info.host, info.port, info.realm) for info in asked] == [
        (True, "basic", "127.0.0.1", port, "up")]
    assert any("title=two" in target and auth for _, target, auth in seen)
    proxy = f"http://127.0.0.1:{port}"
    entry = f"{ses.storage_path} {proxy}"
    assert json.loads(keyring.get_password(SERVICE, entry) or "null") == {
        "username": "bob", "password": "pw"}
    assert [(c.proxy, c.username) for c in ses.get_proxy_credentials()] == [(proxy, "bob")]

    assert run(ses.forget_proxy_credentials(proxy)) is True
    assert keyring.get_password(SERVICE, entry) is None
    assert ses.get_proxy_credentials() == []


def test_refused_credentials_are_asked_for_again(run, unique: str,
                                                  http_server: HttpServer) -> None:
    ses = session.from_partition(f"persist:{unique}")
    asked: Asked = []
    answers = iter([("bob", "typo"), ("bob", "pw")])

    def listener(event: Event, info: AuthInfo, callback: Callable[..., None]) -> None:
        asked.append(info)
        callback(*next(answers))  # answering at once needs no prevent_default

    ses.on("login", listener)

    async def scenario() -> str:
        upstream = await UpstreamHttpProxy(credentials=("bob", "pw")).start()
        try:
            await through(ses, upstream)
            page = WebContents(ses)
            with pytest.raises(NetError) as refused:
                await page.load_url(http_server.url("/page?try=1"))
            assert refused.value.code == "net::ERR_PROXY_AUTH_REQUESTED"
            await page.load_url(http_server.url("/page?title=Second"))
            return page.page.title()
        finally:
            await upstream.close()

    assert run(scenario()) == "Second"
    assert len(asked) == 2
    stored = keyring.get_password(SERVICE, f"{ses.storage_path} "
                                           f"{ses.get_proxy_credentials()[0].proxy}")
    assert json.loads(stored or "null") == {"username": "bob", "password": "pw"}


def test_a_request_meeting_the_refusal_while_the_user_is_asked_waits_for_the_answer(
        http_server: HttpServer) -> None:
    """A page and its favicon meet the proxy's refusal of the same pair: one question, and
    no request goes out bare (which would offer the remembered, refused pair again)."""
    typo, good = ("bob", "typo"), ("bob", "pw")
    challenges: list[Challenge] = []

    async def main() -> list[tuple[str, str]]:
        asked_again, answer = asyncio.Event(), asyncio.Event()

        async def credentials(_: object, challenge: Challenge) -> Credentials:
            challenges.append(challenge)
            if len(challenges) == 1:
                return typo
            asked_again.set()
            await answer.wait()  # the user is still typing
            return good

        upstream = await UpstreamHttpProxy(credentials=good).start()
        try:
            async with running() as router:
                register(router, "A", f"127.0.0.1:{upstream.port}", credentials=credentials)
                status, body = await asyncio.to_thread(get, router, http_server.url("/echo?1"), "A")
                assert status == 502 and "credentials" in body
                page = asyncio.ensure_future(
                    asyncio.to_thread(get, router, http_server.url("/echo?page"), "A"))
                async with asyncio.timeout(10):
                    await asked_again.wait()
                favicon = asyncio.ensure_future(
                    asyncio.to_thread(get, router, http_server.url("/echo?favicon"), "A"))
                async with asyncio.timeout(10):  # until the proxy has refused it too
                    while not any("favicon" in target for _, target, _ in upstream.seen):
                        await asyncio.sleep(0.01)
                answer.set()
                assert [status for status, _ in await asyncio.gather(page, favicon)] == [200, 200]
        finally:
            await upstream.close()
        return [(target.rpartition("?")[2], auth) for _, target, auth in upstream.seen]

    seen = asyncio.run(main())
    assert challenges == [Challenge("up", None), Challenge("up", typo)]
    refused, accepted = "Basic Ym9iOnR5cG8=", "Basic Ym9iOnB3"
    assert [auth for query, auth in seen if query == "favicon"] == [refused, accepted]


@pytest.mark.parametrize("listener", ["none", "cancels"])
def test_without_an_answer_the_request_fails_with_the_proxy_auth_error(
        run, unique: str, http_server: HttpServer, listener: str) -> None:
    ses = session.from_partition(unique)
    asked: Asked = []
    if listener == "cancels":
        ses.on("login", answering(asked))

    async def scenario() -> None:
        upstream = await UpstreamHttpProxy(credentials=("bob", "pw")).start()
        try:
            await through(ses, upstream)
            await WebContents(ses).load_url(http_server.url("/page"))
        finally:
            await upstream.close()

    with pytest.raises(NetError) as failed:
        run(scenario())
    assert failed.value.code == "net::ERR_PROXY_AUTH_REQUESTED"
    assert len(asked) == (1 if listener == "cancels" else 0)
    assert http_server.requests("/page") == []


def test_an_in_memory_partition_remembers_logins_in_memory_only(
        run, unique: str, http_server: HttpServer) -> None:
    ses = session.from_partition(unique)
    asked: Asked = []
    ses.on("login", answering(asked, "bob", "pw"))

    async def scenario() -> int:
        upstream = await UpstreamHttpProxy(credentials=("bob", "pw")).start()
        try:
            await through(ses, upstream)
            await WebContents(ses).load_url(http_server.url("/page?n=1"))
            await through(ses, upstream)
            await WebContents(ses).load_url(http_server.url("/page?n=2"))
            return upstream.port
        finally:
            await upstream.close()

    port = run(scenario())
    assert len(asked) == 1
    proxy = f"http://127.0.0.1:{port}"
    assert [(c.proxy, c.username) for c in ses.get_proxy_credentials()] == [(proxy, "bob")]
    assert keyring.get_password(SERVICE, f"None {proxy}") is None
    assert ses.settings.get("proxy.credentials") is None


def test_not_remembered_credentials_are_used_but_not_stored(
        run, unique: str, http_server: HttpServer) -> None:
    ses = session.from_partition(f"persist:{unique}")
    asked: Asked = []
    ses.on("login", answering(asked, "bob", "pw", remember=False))

    async def scenario() -> str:
        upstream = await UpstreamHttpProxy(credentials=("bob", "pw")).start()
        try:
            await through(ses, upstream)
            page = WebContents(ses)
            await page.load_url(http_server.url("/page?title=Once"))
            return page.page.title()
        finally:
            await upstream.close()

    assert run(scenario()) == "Once"
    assert len(asked) == 1
    assert ses.get_proxy_credentials() == []


def test_a_page_login_is_asked_through_the_same_event(
        run, unique: str, http_server: HttpServer) -> None:
    ses = session.from_partition(unique)
    asked: Asked = []
    ses.on("login", answering(asked, "ann", "secret"))
    page = WebContents(ses)
    url = http_server.url("/basic-auth?user=ann&password=secret")
    run(page.load_url(url))
    assert page.page.title() == "Logged in"
    [info] = asked
    assert (info.is_proxy, info.host, info.port, info.realm, info.url, info.web_contents) == (
        False, "127.0.0.1", http_server.port, "pages", url, page)


def test_a_page_login_without_a_listener_is_cancelled(run, unique: str,
                                                      http_server: HttpServer) -> None:
    page = WebContents(session.from_partition(unique))
    with pytest.raises(NetError):
        run(page.load_url(http_server.url("/basic-auth?user=ann&password=secret")))
    assert page.page.title() != "Logged in"
