"""ses.service_workers against a real service worker served by a local server (127.0.0.1 is a
secure context, so pages there may register workers)."""

from __future__ import annotations

from typing import Any

import pytest

from core import session
from core.errors import NotSupportedError
from core.service_worker_console import ConsoleMessageDetails
from core.service_worker_processes import client_id_of
from core.service_workers import ServiceWorkerInfo
from core.web_contents import WebContents
from tests.download_server import until
from tests.servers import HttpServer

REGISTER = "navigator.serviceWorker.register('/sw.js').then(r => r.scope)"
POST = "navigator.serviceWorker.ready.then(r => { r.active.postMessage(%r); return true; })"


async def _registered(ses: session.Session, server: HttpServer) -> tuple[WebContents, int]:
    """A page of ``server`` whose worker is running; the worker's version id."""
    page = WebContents(ses)
    await page.load_url(server.url("/page"))
    assert await page.execute_javascript(REGISTER) == server.url("/")
    await until(lambda: ses.service_workers.get_all_running(), timeout=10)
    (version_id,) = ses.service_workers.get_all_running()
    return page, version_id


async def _worker_targets(ses: session.Session) -> list[dict[str, Any]]:
    own = (await ses.devtools.send("Target.getTargetInfo"))["targetInfo"]["browserContextId"]
    targets = (await ses.devtools.send("Target.getTargets"))["targetInfos"]
    return [t for t in targets
            if t["type"] == "service_worker" and t["browserContextId"] == own]


def test_a_registered_worker_is_listed_with_its_renderer(
    run, unique: str, http_server: HttpServer  # type: ignore[no-untyped-def]
) -> None:
    ses = session.from_partition(unique)
    workers = ses.service_workers
    seen: list[Any] = []
    workers.on("registration-completed", lambda event, details: seen.append(details.scope))
    workers.on("running-status-changed",
               lambda details: seen.append((details.version_id, details.running_status)))

    async def scenario() -> tuple[int, int, dict[int, ServiceWorkerInfo]]:
        page, version_id = await _registered(ses, http_server)
        return version_id, page.page.renderProcessPid(), workers.get_all_running()

    version_id, page_pid, running = run(scenario())
    info = ServiceWorkerInfo(script_url=http_server.url("/sw.js"), scope=http_server.url("/"),
                             render_process_id=client_id_of(page_pid), version_id=version_id)
    # Chromium puts a site's worker into the process of the site's open page; the id is
    # Chromium's virtual one (as webContents.getProcessId()), not the OS pid.
    assert info.render_process_id > 0
    assert running == {version_id: info}
    assert workers.get_info_from_version_id(version_id) == info
    # Chromium starts the worker and completes the registration concurrently: no fixed order.
    assert sorted(seen, key=str) == [(version_id, "running"), (version_id, "starting"),
                                     http_server.url("/")]
    assert seen.index((version_id, "starting")) < seen.index((version_id, "running"))
    with pytest.raises(ValueError, match="Could not find service worker with that version_id"):
        workers.get_info_from_version_id(version_id + 1000)
    with pytest.raises(TypeError, match="version_id must be an integer"):
        workers.get_info_from_version_id("0")  # type: ignore[arg-type]
    with pytest.warns(DeprecationWarning, match="get_info_from_version_id"):
        assert workers.get_from_version_id(version_id) == info


def test_console_messages_of_a_worker(
    run, unique: str, http_server: HttpServer  # type: ignore[no-untyped-def]
) -> None:
    ses = session.from_partition(unique)
    messages: list[ConsoleMessageDetails] = []
    ses.service_workers.on("console-message", lambda event, details: messages.append(details))

    async def scenario() -> int:
        page, version_id = await _registered(ses, http_server)
        assert await page.execute_javascript(POST % "hello") is True
        assert await page.execute_javascript(POST % "throw") is True
        await until(lambda: len(messages) >= 5)
        return version_id

    version_id = run(scenario())
    script = http_server.url("/sw.js")
    assert messages == [
        # Logged while the worker started, before it could be attached: replayed.
        ConsoleMessageDetails("sw top 42 [object Object] 1,2 null true", version_id,
                              "console-api", 1, script, 1),
        ConsoleMessageDetails("sw warned", version_id, "console-api", 2, script, 2),
        ConsoleMessageDetails("sw got hello", version_id, "console-api", 0, script, 6),
        ConsoleMessageDetails("sw got throw", version_id, "console-api", 0, script, 6),
        ConsoleMessageDetails("Uncaught Error: boom", version_id, "javascript", 3, script, 7),
    ]


def test_console_listening_holds_the_worker_only_while_listened(
    run, unique: str, http_server: HttpServer  # type: ignore[no-untyped-def]
) -> None:
    # Chromium never stops an idle worker that DevTools is attached to: attached only while a
    # console-message listener exists.
    ses = session.from_partition(unique)
    workers = ses.service_workers

    def listener(event: object, details: object) -> None:
        return None

    async def scenario() -> list[bool]:
        await _registered(ses, http_server)
        attached = [(await _worker_targets(ses))[0]["attached"]]
        workers.on("console-message", listener)
        await until(lambda: bool(workers._attached))
        attached.append((await _worker_targets(ses))[0]["attached"])
        workers.off("console-message", listener)
        await until(lambda: not workers._attached)
        attached.append((await _worker_targets(ses))[0]["attached"])
        return attached

    assert run(scenario()) == [False, True, False]


def test_stopping_and_starting_a_worker_for_its_scope(
    run, unique: str, http_server: HttpServer  # type: ignore[no-untyped-def]
) -> None:
    ses = session.from_partition(unique)
    workers = ses.service_workers
    statuses: list[str] = []
    workers.on("running-status-changed", lambda details: statuses.append(details.running_status))

    async def scenario() -> None:
        _, version_id = await _registered(ses, http_server)
        await ses.devtools.send("ServiceWorker.stopAllWorkers")
        await until(lambda: statuses[-1:] == ["stopped"])
        assert workers.get_all_running() == {}
        with pytest.raises(ValueError):
            workers.get_info_from_version_id(version_id)
        # No trailing slash: normalised as Chromium's GURL does.
        worker = await workers.start_worker_for_scope(http_server.url(""))
        assert (worker.version_id, worker.scope, worker.script_url) == (
            version_id, http_server.url("/"), http_server.url("/sw.js"))
        assert not worker.is_destroyed()
        assert workers.get_worker_from_version_id(version_id) is worker
        assert list(workers.get_all_running()) == [version_id]
        with pytest.raises(NotSupportedError, match="preload"):
            worker.send("channel", 1)
        with pytest.raises(RuntimeError, match=r"Failed to start service worker\."):
            await workers.start_worker_for_scope(http_server.url("/elsewhere/"))
        with pytest.raises(TypeError, match="absolute URL"):
            await workers.start_worker_for_scope("sw.js")

    run(scenario())
    assert statuses == ["starting", "running", "stopping", "stopped", "starting", "running"]


def test_registering_again_completes_again(
    run, unique: str, http_server: HttpServer  # type: ignore[no-untyped-def]
) -> None:
    ses = session.from_partition(unique)
    scopes: list[str] = []
    ses.service_workers.on("registration-completed",
                           lambda event, details: scopes.append(details.scope))

    async def scenario() -> None:
        page, _ = await _registered(ses, http_server)
        assert await page.execute_javascript(REGISTER) == http_server.url("/")
        await until(lambda: len(scopes) == 2)

    run(scenario())
    assert scopes == [http_server.url("/")] * 2
