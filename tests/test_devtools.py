"""The portless DevTools channel reaches each session's own browser context."""

from __future__ import annotations

from core import session
from core.web_contents import WebContents
from tests.servers import HttpServer


def test_profile_channel_sees_only_its_own_partitions_cookies(run, unique: str,
                                                              http_server: HttpServer) -> None:
    a = session.from_partition(f"{unique}-a")
    b = session.from_partition(f"{unique}-b")
    page = WebContents(a)
    run(page.load_url(http_server.url("/set-cookie?c=only_a=1")))

    async def names(ses: session.Session) -> list[str]:
        result = await ses.devtools.send("Network.getAllCookies")
        return [cookie["name"] for cookie in result["cookies"]]

    assert run(names(a)) == ["only_a"]
    assert run(names(b)) == []
