"""A session's network policy: its proxy configuration, registered with the router.

Every profile sends everything through the router; the router tells sessions apart by the
proxy credential each profile answers its 407 with (Chromium caches it per profile,
research/qtwebengine_network.md row 7). So every page of the session answers the router's
challenge with the session's token, and the session's policy decides each request.
"""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING

from PyQt6.QtCore import QUrl
from PyQt6.QtNetwork import QAuthenticator, QNetworkProxy, QNetworkProxyFactory, QNetworkProxyQuery
from PyQt6.QtWebEngineCore import QWebEnginePage

from core.net import router_service
from core.net.pac import load_proxy_config, reload_proxy_config
from core.net.proxy_config import (
    ProxyConfig,
    parse_proxy_config,
    resolve_proxy_list,
    resolve_proxy_list_async,
)
from core.net.proxy_server import DIRECT, to_pac_string
from core.net.router import config_policy

if TYPE_CHECKING:
    from core.web_contents import WebContents

log = logging.getLogger("partita.net.session")

ROUTER_HOST = "127.0.0.1"


class _EngineProxies(QNetworkProxyFactory):
    """The session's policy for our own requests.

    Where the policy says DIRECT, the request connects directly, as the router itself would:
    relaying through a Python thread would cap a download at about 0.6 GB/s and double its
    CPU (bench/downloads.py: 0.74x curl through the router). Anything else (proxies,
    fail-over lists, PAC scripts, which the router evaluates without blocking) goes
    through the router with the session's token, so one policy governs both paths.
    """

    def __init__(self, network: SessionNetwork) -> None:
        super().__init__()
        self._network = network

    def queryProxy(
        self, query: QNetworkProxyQuery | None = None,
    ) -> list[QNetworkProxy]:
        config = self._network.config
        if query is not None and not config.uses_pac:
            servers = resolve_proxy_list(config, query.url().toString())
            if tuple(servers) == (DIRECT,):
                return [QNetworkProxy(QNetworkProxy.ProxyType.NoProxy)]
        return [self._network.qt_proxy()]


class SessionNetwork:
    def __init__(self) -> None:
        self.token = secrets.token_hex(16)
        # Electron uses the system's settings until set_proxy is called.
        self._config: ProxyConfig = parse_proxy_config("system")
        self._register()

    @property
    def config(self) -> ProxyConfig:
        return self._config

    def _register(self) -> None:
        router_service.service().register(self.token, config_policy(self._config))

    def qt_proxy(self) -> QNetworkProxy:
        """The router as a QtNetwork proxy, with this session's credential."""
        service = router_service.service()
        return QNetworkProxy(QNetworkProxy.ProxyType.HttpProxy, ROUTER_HOST, service.port,
                             self.token, service.secret)

    def engine_proxies(self) -> QNetworkProxyFactory:
        """Proxies for our own QtNetwork requests (downloads), decided by this session's policy."""
        return _EngineProxies(self)

    def adopt(self, contents: WebContents) -> None:
        """Make ``contents``'s page answer the router's challenge with this session's token."""
        self.answer_for(contents.page)

    def answer_for(self, page: QWebEnginePage) -> None:
        page.proxyAuthenticationRequired.connect(self._authenticate)

    def _authenticate(self, url: QUrl, authenticator: QAuthenticator | None,
                      proxy_host: str | None) -> None:
        # Only the router gets the token; an upstream's own challenge is the router's job.
        if authenticator is None or proxy_host != ROUTER_HOST:
            log.warning("unexpected proxy challenge from %r for %s", proxy_host, url.toString())
            return
        service = router_service.service()
        authenticator.setUser(self.token)
        authenticator.setPassword(service.secret)

    async def set_proxy(self, mode: str | None, pac_script: str | None,
                        proxy_rules: str | None, proxy_bypass_rules: str | None) -> None:
        """Electron's ``setProxy``: the new policy applies, or it raises and the old one stays."""
        self._config = await load_proxy_config(mode, pac_script, proxy_rules,
                                               proxy_bypass_rules)
        self._register()

    async def force_reload_proxy_config(self) -> None:
        self._config = await reload_proxy_config(self._config)
        self._register()

    async def resolve_proxy(self, url: str) -> str:
        if not isinstance(url, str):
            raise TypeError(f"url must be a string, not {url!r}")
        return to_pac_string(await resolve_proxy_list_async(self._config, url))

    def real_error(self, url: str, reported: str) -> str:
        """What a page would have seen without the router.

        A failed CONNECT reaches Chromium as ``ERR_TUNNEL_CONNECTION_FAILED`` whatever the
        cause; the router remembers the cause per ``host:port``.
        """
        if reported != "net::ERR_TUNNEL_CONNECTION_FAILED":
            return reported
        parts = QUrl(url)
        port = parts.port(443 if parts.scheme() in ("https", "wss") else 80)
        host = parts.host()
        target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        return router_service.service().last_failure(self.token, target) or reported

    def close_all_connections(self) -> int:
        return router_service.service().close_all_connections(self.token)

    def close(self) -> None:
        router_service.service().unregister(self.token)
