"""ses.preconnect opens real connections in the router; pages' preconnect hints emit
the session's "preconnect" event."""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest

from core import session
from core.web_contents import WebContents
from tests.net_extras_servers import ConnectionServer
from tests.waiting import wait_until


@pytest.fixture
def counting() -> Iterator[ConnectionServer]:
    server = ConnectionServer()
    yield server
    server.close()


def test_a_preconnected_socket_carries_the_next_page_load(run, unique: str,
                                                          counting: ConnectionServer) -> None:
    ses = session.from_partition(unique)

    async def scenario() -> None:
        ses.preconnect(counting.url("/"))
        # The server accepts the connection before any request exists.
        await wait_until(lambda: counting.connections == 1)
        assert counting.by_connection() == []
        await WebContents(ses).load_url(counting.url("/page?after=1"))

    run(scenario())
    assert (1, "/page?after=1") in counting.by_connection()


def test_several_sockets_and_bad_arguments(run, unique: str,
                                           counting: ConnectionServer) -> None:
    ses = session.from_partition(unique)
    ses.preconnect(counting.url("/"), num_sockets=3)
    run(wait_until(lambda: counting.connections == 3))
    for bad in (0, 7, True, "2"):
        with pytest.raises(ValueError, match="numSocketsToPreconnect"):
            ses.preconnect(counting.url("/"), num_sockets=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="valid url"):
        ses.preconnect("not a url")
    with pytest.raises(TypeError):
        ses.preconnect(None)  # type: ignore[arg-type]
    run(ses.close_all_connections())


def test_page_hints_emit_the_preconnect_event(run, unique: str,
                                              counting: ConnectionServer) -> None:
    ses = session.from_partition(unique)
    hints: list[tuple[str, bool]] = []

    def listener(event: Any, url: str, allow_credentials: bool) -> None:
        hints.append((url, allow_credentials))

    ses.on("preconnect", listener)
    target = counting.url("/")
    query = urllib.parse.urlencode([("href", target), ("attr", ""),
                                    ("href", "http://anon.test/"), ("attr", " crossorigin")])

    async def scenario() -> None:
        page = WebContents(ses)
        await page.load_url(counting.url(f"/hints?{query}"))
        await wait_until(lambda: len(hints) == 2)
        # A link added later by script is reported too.
        await page.execute_javascript(
            "const l = document.createElement('link'); l.rel = 'preconnect';"
            "l.href = 'http://late.test:8080/x'; l.crossOrigin = 'use-credentials';"
            "document.head.appendChild(l);")
        await wait_until(lambda: len(hints) == 3)
        # The router opened a connection for the hint to the counting server's origin.
        await wait_until(lambda: counting.connections >= 2)

    run(scenario())
    assert hints == [(target, True), ("http://anon.test/", False),
                     ("http://late.test:8080/x", True)]
