"""Downloads resolve names as the session's pages do: through the session's nameservers."""

from __future__ import annotations

from PyQt6.QtCore import QUrl
from PyQt6.QtNetwork import QNetworkProxy, QNetworkProxyQuery

from core import session
from core.session import Session
from tests import download_server
from tests.dns_server import DnsServer
from tests.download_server import DownloadServer, digest, finished, manager, sha256, until

server, ses = download_server.server, download_server.ses  # the fixtures

NAME = "files.partita.test"


def _named(server: DownloadServer, path: str) -> str:
    """``server``'s URL for ``path`` by a host name only the test's DNS server knows."""
    return server.url(path).replace("127.0.0.1", NAME, 1)


def _proxy_type(ses: Session, url: str) -> QNetworkProxy.ProxyType:
    """What the session's download engine connects ``url`` through."""
    factory = ses.network.engine_proxies()
    return factory.queryProxy(QNetworkProxyQuery(QUrl(url)))[0].type()


def test_a_download_resolves_through_the_sessions_nameservers(
        ses: Session, server: DownloadServer, run, dns_server: DnsServer) -> None:
    dns_server.set(NAME, "127.0.0.1")
    ses.configure_host_resolver(nameservers=[dns_server.nameserver])
    item = ses.download_url(_named(server, "/files/named.bin?size=700000"))
    assert item is not None
    assert run(finished(item)) == "completed"
    assert digest(item.get_save_path()) == sha256("named.bin", 1, 700000)
    assert item.get_received_bytes() == item.get_total_bytes() == 700000
    assert dns_server.questions(NAME) >= 1
    # The server is asked for the name, not for the address the router connected to.
    port = server.url("/").rsplit(":", 1)[1].rstrip("/")
    assert server.requests("/files/named.bin")[-1].headers["host"] == f"{NAME}:{port}"
    # The page's resolver and the download's are one: resolve_host finds the answer cached.
    cached = run(ses.resolve_host(NAME, source="localOnly"))
    assert [endpoint.address for endpoint in cached.endpoints] == ["127.0.0.1"]


def test_without_the_nameservers_the_download_fails_with_name_not_resolved(
        ses: Session, server: DownloadServer, run) -> None:
    manager(ses).configure(retries=0)
    item = ses.download_url(_named(server, "/files/lost.bin?size=1000"))
    assert item is not None
    run(until(lambda: item.get_state() == "interrupted"))
    assert item.get_interrupt_reason().startswith("net::ERR_NAME_NOT_RESOLVED: ")
    assert item.can_resume()
    assert server.requests("/files/lost.bin") == []


def test_nameservers_that_do_not_know_the_name_fail_it_through_the_router(
        ses: Session, server: DownloadServer, run, dns_server: DnsServer) -> None:
    ses.configure_host_resolver(nameservers=[dns_server.nameserver])
    manager(ses).configure(retries=1)
    item = ses.download_url(_named(server, "/files/nx.bin?size=1000"))
    assert item is not None
    run(until(lambda: item.get_state() == "interrupted"))
    assert item.get_interrupt_reason() == \
        "net::ERR_NAME_NOT_RESOLVED: reported by the router"
    assert dns_server.questions(NAME) >= 1
    assert server.requests("/files/nx.bin") == []


def test_only_a_session_with_its_own_nameservers_sends_downloads_through_the_router(
        unique: str, server: DownloadServer, dns_server: DnsServer) -> None:
    # The system's resolver is what Qt's own connection uses: that session keeps the fast
    # direct path (bench/downloads.py).
    plain = session.from_partition(f"{unique}-plain")
    own = session.from_partition(f"{unique}-own")
    own.configure_host_resolver(nameservers=[dns_server.nameserver])
    url = _named(server, "/files/any.bin")
    assert _proxy_type(plain, url) == QNetworkProxy.ProxyType.NoProxy
    assert _proxy_type(own, url) == QNetworkProxy.ProxyType.HttpProxy
    own.configure_host_resolver(nameservers=None)
    assert _proxy_type(own, url) == QNetworkProxy.ProxyType.NoProxy
