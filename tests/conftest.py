"""Test set-up: one QApplication created by core.app, offscreen, with a throw-away data folder."""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

# Before anything imports Qt: no display in CI, and every persistent partition of this test
# process lives in a folder that is removed afterwards.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_DATA = tempfile.TemporaryDirectory(prefix="partita-tests-")
os.environ["PARTITA_DATA_DIR"] = _DATA.name

from PyQt6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler  # noqa: E402

from core import app  # noqa: E402
from tests.dns_server import DnsServer  # noqa: E402
from tests.servers import HttpServer  # noqa: E402

# Qt warnings fail the test that caused them. pytest-qt's own capture is off (--no-qt-log in
# pyproject): it swaps its handler per test, and QtWebEngine logging from its own threads at that
# moment calls a handler that is already gone ("'NoneType' object is not callable"). One handler
# for the whole run has no such race.
_ENVIRONMENT_NOISE = re.compile(
    r"QRhiGles2|Failed to create RHI|GPUInfo|Failed to connect to the bus|"
    r"Detected locale|QStandardPaths: XDG_RUNTIME_DIR|"
    # The offscreen platform plugin does not implement this; every top-level window whose
    # minimum size changes once shown (any QMainWindow with a layout) logs it.
    r"This plugin does not support propagateSizeHints"
)
_qt_messages: list[tuple[QtMsgType, str]] = []


def _qt_message(kind: QtMsgType, context: QMessageLogContext, message: str | None) -> None:
    _qt_messages.append((kind, message or ""))


qInstallMessageHandler(_qt_message)


@pytest.fixture(autouse=True)
def no_qt_warnings() -> Iterator[None]:
    start = len(_qt_messages)
    yield
    bad = [
        text for kind, text in _qt_messages[start:]
        if kind != QtMsgType.QtDebugMsg and kind != QtMsgType.QtInfoMsg
        and not _ENVIRONMENT_NOISE.search(text)
    ]
    if bad:
        pytest.fail("Qt warnings during the test:\n" + "\n".join(bad))


@pytest.fixture(autouse=True)
def keep_the_qt_loop_current() -> Iterator[None]:
    """asyncio.run() (the router's own tests) leaves the thread with no current loop; the
    Qt loop must stay current for what core schedules from Qt callbacks between tests."""
    yield
    if app._state["loop"] is not None:
        asyncio.set_event_loop(app.loop())


@pytest.fixture(scope="session")
def qapp_cls() -> type:
    from PyQt6.QtWidgets import QApplication

    return QApplication


@pytest.fixture(scope="session")
def qapp(qapp_args: list[str]):  # type: ignore[no-untyped-def]
    """pytest-qt's application, created the way Partita creates it."""
    return app.create_application(["partita-tests"])


@pytest.fixture(scope="session")
def data_dir(qapp) -> Path:  # type: ignore[no-untyped-def]
    return app.data_dir()


@pytest.fixture
def http_server() -> Iterator[HttpServer]:
    server = HttpServer()
    yield server
    server.close()


@pytest.fixture
def dns_server() -> Iterator[DnsServer]:
    """A DNS server on 127.0.0.1 to point a session's resolver at (tests/dns_server.py)."""
    server = DnsServer()
    yield server
    server.close()


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A test CA and two server certificates for 127.0.0.1 (tests/tls_servers.py)."""
    from tests.tls_servers import make_pki

    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def https_server(pki):  # type: ignore[no-untyped-def]
    """tests/servers.py's routes over TLS, with a certificate of the test CA."""
    from tests.tls_servers import HttpsServer

    server = HttpsServer(pki.leaf)
    yield server
    server.close()


@pytest.fixture
def unique() -> str:
    """A partition name no other test uses (sessions live as long as the process)."""
    return uuid.uuid4().hex[:12]


@pytest.fixture
def run(qapp):  # type: ignore[no-untyped-def]
    """Run a coroutine to completion on the Qt loop."""
    return app.run


@pytest.fixture(scope="session")
def os_keyring() -> Iterator[None]:
    """The real keyring (gnome-keyring on this run's private D-Bus session, unlocked)."""
    from tests.keyring_daemon import running_keyring

    with running_keyring():
        yield
