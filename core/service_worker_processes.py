"""Which renderer process runs a service worker version (Electron's ``renderProcessId``).

The DevTools protocol never says which process a worker runs in (``SystemInfo`` answers only
on the browser target, which the in-process channel cannot reach). Chromium's own
``chrome://serviceworker-internals`` page does, and QtWebEngine 6.11 serves it: one hidden page
of the session's profile lists each running version as "Version ID: N ... Renderer process
ID: <OS pid>" and refreshes itself on every running-status change (measured). Electron reports
Chromium's virtual child-process id instead ("not an OS level PID"), which Chromium hands every
renderer on its command line as ``--renderer-client-id``; ``/proc`` gives it from the pid.

The page is created on the first lookup, that is when the session's first worker starts.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time

from PyQt6.QtCore import QUrl
from PyQt6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile, QWebEngineScript

log = logging.getLogger("partita.service_workers")

INVALID_ID = -1
"""Chromium's ``ChildProcessHost::kInvalidUniqueID``: the worker's process is not known."""

_INTERNALS = QUrl("chrome://serviceworker-internals/")
_VERSION = re.compile(r"Version ID: (\d+)\s+Renderer process ID: (\d+)")
_CLIENT_ID = re.compile(rb"--renderer-client-id=(\d+)")
# The page learns of a start from its own WebUI notification, a few ms after the protocol
# event; the bound only matters if Chromium stops refreshing the page.
_LOOKUP_SECONDS = 5.0
_POLL_SECONDS = 0.02


def client_id_of(pid: int) -> int:
    """Chromium's child-process id of the renderer with OS ``pid`` (INVALID_ID if unknown)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            match = _CLIENT_ID.search(handle.read())
    except OSError:
        return INVALID_ID
    return int(match.group(1)) if match else INVALID_ID


class RendererIds:
    """``await lookup(version_id)`` gives the renderer id of a running version."""

    def __init__(self, profile: QWebEngineProfile) -> None:
        self._profile = profile
        self._page: QWebEnginePage | None = None
        self._loaded: asyncio.Future[bool] | None = None

    async def _internals(self) -> QWebEnginePage:
        if self._page is None:
            self._loaded = asyncio.get_running_loop().create_future()
            self._page = QWebEnginePage(self._profile)
            loaded = self._loaded

            def finished(ok: bool) -> None:
                if not loaded.done():
                    loaded.set_result(ok)

            self._page.loadFinished.connect(finished)
            self._page.setUrl(_INTERNALS)
        assert self._loaded is not None
        if not await asyncio.shield(self._loaded):
            raise RuntimeError("chrome://serviceworker-internals did not load")
        return self._page

    async def _text(self) -> str:
        page = await self._internals()
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()

        def done(value: object) -> None:
            if not future.done():
                future.set_result(value if isinstance(value, str) else "")

        # An isolated world: the WebUI's own scripts never see ours.
        page.runJavaScript("document.body ? document.body.innerText : ''",
                           QWebEngineScript.ScriptWorldId.ApplicationWorld, done)
        return await future

    async def lookup(self, version_id: int) -> int:
        deadline = time.monotonic() + _LOOKUP_SECONDS
        try:
            while True:
                pids = {int(v): int(p) for v, p in _VERSION.findall(await self._text())}
                if pids.get(version_id, 0) > 0:
                    return client_id_of(pids[version_id])
                if time.monotonic() > deadline:
                    break
                await asyncio.sleep(_POLL_SECONDS)
        except RuntimeError as error:
            log.warning("no renderer id for service worker %d: %s", version_id, error)
            return INVALID_ID
        log.warning("chrome://serviceworker-internals never listed service worker %d",
                    version_id)
        return INVALID_ID

    def close(self) -> None:
        page, self._page = self._page, None
        if self._loaded is not None and not self._loaded.done():
            self._loaded.cancel()
        self._loaded = None
        if page is not None:
            from PyQt6 import sip

            if not sip.isdeleted(page):
                sip.delete(page)
