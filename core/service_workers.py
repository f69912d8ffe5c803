"""Electron's ``ses.serviceWorkers``: the running service workers of a session and their events.

QtWebEngine has no service worker API; the DevTools protocol of the session's own browser
context has (``ses.devtools``). ``ServiceWorker.enable`` first replays every registration and
version the context holds (one ``workerRegistrationUpdated`` and one ``workerVersionUpdated``
event), then reports each change, as Chromium's ``ServiceWorkerContextWatcher`` sees it:

* ``running-status-changed`` is a version's ``runningStatus`` moving (starting, running,
  stopping, stopped: the same four words as Electron's);
* ``registration-completed``: the watcher reports a registration when it becomes live
  (``OnNewLiveRegistration``: created by ``register()``, or loaded from disk) and when a
  ``register()`` call completes (``OnRegistrationCompleted``, Electron's event); the first
  report of a registration in this process is its going live, every later one a completion;
* ``console-message`` needs the worker's own protocol session (``Target.attachToTarget`` on
  the version's ``targetId``; ``Runtime.enable`` replays what the worker logged before).
  Chromium never stops an idle worker while DevTools is attached to it (measured: stopped after
  30 s idle alone, still running at 45 s attached), so workers are attached only while a
  ``console-message`` listener exists, and only messages logged since then are reported.

The events are handled one at a time in arrival order (a worker's "running" waits for its
renderer id, see ``core.service_worker_processes``, and its console messages come after it).
Watching starts when ``ses.service_workers`` is first used; the replay arrives a few ms later.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
import warnings
from dataclasses import dataclass, replace
from typing import Any

from PyQt6.QtCore import QUrl
from PyQt6.QtWebEngineCore import QWebEngineProfile

from core import app, devtools
from core.errors import NotSupportedError
from core.events import Event, EventEmitter, Listener
from core.service_worker_console import ConsoleMessageDetails, details_of, timestamp
from core.service_worker_processes import RendererIds

log = logging.getLogger("partita.service_workers")

_WORKER_EVENTS = ("Runtime.consoleAPICalled", "Runtime.exceptionThrown", "Log.entryAdded")
_ALIVE = frozenset({"running", "stopping"})  # Chromium's "running" infos: started, not stopped
_NOT_FOUND = "Could not find service worker with that version_id"
_START_FAILED = "Failed to start service worker."
_STRINGIFY = "function () { return String(this); }"


@dataclass(frozen=True)
class ServiceWorkerInfo:
    """Electron's ``ServiceWorkerInfo``."""

    script_url: str
    scope: str
    render_process_id: int
    version_id: int


@dataclass(frozen=True)
class RegistrationCompletedDetails:
    scope: str


class RunningStatusDetails(Event):
    """``running-status-changed`` passes only this ``Event`` with two fields, as Electron."""

    def __init__(self, version_id: int, running_status: str) -> None:
        super().__init__()
        self.version_id = version_id
        self.running_status = running_status


@dataclass(frozen=True)
class _Version:
    registration_id: int
    scope: str
    script_url: str
    running_status: str
    status: str
    target_id: str | None
    render_process_id: int


class ServiceWorkerMain:
    """Electron's ``ServiceWorkerMain`` for one version; IPC with the worker needs Electron's
    preload machinery in workers, which QtWebEngine does not have."""

    def __init__(self, owner: ServiceWorkers, version_id: int) -> None:
        version = owner._versions[version_id]
        self._owner = owner
        self.version_id = version_id
        self.scope = version.scope
        self.script_url = version.script_url

    def is_destroyed(self) -> bool:
        """True once the version is redundant (replaced or unregistered) or gone."""
        version = self._owner._versions.get(self.version_id)
        return version is None or version.status == "redundant"

    @property
    def ipc(self) -> Any:
        raise NotSupportedError(_NO_WORKER_IPC)

    def send(self, channel: str, *args: Any) -> None:
        raise NotSupportedError(_NO_WORKER_IPC)

    def start_task(self) -> Any:
        raise NotSupportedError(
            "QtWebEngine offers no way to hold a service worker's keep-alive; Chromium stops "
            "it when idle")


_NO_WORKER_IPC = ("QtWebEngine runs no preload scripts in service workers, so there is no "
                  "ipcRenderer there to talk to")


class ServiceWorkers(EventEmitter):
    """The ``ServiceWorkers`` object of one session."""

    def __init__(self, channel: devtools.ProfileChannel, profile: QWebEngineProfile) -> None:
        super().__init__()
        self._channel = channel
        self._renderer_ids = RendererIds(profile)
        self._registrations: dict[int, str] = {}  # id → scope
        self._live: set[int] = set()
        self._versions: dict[int, _Version] = {}
        self._workers: dict[int, ServiceWorkerMain] = {}
        self._attached: dict[int, devtools.CdpSession] = {}  # version id → worker session
        self._console_since: float | None = None  # ms since the epoch; None: not listening
        self._starting: dict[int, list[asyncio.Future[None]]] = {}
        self._queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        loop = app.loop()
        self._replayed: asyncio.Future[None] = loop.create_future()
        self._replay_pending = {"ServiceWorker.workerRegistrationUpdated",
                                "ServiceWorker.workerVersionUpdated"}
        self._task = asyncio.ensure_future(self._run(), loop=loop)

    # ----------------------------------------------------------------- Electron's methods
    def get_all_running(self) -> dict[int, ServiceWorkerInfo]:
        return {vid: _info(vid, v) for vid, v in self._versions.items()
                if v.running_status in _ALIVE}

    def get_info_from_version_id(self, version_id: int) -> ServiceWorkerInfo:
        _check_id(version_id)
        version = self._versions.get(version_id)
        if version is None or version.running_status not in _ALIVE:
            raise ValueError(f"{_NOT_FOUND}: {version_id!r}")
        return _info(version_id, version)

    def get_from_version_id(self, version_id: int) -> ServiceWorkerInfo:
        warnings.warn("get_from_version_id is deprecated, use get_info_from_version_id "
                      "instead", DeprecationWarning, stacklevel=2)
        return self.get_info_from_version_id(version_id)

    def get_worker_from_version_id(self, version_id: int) -> ServiceWorkerMain | None:
        _check_id(version_id)
        version = self._versions.get(version_id)
        if version is None or version.status == "redundant":
            return None
        if version_id not in self._workers:
            self._workers[version_id] = ServiceWorkerMain(self, version_id)
        return self._workers[version_id]

    async def start_worker_for_scope(self, scope: str) -> ServiceWorkerMain:
        """Start the active worker of the registration for exactly ``scope``."""
        if not isinstance(scope, str):
            raise TypeError(f"scope must be a URL string, not {scope!r}")
        url = QUrl(scope, QUrl.ParsingMode.StrictMode)
        if not url.isValid() or url.isRelative():
            raise TypeError(f"scope must be an absolute URL, not {scope!r}")
        if not url.path():
            url.setPath("/")  # as GURL spells "chrome-extension://id"
        wanted = url.toString(QUrl.ComponentFormattingOption.FullyEncoded)
        await asyncio.shield(self._replayed)
        active = [ident for ident, v in self._versions.items()
                  if v.scope == wanted and v.status in ("activating", "activated")]
        if not active:
            raise RuntimeError(_START_FAILED)
        version_id = active[0]
        version = self._versions[version_id]
        if version.running_status != "running":
            started: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._starting.setdefault(version_id, []).append(started)
            await self._channel.send("ServiceWorker.startWorker", {"scopeURL": wanted})
            await started
        worker = self.get_worker_from_version_id(version_id)
        if worker is None:
            raise RuntimeError(_START_FAILED)
        return worker

    # ----------------------------------------------------------------- console listeners
    def on(self, name: str, listener: Listener) -> ServiceWorkers:
        super().on(name, listener)
        self._listeners_changed()
        return self

    def once(self, name: str, listener: Listener) -> ServiceWorkers:
        super().once(name, listener)
        self._listeners_changed()
        return self

    def off(self, name: str, listener: Listener) -> ServiceWorkers:
        super().off(name, listener)
        self._listeners_changed()
        return self

    def remove_all_listeners(self, name: str | None = None) -> ServiceWorkers:
        super().remove_all_listeners(name)
        self._listeners_changed()
        return self

    def emit(self, name: str, *args: Any) -> bool:
        emitted = super().emit(name, *args)
        self._listeners_changed()  # a ``once`` listener is gone now
        return emitted

    def _listeners_changed(self) -> None:
        listening = self.listener_count("console-message") > 0
        if listening != (self._console_since is not None):
            self._console_since = time.time() * 1000 if listening else None
            self._queue.put_nowait(("attachments", None))

    # ----------------------------------------------------------------- the event loop
    async def _run(self) -> None:
        try:
            session = await self._channel.session()
            for method in self._replay_pending:
                session.on(method, functools.partial(self._enqueue, method))
            await session.send("ServiceWorker.enable")
        except (devtools.CdpError, RuntimeError) as error:
            log.warning("service workers cannot be watched: %s", error)
            return
        while True:
            method, params = await self._queue.get()
            try:
                await self._handle(method, params)
            except (devtools.CdpError, RuntimeError) as error:
                log.debug("service worker event %s not handled: %s", method, error)

    def _enqueue(self, method: str, params: dict[str, Any]) -> None:
        self._queue.put_nowait((method, params))

    def _enqueue_console(self, ident: int, method: str, params: dict[str, Any]) -> None:
        self._queue.put_nowait(("console", (ident, method, params)))

    async def _handle(self, method: str, params: Any) -> None:
        replay = method in self._replay_pending
        if replay:
            self._replay_pending.discard(method)
        if method == "ServiceWorker.workerRegistrationUpdated":
            for raw in params.get("registrations", []):
                self._registration(raw, replay)
        elif method == "ServiceWorker.workerVersionUpdated":
            for raw in params.get("versions", []):
                await self._version(raw, replay)
        elif method == "attachments":
            await self._sync_attachments()
        elif method == "console":
            await self._console(*params)
        if replay and not self._replay_pending and not self._replayed.done():
            self._replayed.set_result(None)

    def _registration(self, raw: dict[str, Any], replay: bool) -> None:
        ident, scope = int(raw["registrationId"]), str(raw["scopeURL"])
        if raw.get("isDeleted"):
            self._registrations.pop(ident, None)
            self._live.discard(ident)
            return
        self._registrations[ident] = scope
        if replay:
            return
        if ident in self._live:
            self.emit("registration-completed", Event(), RegistrationCompletedDetails(scope))
        else:
            self._live.add(ident)

    async def _version(self, raw: dict[str, Any], replay: bool) -> None:
        ident = int(raw["versionId"])
        old = self._versions.get(ident)
        registration = int(raw["registrationId"])
        status = str(raw["runningStatus"])
        version = _Version(
            registration, self._registrations.get(registration, old.scope if old else ""),
            str(raw["scriptURL"]), status, str(raw["status"]), raw.get("targetId"),
            old.render_process_id if old else -1)
        moved = (old.running_status if old else "stopped") != status
        if status == "running" and (moved or version.render_process_id < 0):
            version = replace(version, render_process_id=await self._renderer_ids.lookup(ident))
        self._versions[ident] = version
        if status == "stopped" and version.status == "redundant":
            del self._versions[ident]
        if moved and not replay:
            self.emit("running-status-changed", RunningStatusDetails(ident, status))
        if moved:
            self._settle_starts(ident, status)
            if status == "running":
                await self._sync_attachments()

    def _settle_starts(self, ident: int, status: str) -> None:
        if status not in ("running", "stopped"):
            return
        for started in self._starting.pop(ident, []):
            if started.done():
                continue
            if status == "running":
                started.set_result(None)
            else:
                started.set_exception(RuntimeError(_START_FAILED))

    async def _sync_attachments(self) -> None:
        for ident, session in list(self._attached.items()):
            version = self._versions.get(ident)
            if (self._console_since is None or session.detached or version is None
                    or version.running_status != "running"):
                del self._attached[ident]
                with contextlib.suppress(devtools.CdpError, RuntimeError):
                    await session.detach()
        if self._console_since is None:
            return
        for ident, version in list(self._versions.items()):
            if version.running_status != "running" or not version.target_id:
                continue
            if ident in self._attached:
                continue
            session = await devtools.hub().attach_target(version.target_id)
            self._attached[ident] = session
            for method in _WORKER_EVENTS:
                session.on(method, functools.partial(self._enqueue_console, ident, method))
            await session.send("Runtime.enable")  # replays what the worker logged so far
            await session.send("Log.enable")

    async def _console(self, ident: int, method: str, params: dict[str, Any]) -> None:
        since = self._console_since
        if since is None or timestamp(method, params) < since:
            return
        session = self._attached.get(ident)

        async def stringify(object_id: str) -> str | None:
            if session is None or session.detached:
                return None
            try:
                result = await session.send("Runtime.callFunctionOn", {
                    "objectId": object_id, "functionDeclaration": _STRINGIFY,
                    "returnByValue": True})
            except devtools.CdpError:
                return None
            value = result.get("result", {}).get("value")
            return value if isinstance(value, str) else None

        details: ConsoleMessageDetails | None = await details_of(method, params, ident,
                                                                 stringify)
        if details is not None:
            self.emit("console-message", Event(), details)

    def close(self) -> None:
        self._task.cancel()
        self._renderer_ids.close()
        for waiting in self._starting.values():
            for started in waiting:
                started.cancel()
        self._starting.clear()


def _info(version_id: int, version: _Version) -> ServiceWorkerInfo:
    return ServiceWorkerInfo(version.script_url, version.scope, version.render_process_id,
                             version_id)


def _check_id(version_id: object) -> None:
    if not isinstance(version_id, int) or isinstance(version_id, bool):
        raise TypeError(f"version_id must be an integer, not {version_id!r}")
