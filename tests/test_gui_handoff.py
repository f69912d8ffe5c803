"""A second ``partita`` launch hands its URL to the running window and exits."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.servers import HttpServer

ROOT = Path(__file__).resolve().parent.parent


def _tabs(state_file: Path, partition: str) -> list[str]:
    try:
        state = json.loads(state_file.read_text("utf-8"))
    except (OSError, ValueError):
        return []
    return next((entry.get("tabs", []) for entry in state["partitions"]
                 if entry["name"] == partition), [])


@pytest.mark.slow
def test_second_launch_opens_its_url_in_the_first_window(tmp_path: Path,
                                                         http_server: HttpServer) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("PARTITA_DATA_DIR", None)
    data = ["--data-dir", str(tmp_path)]
    first = subprocess.Popen([sys.executable, "-m", "gui", *data], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        state_file = tmp_path / "window-state.json"
        deadline = time.monotonic() + 60
        while not state_file.exists():  # the first window has saved its state: it serves
            assert first.poll() is None, first.stderr.read().decode()[-2000:]  # type: ignore[union-attr]
            assert time.monotonic() < deadline
            time.sleep(0.05)
        url = http_server.url("/page?title=Handed")
        second = subprocess.run(
            [sys.executable, "-m", "gui", *data, url, "--partition", "persist:handed"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False)
        assert second.returncode == 0, second.stderr[-2000:]
        while url not in _tabs(state_file, "persist:handed"):
            assert time.monotonic() < deadline, "the first window never opened the URL"
            time.sleep(0.05)
        assert first.poll() is None  # still the one window
    finally:
        first.send_signal(signal.SIGTERM)
        # SIGTERM closes the window cleanly (sessions written out), exit code 0
        assert first.wait(timeout=30) == 0
