"""Clearing what a partition stores: ``clear_storage_data``, ``clear_data``, ``get_blob_data``.

QtWebEngine clears only the whole HTTP cache and whole cookie jar natively, so per-origin and
per-type clearing goes through the DevTools protocol of the session's own browser context
(``Storage.clearDataForOrigin`` with Chromium's storage type names, research
qtwebengine_network.md row 3), cookies through ``ses.cookies`` (so "changed" reports them
as ``explicit``), the HTTP cache through ``QWebEngineProfile.clearHttpCache``.

"All origins" means every origin this partition is known to hold data for: those of its
cookies (scheme and port from where each was set), of its open pages and workers, and, for a
persistent partition, of its IndexedDB folders. Chromium has no protocol command that lists
every storage key of a context, so an origin that left no trace there is out of reach.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import re
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path

from core.devtools import CdpError, ProfileChannel
from core.errors import NotSupportedError
from core.net.cookie_model import Cookie
from core.net.cookies import Cookies
from core.net.domains import site_key
from core.net.url_host import DEFAULT_PORTS, UrlParts

# Electron's clearStorageData names → Chromium's Storage.StorageType names (None: cookies).
STORAGES: dict[str, str | None] = {
    "cookies": None, "filesystem": "file_systems", "indexdb": "indexeddb",
    "localstorage": "local_storage", "shadercache": "shader_cache", "websql": "websql",
    "serviceworkers": "service_workers", "cachestorage": "cache_storage",
}
QUOTAS = frozenset({"temporary", "syncable"})
# Electron's clearData names → Chromium's Storage.StorageType names; "cache", "cookies" and
# "downloads" are handled apart. "backgroundFetch" needs no work: QtWebEngine 6.11 has no
# Background Fetch API (no BackgroundFetchDelegate; pages and workers see no
# BackgroundFetchManager, measured), so a partition never holds such records.
DATA_TYPES: dict[str, str | None] = {
    "backgroundFetch": None, "cache": None, "cookies": None, "downloads": None,
    "fileSystems": "file_systems", "indexedDB": "indexeddb", "localStorage": "local_storage",
    "serviceWorkers": "service_workers", "webSQL": "websql",
}
MATCHING_MODES = frozenset({"third-parties-included", "origin-in-all-contexts"})
_INDEXEDDB_FOLDER = re.compile(r"^(https?)_(.+)_(\d+)\.indexeddb\.(leveldb|blob)$")

ClearCache = Callable[[], Awaitable[None]]
RemoveDownloads = Callable[[Callable[[str], bool]], None]
"""Forgets the downloads not in progress whose URL the filter accepts."""


def origin_of(text: str) -> str:
    """``scheme://host[:port]`` as ``window.location.origin`` spells it; TypeError if opaque."""
    if not isinstance(text, str):
        raise TypeError(f"origin must be a string, not {text!r}")
    try:
        parts = UrlParts.parse(text)
    except ValueError:
        raise TypeError(f"Invalid origin: '{text}'") from None
    if parts.scheme not in DEFAULT_PORTS:
        raise TypeError(f"Invalid origin: '{text}'")
    default = DEFAULT_PORTS[parts.scheme] == parts.port
    return f"{parts.scheme}://{parts.host}" + ("" if default else f":{parts.port}")


def _names(values: Iterable[str] | None, known: Iterable[str], what: str) -> list[str]:
    if values is None:
        return list(known)
    if isinstance(values, str):
        raise TypeError(f"{what} must be a list of strings, not {values!r}")
    chosen = list(values)
    for value in chosen:
        if value not in known:
            raise ValueError(f"unknown {what} value {value!r} (known: {', '.join(known)})")
    return chosen


def _cookie_origin(cookie: Cookie, source: dict[str, object]) -> str:
    scheme = "https" if source.get("sourceScheme") == "Secure" else "http"
    port = source.get("sourcePort")
    host = cookie.domain.lstrip(".")
    if not isinstance(port, int) or port in (-1, DEFAULT_PORTS[scheme]):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


class SiteData:
    """The site-data half of a ``Session`` (kept apart so session.py stays small)."""

    def __init__(self, channel: ProfileChannel, cookies: Cookies, storage: Path | None,
                 clear_cache: ClearCache, remove_downloads: RemoveDownloads) -> None:
        self._channel = channel
        self._cookies = cookies
        self._storage = storage
        self._clear_cache = clear_cache
        self._remove_downloads = remove_downloads

    # ----------------------------------------------------------------- which origins
    async def known_origins(self) -> set[str]:
        found: set[str] = set()
        raw = await self._channel.send("Network.getAllCookies")
        for item in raw.get("cookies", []):
            found.add(_cookie_origin(Cookie.from_cdp(item), item))
        own = await self._channel.send("Target.getTargetInfo")
        context = own["targetInfo"].get("browserContextId")
        targets = await self._channel.send("Target.getTargets")
        for info in targets.get("targetInfos", []):
            if info.get("browserContextId") == context:
                try:
                    found.add(origin_of(str(info.get("url", ""))))
                except TypeError:
                    continue  # about:blank, devtools:, data: and the like hold no site data
        if self._storage is not None and (self._storage / "IndexedDB").is_dir():
            for folder in (self._storage / "IndexedDB").iterdir():
                match = _INDEXEDDB_FOLDER.match(folder.name)
                if match:
                    scheme, host, port = match.group(1), match.group(2), int(match.group(3))
                    found.add(origin_of(f"{scheme}://{host}:{port}" if port else
                                        f"{scheme}://{host}"))
        return found

    # ----------------------------------------------------------------- the work
    async def _clear_storage(self, origins: Iterable[str], types: list[str]) -> None:
        if not types:
            return
        joined = ",".join(sorted(set(types)))
        await asyncio.gather(*(
            self._channel.send("Storage.clearDataForOrigin",
                               {"origin": origin, "storageTypes": joined})
            for origin in origins
        ))

    async def clear_storage_data(self, origin: str | None = None,
                                 storages: Iterable[str] | None = None,
                                 quotas: Iterable[str] | None = None) -> None:
        """Electron's ``clearStorageData``. Chromium keeps only temporary quota, so
        ``quotas`` is checked but selects nothing further."""
        chosen = _names(storages, STORAGES, "storages")
        _names(quotas, QUOTAS, "quotas")
        target = origin_of(origin) if origin is not None else None
        origins = {target} if target is not None else await self.known_origins()
        types = [name for key in chosen if (name := STORAGES[key]) is not None]
        jobs = [self._clear_storage(origins, types)]
        if "cookies" in chosen:
            if target is None:
                jobs.append(self._cookies.delete(await self._cookies.all()))
            else:
                # Electron hands the origin to Chromium's deletion filter as a URL: the
                # cookies that would be sent to it.
                jobs.append(self._cookies.delete(await self._cookies.get(url=target + "/")))
        await asyncio.gather(*jobs)

    async def clear_data(self, data_types: Iterable[str] | None = None,
                         origins: Iterable[str] | None = None,
                         exclude_origins: Iterable[str] | None = None,
                         avoid_closing_connections: bool = False,
                         origin_matching_mode: str = "third-parties-included") -> None:
        """Electron's ``clearData``: cookies by registrable domain, the rest by origin."""
        if origins is not None and exclude_origins is not None:
            raise TypeError("Cannot provide both 'origins' and 'excludeOrigins'")
        if not isinstance(avoid_closing_connections, bool):
            raise TypeError(f"avoid_closing_connections must be a bool, not "
                            f"{avoid_closing_connections!r}")
        if origin_matching_mode not in MATCHING_MODES:
            raise ValueError(f"unknown origin_matching_mode {origin_matching_mode!r}")
        explicit = data_types is not None
        chosen = _names(data_types, DATA_TYPES, "data_types")
        listed = origins if origins is not None else exclude_origins
        picked = None if listed is None else {origin_of(o) for o in _list(listed)}
        filtered = picked is not None
        if "cache" in chosen and filtered:
            if explicit:
                raise NotSupportedError(
                    "QtWebEngine clears the HTTP cache only as a whole (clearHttpCache) and the "
                    "DevTools protocol has no per-origin cache removal (Storage.clearDataForOrigin "
                    "leaves the HTTP cache even with \"all\", measured on Chromium 140)"
                )
            chosen.remove("cache")
        jobs: list[Awaitable[None]] = []
        types = [name for key in chosen if (name := DATA_TYPES[key]) is not None]
        if types:
            if origins is not None:
                targets = picked or set()
            else:
                targets = await self.known_origins() - (picked or set())
            jobs.append(self._clear_storage(targets, types))
        if "cookies" in chosen:
            jobs.append(self._cookies.delete(await self._cookies_to_clear(
                picked, keep=exclude_origins is not None)))
        if "cache" in chosen:
            jobs.append(self._clear_cache())
        if "downloads" in chosen:
            keep = exclude_origins is not None
            # Chromium filters download history by the download URL's origin.
            self._remove_downloads(lambda url: _url_in(url, picked, keep=keep))
        await asyncio.gather(*jobs)

    async def _cookies_to_clear(self, picked: set[str] | None, keep: bool) -> list[Cookie]:
        jar = await self._cookies.all()
        if picked is None:
            return jar
        sites = {site_key(UrlParts.parse(origin).host) for origin in picked}
        return [cookie for cookie in jar if (site_key(cookie.domain) in sites) != keep]

    async def get_blob_data(self, identifier: str) -> bytes:
        """The bytes of the blob with UUID ``identifier`` in this partition (``IO.read``)."""
        if not isinstance(identifier, str) or not identifier:
            raise TypeError(f"identifier must be a blob UUID string, not {identifier!r}")
        handle = "blob:" + identifier
        chunks: list[bytes] = []
        try:
            while True:
                piece = await self._channel.send("IO.read", {"handle": handle})
                data = str(piece.get("data", ""))
                chunks.append(base64.b64decode(data) if piece.get("base64Encoded")
                              else data.encode("utf-8"))
                if piece.get("eof"):
                    break
        except CdpError as error:
            raise ValueError(f"no blob with identifier {identifier!r} ({error})") from None
        finally:
            with contextlib.suppress(CdpError):  # never opened: the blob does not exist
                await self._channel.send("IO.close", {"handle": handle})
        return b"".join(chunks)


def _url_in(url: str, picked: set[str] | None, *, keep: bool) -> bool:
    """Whether clearing for ``picked`` origins (None: all; ``keep``: all but these) takes
    ``url``; an opaque URL (data:, blob:) has no origin to match."""
    if picked is None:
        return True
    try:
        origin: str | None = origin_of(url)
    except TypeError:
        origin = None
    return (origin in picked) != keep


def _list(values: Iterable[str]) -> list[str]:
    if isinstance(values, str):
        raise TypeError(f"origins must be a list of strings, not {values!r}")
    return list(values)
