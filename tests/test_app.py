"""core.app: start-up, privileged schemes, the data folder, the environment of launched programs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core import app
from core.errors import NotSupportedError

ROOT = Path(__file__).resolve().parent.parent

SCHEMES_CHILD = r"""
from core import app
app.register_schemes_as_privileged([
    {"scheme": "app", "privileges": {"standard": True, "secure": True,
                                     "support_fetch_api": True, "cors_enabled": True}},
    {"scheme": "plain", "privileges": {}},
])
qapp = app.create_application([])
assert app.create_application(["ignored"]) is qapp
from PyQt6.QtWebEngineCore import QWebEngineUrlScheme as S
scheme = S.schemeByName(b"app")
flags = scheme.flags()
print(scheme.syntax() == S.Syntax.Host, bool(flags & S.Flag.SecureScheme),
      bool(flags & S.Flag.FetchApiAllowed), bool(flags & S.Flag.CorsEnabled),
      bool(flags & S.Flag.ServiceWorkersAllowed),
      S.schemeByName(b"plain").syntax() == S.Syntax.Path)
"""


def test_privileged_schemes_reach_qtwebengine(tmp_path: Path) -> None:
    env = dict(os.environ, PARTITA_DATA_DIR=str(tmp_path), QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", SCHEMES_CHILD], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr[-1500:]
    assert done.stdout.split() == ["True", "True", "True", "True", "False", "True"]


def test_bad_scheme_entries_are_refused_by_name(qapp) -> None:
    with pytest.raises(ValueError, match="'bad scheme'"):
        app.register_schemes_as_privileged([{"scheme": "bad scheme"}])
    with pytest.raises(ValueError, match="unknown privilege 'teleport'"):
        app.register_schemes_as_privileged([{"scheme": "x", "privileges": {"teleport": True}}])
    with pytest.raises(TypeError, match="'secure' must be a bool"):
        app.register_schemes_as_privileged([{"scheme": "x", "privileges": {"secure": "yes"}}])
    with pytest.raises(NotSupportedError, match="code cache"):
        app.register_schemes_as_privileged([{"scheme": "x", "privileges": {"code_cache": True}}])
    assert "x" not in app.privileged_schemes()


def test_schemes_cannot_be_registered_after_start(qapp) -> None:
    with pytest.raises(RuntimeError, match="before create_application"):
        app.register_schemes_as_privileged([{"scheme": "late"}])
    assert "late" not in app.privileged_schemes()


def test_create_application_is_idempotent(qapp) -> None:
    assert app.create_application([]) is qapp


def test_data_dir_follows_the_environment(qapp, data_dir: Path) -> None:
    assert str(data_dir) == os.environ["PARTITA_DATA_DIR"]
    assert app.engine_profiles_dir().is_relative_to(data_dir)


def test_launched_programs_get_the_users_environment(qapp) -> None:
    env = app.user_environment()
    assert env.get("XDG_DATA_HOME", "") == os.environ["PARTITA_ORIGINAL_XDG_DATA_HOME"]
    assert "PARTITA_ORIGINAL_XDG_DATA_HOME" not in env
