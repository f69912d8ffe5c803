"""set_ssl_config enforced by the router on real QtWebEngine pages against openssl s_server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PyQt6.QtWebEngineCore import QWebEngineLoadingInfo, QWebEnginePage

from core import net_errors, session
from core.session import Session
from core.web_contents import WebContents
from tests.tls_servers import (
    PROTOCOL_IN_PAGE,
    HttpsServer,
    OpenSslServer,
    Pki,
    iconless_page,
    load,
)

MISMATCH = "net::ERR_SSL_VERSION_OR_CIPHER_MISMATCH"
ECDHE_RSA_AES128_GCM = 0xC02F


@pytest.fixture
def openssl(pki: Pki) -> Iterator[Callable[..., OpenSslServer]]:
    started: list[OpenSslServer] = []

    def start(*options: str) -> OpenSslServer:
        server = OpenSslServer(pki.leaf, *options)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


def _trusting(partition: str) -> Session:
    """A session that lets the test CA's certificates through when Chromium asks."""
    ses = session.from_partition(partition)

    def allow(event: Any, contents: Any, url: str, error: str, certificate: Any,
              callback: Callable[..., None], is_main_frame: bool) -> None:
        callback(True)

    ses.on("certificate-error", allow)
    return ses


async def _protocol(ses: Session, url: str) -> str:
    """The TLS version the page was served with (s_server says it), or the net error."""
    text = await load(ses, url, "document.documentElement.innerText")
    if text.startswith("net::"):
        return str(text)
    found = PROTOCOL_IN_PAGE.search(text)
    assert found, text[:500]
    return found.group(1)


def test_min_and_max_version_block_what_they_must_and_allow_the_rest(
        run, unique: str, openssl: Callable[..., OpenSslServer]) -> None:  # type: ignore[no-untyped-def]
    tls12, tls13 = openssl("-tls1_2"), openssl("-tls1_3")
    # P-384 only: Chromium's first key shares do not fit, so the server sends a
    # HelloRetryRequest first.
    retry = openssl("-tls1_3", "-groups", "P-384")
    modern, legacy, plain = (_trusting(f"{unique}-{name}") for name in ("min", "max", "plain"))
    modern.set_ssl_config(min_version="tls1.3")
    legacy.set_ssl_config(max_version="tls1.2")

    async def scenario() -> dict[str, list[str]]:
        return {ses_name: [await _protocol(ses, server.url("/")) for server in
                           (tls12, tls13, retry)]
                for ses_name, ses in (("modern", modern), ("legacy", legacy),
                                      ("plain", plain))}

    assert run(scenario()) == {
        "modern": [MISMATCH, "TLSv1.3", "TLSv1.3"],
        "legacy": ["TLSv1.2", MISMATCH, MISMATCH],
        "plain": ["TLSv1.2", "TLSv1.3", "TLSv1.3"],
    }


def test_a_disabled_cipher_suite_blocks_only_in_its_session(
        run, unique: str, openssl: Callable[..., OpenSslServer]) -> None:  # type: ignore[no-untyped-def]
    server = openssl("-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256")
    strict, other = _trusting(f"{unique}-strict"), _trusting(f"{unique}-other")
    strict.set_ssl_config(disabled_cipher_suites=[0x009C, ECDHE_RSA_AES128_GCM])

    async def scenario() -> tuple[str, str]:
        return await _protocol(strict, server.url("/")), await _protocol(other, server.url("/"))

    assert run(scenario()) == (MISMATCH, "TLSv1.2")
    strict.set_ssl_config()  # back to the defaults: the same server is fine again
    assert run(_protocol(strict, server.url("/"))) == "TLSv1.2"


def test_ssl_config_is_validated_kept_in_settings_and_read_back(unique: str, qapp) -> None:  # type: ignore[no-untyped-def]
    ses = session.from_partition(f"persist:{unique}")
    assert ses.get_ssl_config() == {"min_version": "tls1", "max_version": "tls1.3",
                                    "disabled_cipher_suites": []}
    ses.set_ssl_config(min_version="tls1.2", disabled_cipher_suites=[0x009C, 0x009C])
    wanted = {"min_version": "tls1.2", "max_version": "tls1.3",
              "disabled_cipher_suites": [0x009C]}
    assert ses.get_ssl_config() == wanted
    with pytest.raises(ValueError, match="'tls9'"):
        ses.set_ssl_config(max_version="tls9")
    with pytest.raises(ValueError, match="-1"):
        ses.set_ssl_config(disabled_cipher_suites=[-1])
    assert ses.get_ssl_config() == wanted
    assert ses.settings.get("ssl_config") == wanted


async def _reload(page: WebContents) -> str:
    """Reload ``page`` as the Reload button does: ``"net::OK"`` or the load's net error."""
    done: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    def changed(info: QWebEngineLoadingInfo) -> None:
        status = info.status()
        if status == QWebEngineLoadingInfo.LoadStatus.LoadStartedStatus or done.done():
            return
        done.set_result("net::OK" if status == QWebEngineLoadingInfo.LoadStatus.LoadSucceededStatus
                        else net_errors.name_for(info.errorCode()))

    page.page.loadingChanged.connect(changed)
    try:
        page.page.triggerAction(QWebEnginePage.WebAction.Reload)
        return await done
    finally:
        page.page.loadingChanged.disconnect(changed)


def test_a_changed_config_applies_to_the_next_request_on_a_kept_alive_server(
        run, unique: str, https_server: HttpsServer) -> None:  # type: ignore[no-untyped-def]
    ses = _trusting(unique)
    url = https_server.url("/page?title=Kept")

    async def scenario() -> list[str]:
        page = iconless_page(ses)
        try:
            await page.load_url(url)  # TLS 1.3, over connections the server keeps open
            seen = [await _reload(page)]
            ses.set_ssl_config(max_version="tls1.2")
            seen.append(await _reload(page))
            return seen
        finally:
            page.close()

    assert run(scenario()) == ["net::OK", MISMATCH]
    assert len(https_server.requests("/page")) == 2
