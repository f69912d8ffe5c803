"""A session's network policy: its proxy configuration, registered with the router.

Every profile sends everything through the router; the router tells sessions apart by the
proxy credential each profile answers its 407 with (Chromium caches it per profile,
research/qtwebengine_network.md row 7). So every page of the session answers the router's
challenge with the session's token, and the session's policy decides each request.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PyQt6.QtCore import QUrl
from PyQt6.QtNetwork import QAuthenticator, QNetworkProxy, QNetworkProxyFactory, QNetworkProxyQuery
from PyQt6.QtWebEngineCore import QWebEnginePage

from core import app
from core.net import router_service
from core.net.pac import load_proxy_config, reload_proxy_config
from core.net.pac_engine import PacError
from core.net.proxy_config import (
    ProxyConfig,
    parse_proxy_config,
    resolve_proxy_list,
    resolve_proxy_list_async,
)
from core.net.proxy_server import DIRECT, ProxyServer, to_pac_string
from core.net.router import Policy, config_policy
from core.net.session_dns import SessionDns
from core.net.upstream import Challenge

if TYPE_CHECKING:
    from core.net.emulation import Emulation
    from core.net.net_log_sink import NetLogFile
    from core.net.proxy_login import ProxyLogin
    from core.net.socks import Credentials
    from core.net.tls_policy import TlsPolicy
    from core.net.url_host import UrlParts
    from core.partition_settings import PartitionSettings
    from core.web_contents import WebContents

log = logging.getLogger("partita.net.session")

ROUTER_HOST = "127.0.0.1"
PROXY_SETTING = "proxy"  # set_proxy's arguments, in the partition's settings
PROXY_ARGUMENTS = ("mode", "pac_script", "proxy_rules", "proxy_bypass_rules")

# Restored PAC fetches run as tasks; asyncio keeps only weak references to them.
_fetching: set[asyncio.Task[Any]] = set()


class _EngineProxies(QNetworkProxyFactory):
    """The session's policy for our own requests.

    Where the policy says DIRECT, the request connects directly, as the router itself would:
    relaying through a Python thread would cap a download at about 0.6 GB/s and double its
    CPU (bench/downloads.py: 0.74x curl through the router). Anything else (proxies,
    fail-over lists, PAC scripts, which the router evaluates without blocking; network
    emulation; the session's own nameservers, which Qt's getaddrinfo would not ask) goes
    through the router with the session's token, so one policy governs both paths.
    """

    def __init__(self, network: SessionNetwork) -> None:
        super().__init__()
        self._network = network

    def queryProxy(
        self, query: QNetworkProxyQuery | None = None,
    ) -> list[QNetworkProxy]:
        network = self._network
        config = network.config
        # Network emulation and the session's nameservers are the router's: while either is
        # in use, everything goes through it.
        if (query is not None and not config.uses_pac and network.emulation is None
                and network.dns.nameservers is None):
            servers = resolve_proxy_list(config, query.url().toString())
            if tuple(servers) == (DIRECT,):
                return [QNetworkProxy(QNetworkProxy.ProxyType.NoProxy)]
        return [network.qt_proxy()]


class SessionNetwork:
    def __init__(self, settings: PartitionSettings, login: ProxyLogin) -> None:
        self.token = secrets.token_hex(16)
        self._net_log: NetLogFile | None = None  # ses.net_log's file while it records
        self._tls: TlsPolicy | None = None  # set by core.net.session_tls
        self._emulation: Emulation | None = None  # set by core.net.session_emulation
        self._settings = settings
        self.login = login
        # Electron uses the system's settings until set_proxy is called.
        self._config: ProxyConfig = parse_proxy_config("system")
        # While a restored PAC script is fetched: the configuration it will complete.
        self._pending: Future[ProxyConfig] | None = None
        self._restore(settings.get(PROXY_SETTING))
        self.dns = SessionDns(settings)  # its resolver connects the session's pages
        self._register()

    @property
    def config(self) -> ProxyConfig:
        return self._config

    def proxy_arguments(self) -> dict[str, str | None] | None:
        """What ``set_proxy`` was last given (in this run or a saved one), None if never."""
        saved = self._settings.get(PROXY_SETTING)
        if not isinstance(saved, dict):
            return None
        return {name: saved.get(name) for name in PROXY_ARGUMENTS}

    def _register(self) -> None:
        pending = self._pending
        if pending is None:
            policy = config_policy(self._config, self._credentials)
        else:
            # Requests wait for the restored PAC script instead of going direct meanwhile.
            async def resolve(url: UrlParts) -> Sequence[ProxyServer]:
                return await resolve_proxy_list_async(await asyncio.wrap_future(pending), url)

            policy = Policy(resolve, self._credentials)
        router_service.service().register(
            self.token, replace(policy, net_log=self._net_log, tls=self._tls,
                                resolver=self.dns.resolver, emulation=self._emulation))

    async def _credentials(self, server: ProxyServer, challenge: Challenge,
                           ) -> Credentials | None:
        # On the router's thread: the keyring and the "login" listeners live on the Qt loop.
        answer = asyncio.run_coroutine_threadsafe(
            self.login.credentials(server, challenge), app.loop())
        return await asyncio.wrap_future(answer)

    def _restore(self, saved: object) -> None:
        """Apply the proxy settings saved by ``set_proxy`` in an earlier run, if any."""
        if saved is None:
            return
        try:
            if not isinstance(saved, dict):
                raise TypeError(f"expected set_proxy's arguments, not {type(saved).__name__}")
            config = parse_proxy_config(*(saved.get(name) for name in PROXY_ARGUMENTS))
        except (TypeError, ValueError) as error:
            log.warning("ignoring the saved proxy settings %r: %s", saved, error)
            return
        self._config = config
        if config.uses_pac:
            pending: Future[ProxyConfig] = Future()
            self._pending = pending
            task = asyncio.ensure_future(self._fetch_restored_pac(config, pending),
                                         loop=app.loop())
            _fetching.add(task)
            task.add_done_callback(_fetching.discard)

    async def _fetch_restored_pac(self, config: ProxyConfig,
                                  pending: Future[ProxyConfig]) -> None:
        loaded = config
        try:
            loaded = await reload_proxy_config(config)
        except PacError as error:
            # A mandatory script that cannot be had fails requests, as set_proxy's would.
            log.warning("restored proxy settings: %s", error)
        finally:
            pending.set_result(loaded)  # whatever happened, waiting requests go on
        if self._pending is pending:  # set_proxy has not replaced it meanwhile
            self._config = loaded
            self._pending = None
            self._register()

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
        config = await load_proxy_config(mode, pac_script, proxy_rules, proxy_bypass_rules)
        # Saved as given (ProxyConfig keeps no text), after validation, before it applies.
        self._settings.set(PROXY_SETTING, dict(zip(
            PROXY_ARGUMENTS, (mode, pac_script, proxy_rules, proxy_bypass_rules), strict=True)))
        self._config, self._pending = config, None
        self._register()

    async def force_reload_proxy_config(self) -> None:
        self._config, self._pending = await reload_proxy_config(self._config), None
        self._register()

    async def resolve_proxy(self, url: str) -> str:
        if not isinstance(url, str):
            raise TypeError(f"url must be a string, not {url!r}")
        config = self._config if self._pending is None \
            else await asyncio.wrap_future(self._pending)
        return to_pac_string(await resolve_proxy_list_async(config, url))

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

    def set_tls(self, policy: TlsPolicy | None) -> None:
        """The router enforces ``policy`` on this session's tunnels from now on."""
        self._tls = policy
        self._register()

    @property
    def emulation(self) -> Emulation | None:
        return self._emulation

    def set_emulation(self, emulation: Emulation | None) -> None:
        """The router emulates these network conditions for this session from now on."""
        self._emulation = emulation
        self._register()

    def set_net_log(self, log_file: NetLogFile | None) -> None:
        """Log this session's router traffic to ``log_file`` (None: stop)."""
        self._net_log = log_file
        self._register()

    def preconnect(self, url: str, count: int) -> Future[int]:
        return router_service.service().preconnect(self.token, url, count)

    def forget_proxy_credentials(self) -> None:
        router_service.service().forget_credentials(self.token)

    def close(self) -> None:
        router_service.service().unregister(self.token)
