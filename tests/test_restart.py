"""What a partition keeps across an app restart: two real processes on one data folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import HttpServer

ROOT = Path(__file__).resolve().parent.parent


def _child(data: Path, *args: str) -> object:
    env = dict(os.environ, PARTITA_DATA_DIR=str(data), QT_QPA_PLATFORM="offscreen")
    env.pop("XDG_DATA_HOME", None)
    env.pop("PARTITA_ORIGINAL_XDG_DATA_HOME", None)
    done = subprocess.run(
        [sys.executable, "-m", "tests.persist_child", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=90, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.mark.slow
def test_persistent_partition_keeps_its_data_across_a_restart(tmp_path: Path,
                                                              http_server: HttpServer) -> None:
    url = http_server.url("/page")
    _child(tmp_path, "write", "persist:kept", url)
    kept, cookies = _child(tmp_path, "read", "persist:kept", url)  # type: ignore[misc]
    assert kept == "yes"
    assert cookies == "persistent=1"  # the session cookie is gone, as after a browser restart
    other = _child(tmp_path, "read", "persist:other", url)
    assert other == [None, ""]


@pytest.mark.slow
def test_in_memory_partition_leaves_no_files(tmp_path: Path, http_server: HttpServer) -> None:
    url = http_server.url("/page")
    _child(tmp_path, "write", "persist:warm", url)  # the engine's own folders exist already
    before = _files(tmp_path)
    assert _child(tmp_path, "write", "scratch", url) is True
    assert _child(tmp_path, "read", "scratch", url) == [None, ""]
    assert _files(tmp_path) - before == set()
