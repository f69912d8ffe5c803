"""The router resolves names with the session's resolver wherever Partita resolves them:
DIRECT connections and SOCKS4, which carries an address (SOCKS5 leaves names to its proxy)."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from core.net.proxy_config import parse_proxy_config
from core.net.resolver import HostResolver
from core.net.router import Router, config_policy
from tests.dns_server import DnsServer
from tests.servers import HttpServer
from tests.test_router import get, running
from tests.test_router_servers import SocksProxy

NAME = "files.partita.test"


def _register(router: Router, token: str, rules: str, resolver: HostResolver) -> None:
    config = parse_proxy_config(proxy_rules=rules, proxy_bypass_rules="<-loopback>")
    router.register(token, replace(config_policy(config), resolver=resolver))


def test_socks4_sends_the_address_the_sessions_nameservers_give(
        http_server: HttpServer, dns_server: DnsServer) -> None:
    dns_server.set(NAME, "127.0.0.1")

    async def main() -> None:
        socks = await SocksProxy().start()
        resolver = HostResolver([dns_server.nameserver])
        async with running() as router:
            _register(router, "A", f"socks4://127.0.0.1:{socks.port}", resolver)
            url = f"http://{NAME}:{http_server.port}/page?title=Socks4"
            status, body = await asyncio.to_thread(get, router, url, "A")
            assert status == 200 and "Socks4" in body
        await socks.close()
        assert socks.seen == [("4", "127.0.0.1", str(http_server.port), "")]
        # The answer is in the session's cache, where resolve_host would find it.
        cached = await resolver.resolve(NAME, source="localOnly")
        assert [endpoint.address for endpoint in cached.endpoints] == ["127.0.0.1"]

    asyncio.run(main())
    assert dns_server.questions(NAME) >= 1
    assert http_server.requests("/page?title=Socks4")[0].headers["host"] == \
        f"{NAME}:{http_server.port}"


def test_a_name_the_nameservers_do_not_know_fails_socks4_with_name_not_resolved(
        http_server: HttpServer, dns_server: DnsServer) -> None:
    async def main() -> None:
        socks = await SocksProxy().start()
        async with running() as router:
            _register(router, "A", f"socks4://127.0.0.1:{socks.port}",
                      HostResolver([dns_server.nameserver]))
            status, body = await asyncio.to_thread(
                get, router, f"http://{NAME}:{http_server.port}/page", "A")
            assert status == 502 and "net::ERR_NAME_NOT_RESOLVED" in body
        await socks.close()
        assert socks.seen == []  # nothing was asked of the proxy

    asyncio.run(main())
    assert dns_server.questions(NAME) >= 1
    assert http_server.requests("/page") == []
