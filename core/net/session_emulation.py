"""A session's network emulation: Electron's ``enable_network_emulation`` and
``disable_network_emulation``, kept in the partition's settings and restored with the session.

The router applies the conditions to every connection of the session (core.net.emulation), so
pages, ``ses.fetch`` and our downloads all see them. Pages are also told through the DevTools
protocol while the session is offline, so that ``navigator.onLine`` and the ``offline`` event
follow and a page's plain-http fetch fails as in Electron (the router can only answer such a
request with an error response); only the offline flag is sent there (no latency, no
throughput), so nothing is throttled twice.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import TYPE_CHECKING, Any

from core import app, devtools
from core.errors import DESTROYED
from core.net.emulation import Emulation, NetworkConditions

if TYPE_CHECKING:
    from core.net.session_network import SessionNetwork
    from core.partition_settings import PartitionSettings
    from core.web_contents import WebContents

log = logging.getLogger("partita.net.emulation")

EMULATION_SETTING = "network_emulation"
# No latency and no throttling on the page's side: the router does that.
_UNTHROTTLED = {"latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}


class _Page:
    """One page's DevTools session and the offline flag it was last told."""

    def __init__(self) -> None:
        self.cdp: devtools.CdpSession | None = None
        self.offline = False
        self.lock = asyncio.Lock()


class SessionEmulation:
    def __init__(self, network: SessionNetwork, settings: PartitionSettings) -> None:
        self._network = network
        self._settings = settings
        self._conditions: NetworkConditions | None = None
        self._pages: weakref.WeakKeyDictionary[WebContents, _Page] = weakref.WeakKeyDictionary()
        self._telling: set[asyncio.Task[None]] = set()
        saved = settings.get(EMULATION_SETTING)
        if saved is not None:
            try:
                if not isinstance(saved, dict):
                    raise TypeError(f"expected the emulation's options, not {saved!r}")
                conditions = NetworkConditions.from_dict(saved)
            except (TypeError, ValueError) as error:
                log.warning("ignoring the saved network emulation %r: %s", saved, error)
            else:
                self._apply(conditions)

    def enable(self, offline: bool = False, latency: float = 0, download_throughput: float = 0,
               upload_throughput: float = 0) -> None:
        """Emulate these conditions (raises naming a bad value, changing nothing)."""
        conditions = NetworkConditions(offline, latency, download_throughput, upload_throughput)
        self._settings.set(EMULATION_SETTING, conditions.to_dict())
        self._apply(conditions)

    def disable(self) -> None:
        self._settings.delete(EMULATION_SETTING)
        self._apply(None)

    def get(self) -> dict[str, Any] | None:
        return self._conditions.to_dict() if self._conditions is not None else None

    @property
    def offline(self) -> bool:
        return self._conditions is not None and self._conditions.offline

    def _apply(self, conditions: NetworkConditions | None) -> None:
        self._conditions = conditions
        self._network.set_emulation(Emulation(conditions) if conditions is not None else None)
        if conditions is not None and conditions.offline:
            # Electron's offline emulation fails requests in flight too.
            self._network.close_all_connections()
        for contents in list(self._pages):
            self._tell_soon(contents)

    def adopt(self, contents: WebContents) -> None:
        self._pages[contents] = _Page()
        contents.add_navigation_gate(lambda: self._tell(contents))
        self._tell_soon(contents)

    def _tell_soon(self, contents: WebContents) -> None:
        task = asyncio.ensure_future(self._tell(contents), loop=app.loop())
        self._telling.add(task)
        task.add_done_callback(self._telling.discard)

    async def _tell(self, contents: WebContents) -> None:
        """Bring the page's offline flag in line with the session's (a page never told
        anything costs nothing)."""
        page = self._pages.get(contents)
        if page is None:
            return
        async with page.lock:
            wanted = self.offline
            if page.offline == wanted:
                return
            try:
                if page.cdp is None or page.cdp.detached:
                    page.cdp = await devtools.hub().attach(contents.page)
                # Chromium fails the page's requests itself only while the session's Network
                # domain is on (measured: without it, navigator.onLine turns false but fetch
                # still reaches the router); it is on only while the page is offline.
                if wanted:
                    await page.cdp.send("Network.enable", {"maxTotalBufferSize": 0})
                await page.cdp.send("Network.emulateNetworkConditions",
                                    {"offline": wanted, **_UNTHROTTLED})
                if not wanted:
                    await page.cdp.send("Network.disable")
            except (RuntimeError, devtools.CdpError) as error:
                if isinstance(error, RuntimeError) and str(error) != DESTROYED:
                    raise
                log.debug("page closed before its network emulation was set: %s", error)
                return
            page.offline = wanted
