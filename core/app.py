"""The application object: QtWebEngine start-up, privileged schemes, the qasync loop.

Like Electron's ``app``, this module is also an event emitter (``app.on("session-created",
...)``); those events carry no ``Event`` object, as in Electron.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Coroutine, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PyQt6.QtCore import QCoreApplication, QStandardPaths, Qt
from PyQt6.QtWidgets import QApplication

from core.events import EventEmitter
from core.net import auth_allowlist

if TYPE_CHECKING:
    import asyncio

log = logging.getLogger("partita.app")

APP_NAME = "Partita"
DATA_DIR_ENV = "PARTITA_DATA_DIR"
# The user's own XDG_DATA_HOME, kept so that programs we launch get their real environment.
ORIGINAL_XDG_ENV = "PARTITA_ORIGINAL_XDG_DATA_HOME"
_FLAGS_ENV = "QTWEBENGINE_CHROMIUM_FLAGS"
_CLONE_NEWUSER = 0x10000000
_PROXY_FLAGS = ("--proxy-server", "--proxy-bypass-list", "--proxy-pac-url", "--no-proxy-server")

T = TypeVar("T")

_events = EventEmitter()
on = _events.on
once = _events.once
off = _events.off
emit = _events.emit

_state: dict[str, Any] = {"app": None, "loop": None, "data_dir": None}
_privileged: list[tuple[str, dict[str, bool]]] = []

# Electron's scheme privileges (snake_case) → names of QtWebEngine scheme flags (looked up
# when registering: see _register_with_qt).
_PRIVILEGE_FLAGS: Mapping[str, str] = {
    "secure": "SecureScheme",
    "bypass_csp": "ContentSecurityPolicyIgnored",
    "allow_service_workers": "ServiceWorkersAllowed",
    "support_fetch_api": "FetchApiAllowed",
    "cors_enabled": "CorsEnabled",
}
# "standard" chooses the URL syntax; "stream" has no flag because QtWebEngine reads every
# custom-scheme reply from a QIODevice, so media can always play from one.
_PRIVILEGE_OTHER = frozenset({"standard", "stream"})


def data_dir() -> Path:
    """Where persistent partitions and Partita's own state live (``PARTITA_DATA_DIR`` wins)."""
    if _state["data_dir"] is not None:
        return Path(_state["data_dir"])
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        path = Path(override).expanduser()
        if not path.is_absolute():
            raise ValueError(f"{DATA_DIR_ENV} must be an absolute path, not {override!r}")
        return path
    # Once create_application ran, XDG_DATA_HOME points into our folder; the user's value is
    # kept aside (and inherited by our own child processes).
    if ORIGINAL_XDG_ENV in os.environ:
        base = os.environ[ORIGINAL_XDG_ENV]
    else:
        base = os.environ.get("XDG_DATA_HOME", "")
    return Path(base or Path.home() / ".local" / "share") / APP_NAME.lower()


def engine_profiles_dir() -> Path:
    """Where QtWebEngine puts named profiles: ``<data_dir>/engine/Partita/QtWebEngine``.

    A profile must get its folder before it exists: ``setPersistentStoragePath()`` on a live
    profile breaks every later ``setExtensionEnabled`` (Qt 6.11 bug, research/extensions_spike.md)
    and PyQt6 cannot instantiate ``QWebEngineProfileBuilder``. Qt derives the folder from
    ``XDG_DATA_HOME``, so ``create_application`` points that variable into the data folder.
    """
    return data_dir() / "engine" / APP_NAME / "QtWebEngine"


def register_schemes_as_privileged(custom_schemes: Iterable[Mapping[str, Any]]) -> None:
    """Electron's ``protocol.registerSchemesAsPrivileged``; only before ``create_application``."""
    parsed: list[tuple[str, dict[str, bool]]] = []
    for entry in custom_schemes:
        scheme = entry.get("scheme") if isinstance(entry, Mapping) else None
        if not isinstance(scheme, str) or not scheme.isascii() or not scheme.isalnum():
            raise ValueError(f"invalid scheme in {entry!r}: must be ASCII letters and digits")
        privileges = dict(entry.get("privileges") or {})
        for key, value in privileges.items():
            if key not in _PRIVILEGE_FLAGS and key not in _PRIVILEGE_OTHER:
                if key == "code_cache":
                    from core.errors import NotSupportedError

                    raise NotSupportedError(
                        "privilege 'code_cache': QtWebEngine keeps no V8 code cache"
                    )
                raise ValueError(f"unknown privilege {key!r} for scheme {scheme!r}")
            if not isinstance(value, bool):
                raise TypeError(f"privilege {key!r} must be a bool, not {value!r}")
        parsed.append((scheme.lower(), privileges))
    if _state["app"] is not None:
        raise RuntimeError(
            "register_schemes_as_privileged must be called before create_application()"
        )
    _privileged.extend(parsed)


def privileged_schemes() -> dict[str, dict[str, bool]]:
    return {scheme: dict(privileges) for scheme, privileges in _privileged}


def _register_with_qt() -> None:
    if not _privileged:
        return
    # Imported only for custom schemes: otherwise QtWebEngine's large library loads with the
    # first profile, after the window's first frame (AA_ShareOpenGLContexts allows that).
    from PyQt6.QtWebEngineCore import QWebEngineUrlScheme

    for scheme, privileges in _privileged:
        qt_scheme = QWebEngineUrlScheme(scheme.encode())
        if privileges.get("standard"):
            qt_scheme.setSyntax(QWebEngineUrlScheme.Syntax.Host)
        else:
            qt_scheme.setSyntax(QWebEngineUrlScheme.Syntax.Path)
        flags = QWebEngineUrlScheme.Flag(0)
        for key, name in _PRIVILEGE_FLAGS.items():
            if privileges.get(key):
                flags |= QWebEngineUrlScheme.Flag[name]
        qt_scheme.setFlags(flags)
        QWebEngineUrlScheme.registerScheme(qt_scheme)


def _sandbox_usable() -> bool:
    """Chromium's sandbox needs a non-root user and unprivileged user namespaces.

    Probed in a forked child (research/pyinstaller_spike.md); must run before any thread exists.
    """
    if os.geteuid() == 0:
        return False
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        import ctypes  # only the child needs it: the parent's start-up is spared the import

        ok = ctypes.CDLL(None, use_errno=True).unshare(_CLONE_NEWUSER) == 0
        os._exit(0 if ok else 1)
    return os.waitpid(pid, 0)[1] == 0


def _chromium_flags() -> None:
    flags = os.environ.get(_FLAGS_ENV, "").split()
    wanted = []
    if os.environ.get("QTWEBENGINE_DISABLE_SANDBOX") != "1" and not _sandbox_usable():
        wanted.append("--no-sandbox")
    if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        wanted.append("--disable-gpu")  # offscreen has no GL; spares a failed GPU start-up
    if not any(flag.startswith(auth_allowlist.SWITCH) for flag in flags):
        wanted.extend(auth_allowlist.flags(data_dir()))
    flags.extend(flag for flag in wanted if flag not in flags)
    os.environ[_FLAGS_ENV] = " ".join(flags)


def _route_through_router() -> None:
    """Every profile goes through the router, which applies each session's own network policy
    (QtWebEngine has only one process-wide proxy). Without <-loopback>, Chromium would send
    127.0.0.1 and localhost around it.

    Chromium reads its flags when the first profile is created, not with the QApplication
    (measured), so this may run after the window's first paint. The sandbox probe of
    ``_chromium_flags`` must run before the router's thread exists.
    """
    # Imported here: the router and its asyncio server are not needed for the first frame.
    from core.net import router_service

    flags = os.environ.get(_FLAGS_ENV, "").split()
    proxy_flags = [flag for flag in flags if flag.startswith(_PROXY_FLAGS)]
    if proxy_flags:
        log.warning("ignoring %s: proxies are set per partition (Session.set_proxy)",
                    " ".join(proxy_flags))
        flags = [flag for flag in flags if flag not in proxy_flags]
    router = router_service.prepare()
    wanted = [f"--proxy-server={router.proxy_url}", "--proxy-bypass-list=<-loopback>"]
    flags.extend(flag for flag in wanted if flag not in flags)
    os.environ[_FLAGS_ENV] = " ".join(flags)


def create_application(argv: list[str] | None = None) -> QApplication:
    """Prepare QtWebEngine, create the QApplication and install the qasync loop. Idempotent."""
    app = start_qt(argv)
    finish_start_up()
    return app


def start_qt(argv: list[str] | None = None) -> QApplication:
    """Partita addition: the first half of ``create_application``, for a window that paints
    before the rest loads: the data folder, Chromium's flags, privileged schemes and the
    QApplication. Call ``finish_start_up()`` before creating a session or running a coroutine.
    Idempotent.
    """
    if _state["app"] is not None:
        app: QApplication = _state["app"]
        return app
    if QCoreApplication.instance() is not None:
        raise RuntimeError("a QApplication exists already; call create_application() first")
    root = data_dir()
    root.mkdir(parents=True, exist_ok=True)
    _state["data_dir"] = str(root)
    os.environ.setdefault(ORIGINAL_XDG_ENV, os.environ.get("XDG_DATA_HOME", ""))
    os.environ["XDG_DATA_HOME"] = str(root / "engine")
    _chromium_flags()
    _register_with_qt()
    QCoreApplication.setApplicationName(APP_NAME)
    QCoreApplication.setOrganizationName("")
    # QtWebEngine needs shared GL contexts when the QApplication is created before its
    # libraries load (the GUI loads them after its first frame; measured offscreen and on X11).
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    args = list(argv) if argv else [sys.argv[0] if sys.argv and sys.argv[0] else "partita"]
    app = QApplication(args)
    app.setApplicationName(APP_NAME)
    app.setDesktopFileName("partita")
    _state["app"] = app
    log.info("data folder %s, Qt data location %s", root,
             QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))
    return app


def finish_start_up() -> None:
    """Partita addition: the second half of ``create_application``: the router and the qasync
    loop. Idempotent; ``start_qt()`` must have run."""
    if _state["app"] is None:
        raise RuntimeError("finish_start_up() needs start_qt() first")
    if _state["loop"] is not None:
        return
    # Imported here: asyncio and qasync cost tens of milliseconds the first frame can do without.
    import asyncio

    import qasync

    _route_through_router()
    loop = qasync.QEventLoop(_state["app"])
    asyncio.set_event_loop(loop)
    _state["loop"] = loop


def loop() -> asyncio.AbstractEventLoop:
    if _state["loop"] is None:
        raise RuntimeError("create_application() has not been called")
    event_loop: asyncio.AbstractEventLoop = _state["loop"]
    return event_loop


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion on the Qt event loop."""
    return loop().run_until_complete(coro)


def user_environment() -> dict[str, str]:
    """The environment to give programs we launch: the user's, not the one we adjusted."""
    env = dict(os.environ)
    original = env.pop(ORIGINAL_XDG_ENV, "")
    if original:
        env["XDG_DATA_HOME"] = original
    else:
        env.pop("XDG_DATA_HOME", None)
    # PyInstaller's bootloader exports its library folder; restore what the user had.
    if "LD_LIBRARY_PATH_ORIG" in env:
        env["LD_LIBRARY_PATH"] = env.pop("LD_LIBRARY_PATH_ORIG")
    elif getattr(sys, "frozen", False):
        env.pop("LD_LIBRARY_PATH", None)
    return env
