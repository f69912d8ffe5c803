"""ses.resolve_host / clear_host_resolver_cache, and pages resolving through their session."""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

import pytest

from core import session
from core.errors import NetError, NotSupportedError
from core.net.session_dns import NAMESERVERS_SETTING, SessionDns
from core.partition_settings import PartitionSettings
from core.web_contents import WebContents
from tests.dns_server import DnsServer
from tests.servers import HttpServer


def _addresses(run, ses: session.Session, host: str, **options: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [endpoint.address for endpoint in run(ses.resolve_host(host, **options)).endpoints]


def test_answers_are_cached_until_cleared_and_disallowed_bypasses_the_cache(
        run, unique: str, dns_server: DnsServer) -> None:
    ses = session.from_partition(unique)
    ses.configure_host_resolver(nameservers=[dns_server.nameserver])
    name = "app.partita.test"
    dns_server.set(name, "127.0.0.2")
    result = run(ses.resolve_host(name))
    assert dataclasses.asdict(result) == {
        "endpoints": [{"address": "127.0.0.2", "family": "ipv4"}]}
    dns_server.set(name, "127.0.0.3")
    assert _addresses(run, ses, name) == ["127.0.0.2"]
    assert dns_server.questions(name) == 2  # A and AAAA, once
    assert _addresses(run, ses, name, cache_usage="disallowed") == ["127.0.0.3"]
    assert _addresses(run, ses, name) == ["127.0.0.3"]  # the bypass refreshed the cache
    dns_server.set(name, "127.0.0.4")
    run(ses.clear_host_resolver_cache())
    assert _addresses(run, ses, name) == ["127.0.0.4"]


def test_stale_allowed_serves_an_expired_failure(run, unique: str,
                                                 dns_server: DnsServer) -> None:
    # An NXDOMAIN without an SOA is cached with a TTL of 0 (Chromium's negative TTL): stale
    # at once, so only staleAllowed still gets it.
    ses = session.from_partition(unique)
    ses.configure_host_resolver(nameservers=[dns_server.nameserver])
    name = "soon.partita.test"
    with pytest.raises(NetError) as missing:
        run(ses.resolve_host(name))
    assert missing.value.code == "net::ERR_NAME_NOT_RESOLVED"
    assert "NXDOMAIN" in str(missing.value)
    dns_server.set(name, "127.0.0.5")
    with pytest.raises(NetError, match="ERR_NAME_NOT_RESOLVED"):
        run(ses.resolve_host(name, cache_usage="staleAllowed"))
    assert dns_server.questions(name) == 2
    assert _addresses(run, ses, name) == ["127.0.0.5"]


def test_a_zones_negative_ttl_keeps_nxdomain(run, unique: str) -> None:
    server = DnsServer(negative_ttl=300)
    try:
        ses = session.from_partition(unique)
        ses.configure_host_resolver(nameservers=[server.nameserver])
        with pytest.raises(NetError, match="ERR_NAME_NOT_RESOLVED"):
            run(ses.resolve_host("later.partita.test"))
        server.set("later.partita.test", "127.0.0.6")
        with pytest.raises(NetError, match="ERR_NAME_NOT_RESOLVED"):
            run(ses.resolve_host("later.partita.test"))
        run(ses.clear_host_resolver_cache())
        assert _addresses(run, ses, "later.partita.test") == ["127.0.0.6"]
    finally:
        server.close()


def test_local_only_answers_from_the_cache_and_local_names(run, unique: str,
                                                           dns_server: DnsServer) -> None:
    ses = session.from_partition(unique)
    ses.configure_host_resolver(nameservers=[dns_server.nameserver])
    assert _addresses(run, ses, "localhost", source="localOnly") == ["::1", "127.0.0.1"]
    assert _addresses(run, ses, "[::1]", source="localOnly") == ["::1"]
    dns_server.set("known.partita.test", "127.0.0.7")
    with pytest.raises(NetError) as miss:
        run(ses.resolve_host("known.partita.test", source="localOnly"))
    assert miss.value.code == "net::ERR_DNS_CACHE_MISS"
    assert dns_server.questions("known.partita.test") == 0
    assert _addresses(run, ses, "known.partita.test", source="dns") == ["127.0.0.7"]
    assert _addresses(run, ses, "known.partita.test", source="localOnly") == ["127.0.0.7"]


def test_bad_arguments_name_the_bad_value_and_change_nothing(run, unique: str,
                                                             dns_server: DnsServer) -> None:
    ses = session.from_partition(unique)
    ses.configure_host_resolver(nameservers=[dns_server.nameserver])
    for options, message in [
        ({"query_type": "MX"}, "query_type 'MX'"),
        ({"source": "cloud"}, "source 'cloud'"),
        ({"cache_usage": "sometimes"}, "cache_usage 'sometimes'"),
        ({"secure_dns_policy": "secure"}, "secure_dns_policy 'secure'"),
        ({"host": ""}, "host must not be empty"),
    ]:
        with pytest.raises(ValueError, match=message):
            run(ses.resolve_host(**{"host": "a.partita.test", **options}))
    with pytest.raises(TypeError, match="42"):
        run(ses.resolve_host(42))  # type: ignore[arg-type]
    with pytest.raises(NotSupportedError, match="multicast"):
        run(ses.resolve_host("printer.local", source="mdns"))
    with pytest.raises(ValueError, match=r"dns\.example"):
        ses.configure_host_resolver(nameservers=["dns.example"])
    with pytest.raises(ValueError, match="99999"):
        ses.configure_host_resolver(nameservers=["127.0.0.1:99999"])
    with pytest.raises(TypeError, match="list of strings"):
        ses.configure_host_resolver(nameservers="127.0.0.1")  # type: ignore[arg-type]
    assert ses.network.dns.nameservers == [dns_server.nameserver]
    assert ses.settings.get(NAMESERVERS_SETTING) == [dns_server.nameserver]
    dns_server.set("still.partita.test", "127.0.0.8")
    assert _addresses(run, ses, "still.partita.test") == ["127.0.0.8"]


def test_saved_nameservers_apply_when_the_session_is_created_again(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = PartitionSettings(tmp_path)
    settings.set(NAMESERVERS_SETTING, ["192.0.2.53", "[2001:db8::53]:5353"])
    assert SessionDns(settings).nameservers == ["192.0.2.53:53", "[2001:db8::53]:5353"]
    settings.set(NAMESERVERS_SETTING, ["not an address"])
    with caplog.at_level(logging.WARNING, logger="partita.net.resolver"):
        assert SessionDns(settings).nameservers is None
    assert "not an address" in caplog.text
    settings.close()


def test_a_page_resolves_through_its_own_sessions_resolver(
        run, unique: str, http_server: HttpServer) -> None:
    name = "site.partita.test"
    server_a, server_b = DnsServer(), DnsServer()
    try:
        server_a.set(name, "127.0.0.1")
        a = session.from_partition(f"{unique}-a")
        b = session.from_partition(f"{unique}-b")
        a.configure_host_resolver(nameservers=[server_a.nameserver])
        b.configure_host_resolver(nameservers=[server_b.nameserver])
        page_a, page_b = WebContents(a), WebContents(b)
        url = f"http://{name}:{http_server.port}/page?title=Resolved"
        run(page_a.load_url(url))
        assert page_a.page.title() == "Resolved"
        # The Host header is the page's, not the address the router connected to.
        seen = http_server.requests("/page?title=Resolved")
        assert seen[0].headers["host"] == f"{name}:{http_server.port}"
        # The page's lookup is in the session's cache, where resolve_host finds it.
        assert _addresses(run, a, name, source="localOnly") == ["127.0.0.1"]
        with pytest.raises(NetError) as failed:
            run(page_b.load_url(url))
        assert failed.value.code == "net::ERR_NAME_NOT_RESOLVED"
        assert server_b.questions(name) >= 1
        assert len(http_server.requests("/page?title=Resolved")) == 1
    finally:
        server_a.close()
        server_b.close()


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_nxdomain_fails_a_page_load_with_name_not_resolved(
        run, unique: str, dns_server: DnsServer, scheme: str) -> None:
    ses = session.from_partition(unique)
    ses.configure_host_resolver(nameservers=[dns_server.nameserver])
    page = WebContents(ses)
    with pytest.raises(NetError) as failed:
        run(page.load_url(f"{scheme}://nowhere.partita.test/"))
    assert failed.value.code == "net::ERR_NAME_NOT_RESOLVED"
    assert dns_server.questions("nowhere.partita.test") >= 1


def test_localhost_pages_try_each_loopback_address(run, unique: str,
                                                   http_server: HttpServer) -> None:
    # localhost is ::1 first; the server listens on 127.0.0.1 only, so the router moves on.
    page = WebContents(session.from_partition(unique))
    run(page.load_url(f"http://localhost:{http_server.port}/page?title=Loopback"))
    assert page.page.title() == "Loopback"
