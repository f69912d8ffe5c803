"""``Session`` and the partition registry: Electron's ``session`` module.

A ``Session`` owns one ``QWebEngineProfile``. Persistent partitions are named profiles whose
folder QtWebEngine derives from the storage name (see ``core.app.engine_profiles_dir``);
in-memory partitions are off-the-record profiles, which write nothing to disk; ``from_path``
sessions reach their folder through a link in the profiles folder, because a profile's path
must be fixed before the profile exists (``setPersistentStoragePath`` on a live profile breaks
extensions, research/extensions_spike.md).
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import os
import weakref
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PyQt6.QtCore import QCoreApplication
from PyQt6.QtWebEngineCore import QWebEngineProfile

from core import app, devtools, partitions, preloads
from core.downloads.manager import DownloadManager
from core.errors import NotSupportedError
from core.events import EventEmitter
from core.headers import accept_language_header, check_header_value
from core.net import auth_allowlist, auth_cache, login, preconnect, router_service
from core.net.cookies import Cookies
from core.net.credentials import CredentialStore, StoredCredential
from core.net.fetch import Fetcher
from core.net.net_log import NetLog
from core.net.proxy_login import ProxyLogin
from core.net.session_emulation import SessionEmulation
from core.net.session_network import SessionNetwork
from core.net.session_tls import SessionTls
from core.net.site_data import SiteData
from core.partition_settings import PartitionSettings

if TYPE_CHECKING:
    from collections.abc import Mapping

    from core.downloads.item import DownloadItem
    from core.events import Listener
    from core.net.cert_verify import VerifyProc
    from core.net.fetch import FetchResponse
    from core.net.fetch_interception import Interception
    from core.net.protocol import Protocol
    from core.net.resolver import ResolvedHost
    from core.net.web_request import WebRequest
    from core.service_workers import ServiceWorkers
    from core.web_contents import WebContents

log = logging.getLogger("partita.session")

_CACHE_FOLDER = "Cache"


def _disk_usage(root: Path) -> int:
    """Bytes in the files below ``root`` (what ``du -b`` counts for regular files)."""
    total = 0
    for folder, _, files in os.walk(root):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except FileNotFoundError:
                continue  # Chromium removed it while we walked
    return total


class Session(EventEmitter):
    """One browser partition. Create it with ``from_partition`` / ``from_path``, never directly."""

    def __init__(self, profile: QWebEngineProfile, storage: Path | None, *, _key: object) -> None:
        if _key is not _CONSTRUCT:
            raise TypeError("use session.from_partition() or session.from_path()")
        super().__init__()
        self._profile = profile
        self._storage = storage
        self._preloads: list[str] = []
        self._web_contents: weakref.WeakSet[WebContents] = weakref.WeakSet()
        self._download_path = profile.downloadPath()
        # Before anything that restores its state from the partition's settings.
        self._settings = PartitionSettings(storage)
        self._devtools = devtools.ProfileChannel(profile)
        self._cookies = Cookies(profile, self._devtools, storage)
        self._site_data = SiteData(self._devtools, self._cookies, storage, self.clear_cache,
                                   lambda wanted: self._downloads.remove_by_url(wanted))
        self._web_contents_hooks: list[Callable[[WebContents], None]] = []
        self._interception: Interception | None = None
        self._service_workers: ServiceWorkers | None = None
        # Created now so that downloads restored from the last run are listed at once and
        # Chromium's download requests are answered from the first page on.
        self._downloads = DownloadManager(self)
        self._network = SessionNetwork(self._settings, ProxyLogin(
            self, CredentialStore(self._settings, self.storage_path)))
        self.on_web_contents_created(self._network.adopt)
        self._net_log = NetLog(self._network)
        self._fetcher = Fetcher(self)
        self._preconnect_hints = preconnect.PreconnectHints(self)
        self.on_web_contents_created(lambda contents: login.answer_page_logins(self, contents))
        self._downloads.nam.setProxyFactory(self._network.engine_proxies())
        self._tls = SessionTls(self, self._settings, self._network)
        self.on_web_contents_created(self._tls.adopt)
        self._emulation = SessionEmulation(self._network, self._settings)
        self.on_web_contents_created(self._emulation.adopt)

    # ----------------------------------------------------------------- identity and storage
    @property
    def profile(self) -> QWebEngineProfile:
        """The QtWebEngine profile behind this session (for pages and the GUI)."""
        return self._profile

    def is_persistent(self) -> bool:
        return self._storage is not None

    @property
    def storage_path(self) -> str | None:
        return str(self._storage) if self._storage is not None else None

    def get_storage_path(self) -> str | None:
        return self.storage_path

    @property
    def settings(self) -> PartitionSettings:
        """This partition's own settings (on disk for persistent partitions only)."""
        return self._settings

    @property
    def devtools(self) -> devtools.ProfileChannel:
        """The DevTools protocol for this session's browser context (cookies, storage, ...)."""
        return self._devtools

    @property
    def cookies(self) -> Cookies:
        return self._cookies

    # ----------------------------------------------------------------- site data (core.net)
    async def clear_storage_data(self, origin: str | None = None,
                                 storages: Iterable[str] | None = None,
                                 quotas: Iterable[str] | None = None) -> None:
        await self._site_data.clear_storage_data(origin, storages, quotas)

    async def clear_data(self, data_types: Iterable[str] | None = None,
                         origins: Iterable[str] | None = None,
                         exclude_origins: Iterable[str] | None = None,
                         avoid_closing_connections: bool = False,
                         origin_matching_mode: str = "third-parties-included") -> None:
        await self._site_data.clear_data(data_types, origins, exclude_origins,
                                         avoid_closing_connections, origin_matching_mode)

    async def get_blob_data(self, identifier: str) -> bytes:
        return await self._site_data.get_blob_data(identifier)

    # ----------------------------------------------------------------- proxy (core.net)
    async def set_proxy(self, mode: str | None = None, pac_script: str | None = None,
                        proxy_rules: str | None = None,
                        proxy_bypass_rules: str | None = None) -> None:
        await self._network.set_proxy(mode, pac_script, proxy_rules, proxy_bypass_rules)

    async def resolve_proxy(self, url: str) -> str:
        return await self._network.resolve_proxy(url)

    async def force_reload_proxy_config(self) -> None:
        await self._network.force_reload_proxy_config()

    async def close_all_connections(self) -> None:
        self._network.close_all_connections()

    # ----------------------------------------------------------------- network emulation
    def enable_network_emulation(self, offline: bool = False, latency: float = 0,
                                 download_throughput: float = 0,
                                 upload_throughput: float = 0) -> None:
        """Emulate a network: ``latency`` in ms, throughputs in bytes/s, 0 for no limit
        (core.net.session_emulation). Kept in the partition's settings."""
        self._emulation.enable(offline, latency, download_throughput, upload_throughput)

    def disable_network_emulation(self) -> None:
        self._emulation.disable()

    def get_network_emulation(self) -> dict[str, Any] | None:
        """Partita addition: the emulated conditions (``offline``, ``latency``,
        ``download_throughput``, ``upload_throughput``), None while emulation is off."""
        return self._emulation.get()

    # ----------------------------------------------------------------- DNS (core.net.resolver)
    async def resolve_host(self, host: str, query_type: str | None = None, source: str = "any",
                           cache_usage: str = "allowed",
                           secure_dns_policy: str = "allow") -> ResolvedHost:
        """Resolve as this session's pages do: they share this resolver and its cache."""
        return await self._network.dns.resolve_host(host, query_type, source, cache_usage,
                                                    secure_dns_policy)

    async def clear_host_resolver_cache(self) -> None:
        self._network.dns.clear_host_resolver_cache()

    def configure_host_resolver(self, *, nameservers: Sequence[str] | None = None) -> None:
        """Partita addition: the DNS servers this session's pages, downloads, SOCKS4 proxies
        and ``resolve_host`` ask (``["192.0.2.1", "[2001:db8::1]:5353"]``; IP addresses, port
        53 unless given), for ``source="dns"`` and ``"any"``; None: the system's resolver
        again. Kept in the partition's settings; cached answers become stale, as after a DNS
        change."""
        self._network.dns.configure(nameservers)

    def get_proxy_settings(self) -> dict[str, str | None] | None:
        """Partita addition: the arguments ``set_proxy`` last applied (this run or a saved
        one, restored at start), None if it was never called in this partition."""
        return self._network.proxy_arguments()

    def get_proxy_credentials(self) -> list[StoredCredential]:
        """Partita addition: the upstream proxy logins this partition remembers (proxy as
        ``scheme://host:port`` and user name; passwords stay in the OS keyring)."""
        return self._network.login.store.list()

    async def forget_proxy_credentials(self, proxy: str) -> bool:
        """Partita addition: forget ``proxy``'s login (keyring included); False if none."""
        if not isinstance(proxy, str):
            raise TypeError(f"proxy must be a string, not {proxy!r}")
        return await self._network.login.store.forget(proxy)

    @property
    def net_log(self) -> NetLog:
        """Electron's ``ses.netLog`` (``core.net.net_log``)."""
        return self._net_log

    async def fetch(self, url: str, method: str = "GET",
                    headers: Mapping[str, str] | None = None, body: bytes | str | None = None,
                    credentials: str | None = None) -> FetchResponse:
        """Electron's ``ses.fetch`` (``core.net.fetch``); raises ``NetError`` if it failed."""
        return await self._fetcher.fetch(url, method, headers, body, credentials)

    def preconnect(self, url: str, num_sockets: int = 1) -> None:
        """Open ``num_sockets`` (1-6) connections to ``url``'s origin for the next requests."""
        self._network.preconnect(*preconnect.check_arguments(url, num_sockets))

    async def clear_auth_cache(self) -> None:
        """Forget HTTP and proxy authentication.

        Chromium's HTTP auth cache is only emptied with a new network context, which
        ``clearHttpCache`` gives (research/qtwebengine_network.md row 13), so the HTTP cache
        is emptied too; the cookies and the open pages are carried over to the new context
        (``core.net.auth_cache``). The router forgets the upstream proxy credentials it was
        given; logins saved with ``remember`` stay in the keyring and answer the next challenge.
        """
        self._network.forget_proxy_credentials()
        await auth_cache.clear_auth_cache(self._profile, self._devtools, self._cookies)

    def allow_ntlm_credentials_for_domains(self, domains: str) -> None:
        """Servers that get integrated NTLM/Negotiate credentials unasked, for every session,
        as in Electron. QtWebEngine reads this list only at start (Chromium's
        ``--auth-server-allowlist``), so it is saved and applies from Partita's next start."""
        auth_allowlist.save(app.data_dir(), auth_allowlist.normalise(domains))

    def on(self, name: str, listener: Listener) -> Session:
        super().on(name, listener)
        if name == preconnect.EVENT:
            self._preconnect_hints.watch()
        return self

    def once(self, name: str, listener: Listener) -> Session:
        super().once(name, listener)
        if name == preconnect.EVENT:
            self._preconnect_hints.watch()
        return self

    @property
    def network(self) -> SessionNetwork:
        """Partita addition: the router token and proxy configuration of this session."""
        return self._network

    # ----------------------------------------------------------------- TLS (core.net.session_tls)
    def set_ssl_config(self, min_version: str | None = None, max_version: str | None = None,
                       disabled_cipher_suites: Iterable[int] | None = None) -> None:
        """Enforced by the router on the ServerHello: a server choosing a version or cipher
        outside the config fails with ERR_SSL_VERSION_OR_CIPHER_MISMATCH (core.net.tls_gate).
        A ``max_version`` below the server's choice fails rather than downgrades, and
        connections open already keep their TLS version."""
        self._tls.set_ssl_config(min_version, max_version, disabled_cipher_suites)

    def get_ssl_config(self) -> dict[str, Any]:
        """Partita addition: ``min_version``, ``max_version``, ``disabled_cipher_suites``."""
        return self._tls.get_ssl_config()

    def set_certificate_verify_proc(self, proc: VerifyProc | None) -> None:
        self._tls.set_certificate_verify_proc(proc)

    def get_certificate_exceptions(self) -> list[dict[str, Any]]:
        """Partita addition: the certificates let through with ``remember=True``."""
        return self._tls.get_certificate_exceptions()

    def revoke_certificate_exception(self, host: str, fingerprint: str | None = None) -> None:
        """Partita addition: forget the exceptions for ``host`` (one certificate or all);
        its untrusted certificates are refused again, in this run too."""
        self._tls.revoke_certificate_exception(host, fingerprint)

    # ----------------------------------------------------------------- user agent
    def set_user_agent(self, user_agent: str, accept_languages: str | None = None) -> None:
        """Override the user agent and Accept-Language (q-values added as Chromium does)."""
        check_header_value("user_agent", user_agent)
        header = None
        if accept_languages is not None:
            check_header_value("accept_languages", accept_languages)
            header = accept_language_header(accept_languages)
        self._profile.setHttpUserAgent(user_agent)
        if header is not None:
            self._profile.setHttpAcceptLanguage(header)

    def get_user_agent(self) -> str:
        return self._profile.httpUserAgent()

    # ----------------------------------------------------------------- preloads
    def set_preloads(self, paths: Iterable[str]) -> None:
        """Scripts that run in every page and frame of this session before the page's own."""
        if isinstance(paths, str) or not isinstance(paths, Iterable):
            raise TypeError(f"preloads must be a list of absolute paths, not {paths!r}")
        new = list(paths)
        scripts = preloads.load(new)  # validates everything before anything changes
        collection = self._profile.scripts()
        assert collection is not None  # a live profile always has its script collection
        preloads.install(collection, scripts)
        self._preloads = new

    def get_preloads(self) -> list[str]:
        return list(self._preloads)

    # ----------------------------------------------------------------- downloads
    def set_download_path(self, path: str) -> None:
        if not isinstance(path, str) or not os.path.isabs(path):
            raise ValueError(f"download path must be an absolute path, not {path!r}")
        self._download_path = path
        self._profile.setDownloadPath(path)

    def get_download_path(self) -> str:
        """Partita addition: the folder downloads go to."""
        return self._download_path

    def download_url(self, url: str,
                     headers: Mapping[str, str] | None = None) -> DownloadItem | None:
        return self._downloads.download_url(url, headers)

    def create_interrupted_download(self, **options: Any) -> DownloadItem | None:
        """Electron's ``createInterruptedDownload`` (options as keyword arguments)."""
        return self._downloads.create_interrupted_download(**options)

    def get_downloads(self) -> list[DownloadItem]:
        """Partita addition: every download this session knows, oldest first."""
        return self._downloads.get_downloads()

    def remove_download(self, item: DownloadItem) -> None:
        """Partita addition: forget a download that is not in progress, for good (its record
        leaves the partition's store; a completed file stays, an interrupted download's
        partial bytes go). The item is destroyed; ValueError for one in progress."""
        self._downloads.remove([item])

    def restart_download(self, item: DownloadItem) -> DownloadItem | None:
        """Partita addition: download a finished or failed item again from its first address,
        with the headers it was started with; the old item is removed (remove_download)."""
        return self._downloads.restart(item)

    def clear_finished_downloads(self) -> int:
        """Partita addition: remove every completed and cancelled download; how many."""
        return self._downloads.clear_finished()

    def set_download_auto_resume(self, enabled: bool) -> None:
        """Partita addition: resume the downloads Partita's exit interrupted, now and each
        time this partition opens (kept in ``settings``); paused or failed ones wait."""
        self._downloads.set_auto_resume(enabled)

    def get_download_auto_resume(self) -> bool:
        return self._downloads.settings.auto_resume

    # ----------------------------------------------------------------- cache and storage
    async def get_cache_size(self) -> int:
        """Bytes of the HTTP cache on disk."""
        if self._storage is None:
            raise NotSupportedError(
                "an in-memory partition's HTTP cache lives inside Chromium, and QtWebEngine "
                "reports no size for it"
            )
        cache = Path(self._profile.cachePath())
        return await asyncio.get_running_loop().run_in_executor(None, _disk_usage, cache)

    async def clear_cache(self) -> None:
        """Empty the HTTP cache (on disk, or in memory), as the DevTools protocol's
        ``Network.clearBrowserCache`` does: Chromium's cache removal alone. Not
        ``QWebEngineProfile.clearHttpCache``, which then replaces the network context: that
        drops the cookies not yet on disk and leaves open pages unable to fetch (measured,
        Qt 6.11; ``core.net.auth_cache``)."""
        await self._devtools.send("Network.clearBrowserCache")

    def flush_storage_data(self) -> None:
        raise NotSupportedError(
            "QtWebEngine 6.11 exposes no DOM-storage flush; Chromium commits localStorage "
            "about a second after each change and when Partita closes the partition on exit"
        )

    def set_code_cache_path(self, path: str) -> None:
        if not isinstance(path, str) or not path or not os.path.isabs(path):
            raise TypeError("Absolute path must be provided to store code cache.")
        raise NotSupportedError(
            "QtWebEngine builds Chromium without a V8 code cache directory, so there is no "
            "code cache to place"
        )

    async def clear_code_caches(self, urls: Iterable[str] | None = None) -> None:
        """Electron's ``clearCodeCaches``: remove the V8 code Chromium generated for ``urls``
        (all of it when None or empty).

        Complete as soon as the arguments are checked: Chromium keeps generated code only in
        a "Code Cache" folder, and QtWebEngine 6.11 never enables it (its content client keeps
        the default, disabled settings; measured: no such folder in a persistent partition
        after loading the same cacheable script four times), so nothing is ever cached.
        """
        if urls is not None and (isinstance(urls, str) or not isinstance(urls, Iterable)):
            raise TypeError(f"urls must be a list of URL strings, not {urls!r}")
        for url in urls or ():
            if not isinstance(url, str):
                raise TypeError(f"urls must be a list of URL strings, not {url!r}")

    # ----------------------------------------------------------------- web contents
    def _adopt(self, contents: WebContents) -> None:
        self._web_contents.add(contents)
        for hook in list(self._web_contents_hooks):
            hook(contents)

    def on_web_contents_created(self, hook: Callable[[WebContents], None]) -> None:
        """Internal: ``hook(contents)`` runs for every WebContents created in this session
        from now on, inside its constructor (per-page set-up such as request interception;
        the caller handles the pages that exist already, listed in ``_web_contents``)."""
        self._web_contents_hooks.append(hook)

    # ----------------------------------------------------------------- webRequest and protocol
    @property
    def web_request(self) -> WebRequest:
        """Electron's ``ses.webRequest`` (``core.net.web_request``)."""
        return self._request_interception().web_request

    @property
    def protocol(self) -> Protocol:
        """Electron's ``ses.protocol`` (``core.net.protocol``)."""
        return self._request_interception().protocol

    @property
    def service_workers(self) -> ServiceWorkers:
        """Electron's ``ses.serviceWorkers`` (``core.service_workers``); watching starts on
        first use."""
        if self._service_workers is None:
            from core.service_workers import ServiceWorkers

            self._service_workers = ServiceWorkers(self._devtools, self._profile)
        return self._service_workers

    def _request_interception(self) -> Interception:
        if self._interception is None:
            from core.net.fetch_interception import Interception

            self._interception = Interception(self)
        return self._interception

    def _shutdown(self) -> None:
        """Close this session's pages, then its profile, so Chromium writes everything out."""
        self._downloads.shutdown()
        for contents in list(self._web_contents):
            contents.close()
        if self._service_workers is not None:
            self._service_workers.close()
        self._devtools.close()
        self._net_log.close()
        self._network.close()
        self._settings.close()
        profile, self._profile = self._profile, None  # type: ignore[assignment]
        if profile is not None:
            from PyQt6 import sip

            sip.delete(profile)

    def __repr__(self) -> str:
        kind = f"storage={self.storage_path!r}" if self._storage else "in-memory"
        return f"<Session {kind}>"


_CONSTRUCT = object()
_by_partition: dict[str, Session] = {}
_by_path: dict[str, Session] = {}


def _require_app() -> None:
    if QCoreApplication.instance() is None:
        app.create_application([])


def _named_profile(storage_name: str, cache: bool) -> QWebEngineProfile:
    profile = QWebEngineProfile(storage_name, QCoreApplication.instance())
    # The HTTP cache lives inside the partition's folder, as Electron's does, so removing a
    # partition removes everything. (setCachePath on a live profile is harmless, measured.)
    profile.setCachePath(str(Path(profile.persistentStoragePath()) / _CACHE_FOLDER))
    if not cache:
        profile.setHttpCacheType(QWebEngineProfile.HttpCacheType.NoCache)
    return profile


def _created(session: Session) -> Session:
    if not (_by_partition or _by_path):
        # Not aboutToQuit: qasync's run_until_complete ends a QApplication.exec() each time.
        atexit.register(shutdown)
    app.emit("session-created", session)
    return session


def from_partition(partition: str, cache: bool = True) -> Session:
    """The session for ``partition`` (same object for the same name; ``''`` is the default)."""
    if not isinstance(partition, str):
        raise TypeError(f"partition must be a string, not {partition!r}")
    if not isinstance(cache, bool):
        raise TypeError(f"cache must be a bool, not {cache!r}")
    existing = _by_partition.get(partition)
    if existing is not None:
        return existing
    _require_app()
    if partitions.is_persistent_name(partition):
        folder = partitions.folder_for_partition(partition)
        storage = app.engine_profiles_dir() / folder
        partitions.write_marker(storage, partition)
        profile = _named_profile(folder, cache)
        session = Session(profile, storage, _key=_CONSTRUCT)
    else:
        profile = QWebEngineProfile(QCoreApplication.instance())  # off the record
        if not cache:
            profile.setHttpCacheType(QWebEngineProfile.HttpCacheType.NoCache)
        session = Session(profile, None, _key=_CONSTRUCT)
    session = _created(session)
    _by_partition[partition] = session
    return session


def from_path(path: str, cache: bool = True) -> Session:
    """A persistent session stored in ``path`` (absolute; same object for the same path)."""
    if not isinstance(path, str):
        raise TypeError(f"path must be a string, not {path!r}")
    if not path:
        raise TypeError("An empty path was specified")
    if not os.path.isabs(path):
        raise TypeError(f"An absolute path was not provided: {path!r}")
    if "\x00" in path:
        raise ValueError(f"path contains a NUL character: {path!r}")
    target = Path(os.path.normpath(path))
    existing = _by_path.get(str(target))
    if existing is not None:
        return existing
    _require_app()
    target.mkdir(parents=True, exist_ok=True)
    folder = partitions.folder_for_path(target)
    link = app.engine_profiles_dir() / folder
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() and Path(os.readlink(link)) != target:
        link.unlink()
    if not link.is_symlink():
        link.symlink_to(target, target_is_directory=True)
    session = Session(_named_profile(folder, cache), target, _key=_CONSTRUCT)
    session = _created(session)
    _by_path[str(target)] = session
    return session


def shutdown() -> None:
    """Close every session, pages first, then profiles, so Chromium writes their data out.

    The GUI calls it when its window closes; ``atexit`` calls it for scripts.
    """
    for registry in (_by_partition, _by_path):
        for session in registry.values():
            session._shutdown()
        registry.clear()
    devtools.shutdown()
    router_service.shutdown()


def __getattr__(name: str) -> Session:
    # ``session.default_session`` is created on first access, like Electron's.
    if name == "default_session":
        return from_partition("")
    raise AttributeError(name)
