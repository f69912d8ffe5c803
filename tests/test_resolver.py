"""The host resolver on its own (core.net.resolver), against a real DNS server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from core.errors import NetError
from core.net.hosts_file import parse_hosts
from core.net.resolver import HostResolver
from tests.dns_server import DnsServer


def addresses(resolver: HostResolver, host: str, **options: str) -> list[str]:
    resolved = asyncio.run(resolver.resolve(host, **options))
    return [endpoint.address for endpoint in resolved.endpoints]


def failure(resolver: HostResolver, host: str, **options: str) -> str:
    with pytest.raises(NetError) as raised:
        asyncio.run(resolver.resolve(host, **options))
    return raised.value.code


def test_an_answer_expires_with_its_ttl_then_stays_as_a_stale_entry(
        dns_server: DnsServer) -> None:
    dns_server.ttl = 1
    dns_server.set("ttl.partita.test", "127.0.0.2")
    resolver = HostResolver([dns_server.nameserver], minimum_ttl=0)

    async def scenario() -> tuple[list[list[str]], float, int]:
        async def get(**options: str) -> list[str]:
            resolved = await resolver.resolve("ttl.partita.test", **options)
            return [endpoint.address for endpoint in resolved.endpoints]

        seen = [await get()]
        start = time.monotonic()
        dns_server.set("ttl.partita.test", "127.0.0.3")
        seen.append(await get())  # fresh: the server is not asked
        # Poll the cache alone (localOnly never asks a server) until the entry goes stale.
        while time.monotonic() - start < 10:
            try:
                await get(source="localOnly")
            except NetError:
                break
            await asyncio.sleep(0.05)
        expired_after = time.monotonic() - start
        asked = dns_server.questions("ttl.partita.test")
        seen.append(await get(cache_usage="staleAllowed"))
        seen.append(await get(source="localOnly", cache_usage="staleAllowed"))
        assert dns_server.questions("ttl.partita.test") == asked
        seen.append(await get())
        return seen, expired_after, asked

    seen, expired_after, asked = asyncio.run(scenario())
    assert seen == [["127.0.0.2"], ["127.0.0.2"], ["127.0.0.2"], ["127.0.0.2"], ["127.0.0.3"]]
    assert 0.5 < expired_after < 5
    assert asked == 2  # one A and one AAAA question for the first answer only


def test_chromiums_minimum_ttl_keeps_short_lived_answers_a_minute(dns_server: DnsServer) -> None:
    dns_server.ttl = 0
    dns_server.set("short.partita.test", "127.0.0.2")
    resolver = HostResolver([dns_server.nameserver])
    assert addresses(resolver, "short.partita.test") == ["127.0.0.2"]
    dns_server.set("short.partita.test", "127.0.0.3")
    assert addresses(resolver, "short.partita.test", source="localOnly") == ["127.0.0.2"]
    assert addresses(resolver, "short.partita.test") == ["127.0.0.2"]


def test_concurrent_requests_share_one_lookup(dns_server: DnsServer) -> None:
    dns_server.set("shared.partita.test", "127.0.0.2")
    resolver = HostResolver([dns_server.nameserver])

    async def many() -> list[list[str]]:
        results = await asyncio.gather(*(resolver.addresses("shared.partita.test")
                                         for _ in range(8)))
        return list(results)

    assert asyncio.run(many()) == [["127.0.0.2"]] * 8
    assert dns_server.questions("shared.partita.test") == 2


def test_families_follow_the_query_type(dns_server: DnsServer) -> None:
    dns_server.set("both.partita.test", "127.0.0.2", "fd00::2")
    resolver = HostResolver([dns_server.nameserver])
    both = asyncio.run(resolver.resolve("both.partita.test"))
    assert [(e.address, e.family) for e in both.endpoints] == [
        ("127.0.0.2", "ipv4"), ("fd00::2", "ipv6")]
    assert addresses(resolver, "both.partita.test", query_type="A") == ["127.0.0.2"]
    assert addresses(resolver, "both.partita.test", query_type="AAAA") == ["fd00::2"]
    dns_server.set("v4.partita.test", "127.0.0.2")
    assert failure(resolver, "v4.partita.test", query_type="AAAA") == "net::ERR_NAME_NOT_RESOLVED"


def test_the_hosts_file_answers_local_only_and_dns_requests(tmp_path: Path,
                                                            dns_server: DnsServer) -> None:
    hosts = tmp_path / "hosts"
    hosts.write_text("# comment\n192.0.2.7 printer.lan printer  # inline\nbad line\n"
                     "2001:db8::7 printer.lan\n192.0.2.8 printer.lan\n")
    resolver = HostResolver([dns_server.nameserver], hosts_file=hosts)
    assert addresses(resolver, "PRINTER.lan", source="localOnly") == ["2001:db8::7", "192.0.2.7"]
    assert addresses(resolver, "printer", source="dns", query_type="A") == ["192.0.2.7"]
    assert dns_server.questions("printer") == 0
    hosts.write_text("192.0.2.9 printer\n")  # read again when it changes
    assert addresses(resolver, "printer", source="localOnly") == ["192.0.2.9"]
    assert parse_hosts("fe80::1%eth0 router\n") == {("router", 6): "fe80::1"}


def test_literals_and_localhost_never_ask_anyone(dns_server: DnsServer) -> None:
    resolver = HostResolver([dns_server.nameserver])
    assert addresses(resolver, "localhost", source="localOnly") == ["::1", "127.0.0.1"]
    assert addresses(resolver, "api.localhost.", query_type="A") == ["127.0.0.1"]
    assert addresses(resolver, "[::1]") == ["::1"]
    assert addresses(resolver, "192.0.2.1", source="dns") == ["192.0.2.1"]
    assert failure(resolver, "192.0.2.1", query_type="AAAA") == "net::ERR_NAME_NOT_RESOLVED"
    assert failure(resolver, "x" * 4097) == "net::ERR_NAME_NOT_RESOLVED"
    assert dns_server.questions("localhost") == dns_server.questions("api.localhost") == 0


def test_a_failing_nameserver_fails_the_lookup_but_is_not_cached(dns_server: DnsServer) -> None:
    dns_server.set("late.partita.test", "127.0.0.2")
    dns_server.failing = True
    resolver = HostResolver([dns_server.nameserver])
    with pytest.raises(NetError, match="ERR_NAME_NOT_RESOLVED") as raised:
        asyncio.run(resolver.resolve("late.partita.test"))
    assert f"{dns_server.nameserver}: SERVFAIL" in str(raised.value)
    dns_server.failing = False
    assert addresses(resolver, "late.partita.test") == ["127.0.0.2"]
    broken = DnsServer()
    broken.failing = True
    try:
        resolver.configure([broken.nameserver, dns_server.nameserver])  # the next one answers
        assert addresses(resolver, "late.partita.test", cache_usage="disallowed") == ["127.0.0.2"]
        assert broken.questions("late.partita.test") == 2
    finally:
        broken.close()


def test_icann_name_collisions_are_refused(dns_server: DnsServer) -> None:
    dns_server.set("corp.partita.test", "127.0.53.53")
    resolver = HostResolver([dns_server.nameserver])
    assert failure(resolver, "corp.partita.test") == "net::ERR_ICANN_NAME_COLLISION"


def test_the_system_source_asks_getaddrinfo_and_caches_the_answer(tmp_path: Path) -> None:
    # A name of this machine's /etc/hosts, so that getaddrinfo asks no DNS server.
    names = sorted(name for (name, version), address
                   in parse_hosts(Path("/etc/hosts").read_text()).items()
                   if version == 4 and "localhost" not in name and address == "127.0.0.1")
    if not names:
        pytest.skip("/etc/hosts names nothing but localhost at 127.0.0.1")
    resolver = HostResolver(hosts_file=tmp_path / "none")  # localOnly: the cache alone
    assert addresses(resolver, names[0], source="system", query_type="A") == ["127.0.0.1"]
    cached = asyncio.run(resolver.resolve(names[0], source="localOnly", query_type="A"))
    assert [(e.address, e.family) for e in cached.endpoints] == [("127.0.0.1", "ipv4")]
