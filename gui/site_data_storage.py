"""The origins a partition holds data for, and the storage each one uses.

Usage is Chromium's own count (``Storage.getUsageAndQuota`` on the session's DevTools
channel): the quota-managed stores, namely IndexedDB, Cache Storage, service workers and file
systems. Chromium does not count localStorage against quota (measured: 5 KB written to
localStorage leaves the usage at 0), and reading it needs a frame of that origin, so the
panel says "quota-managed" rather than pretend it is the whole footprint.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from core.net.domains import site_key
from core.net.site_data import origin_of
from core.net.url_host import UrlParts
from core.session import Session

STORE_NAMES = {
    "indexeddb": "IndexedDB",
    "cache_storage": "Cache storage",
    "service_workers": "Service workers",
    "file_systems": "File systems",
}


@dataclass(frozen=True)
class Usage:
    origin: str
    total: int
    by_store: dict[str, int]
    """Bytes per store, by the names of ``STORE_NAMES``; stores that use nothing are left out."""


def site_of_origin(origin: str) -> str:
    return site_key(UrlParts.parse(origin).host)


def _cookie_origin(item: dict[str, object]) -> str | None:
    # The DevTools protocol remembers where each cookie was set from (scheme and port); a
    # cookie's domain alone would lose the port of a local server.
    scheme = "https" if item.get("sourceScheme") == "Secure" else "http"
    port = item.get("sourcePort")
    suffix = f":{port}" if isinstance(port, int) and port > 0 else ""
    try:
        return origin_of(f"{scheme}://{str(item.get('domain', '')).lstrip('.')}{suffix}")
    except TypeError:
        return None


async def origins(session: Session) -> set[str]:
    """The origins of the partition's cookies and of its open pages."""
    channel = session.devtools
    found: set[str] = set()
    for item in (await channel.send("Network.getAllCookies")).get("cookies", []):
        origin = _cookie_origin(item)
        if origin is not None:
            found.add(origin)
    own = (await channel.send("Target.getTargetInfo"))["targetInfo"].get("browserContextId")
    for info in (await channel.send("Target.getTargets")).get("targetInfos", []):
        if info.get("browserContextId") == own:
            with contextlib.suppress(TypeError):  # about:blank, data: and the like
                found.add(origin_of(str(info.get("url", ""))))
    return found


async def measure(session: Session) -> list[Usage]:
    """The usage of every origin of ``origins(session)``, by site and then origin."""
    known = sorted(await origins(session), key=lambda o: (site_of_origin(o), o))
    answers = await asyncio.gather(*(
        session.devtools.send("Storage.getUsageAndQuota", {"origin": origin})
        for origin in known
    ))
    return [
        Usage(origin, int(answer.get("usage", 0)), {
            STORE_NAMES[part["storageType"]]: int(part["usage"])
            for part in answer.get("usageBreakdown", [])
            if part.get("storageType") in STORE_NAMES and part.get("usage")
        })
        for origin, answer in zip(known, answers, strict=True)
    ]
