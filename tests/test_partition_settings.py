"""A partition's settings: kept across a kill -9 on disk, never on disk for in-memory ones."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from core import session
from core.partition_settings import FILE_NAME, PartitionSettings

_WRITER = """
import os, sys
from pathlib import Path
from core.partition_settings import PartitionSettings
settings = PartitionSettings(Path(sys.argv[1]))
settings.set("proxy", {"mode": "fixed_servers", "proxy_rules": "http=upstream:3128"})
print("written", flush=True)
os.kill(os.getpid(), 9)
"""


def test_a_setting_survives_kill_9_right_after_set(tmp_path: Path) -> None:
    child = subprocess.run([sys.executable, "-c", _WRITER, str(tmp_path)],
                           capture_output=True, text=True, timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert child.stdout.strip() == "written"
    assert PartitionSettings(tmp_path).get("proxy") == {
        "mode": "fixed_servers", "proxy_rules": "http=upstream:3128"}


def test_bad_values_are_refused_and_leave_the_old_one(tmp_path: Path) -> None:
    settings = PartitionSettings(tmp_path)
    settings.set("latency", 20)
    with pytest.raises(ValueError, match=r"'latency'.*not JSON"):
        settings.set("latency", object())
    with pytest.raises(ValueError, match=r"'latency'.*not JSON"):
        settings.set("latency", float("nan"))
    with pytest.raises(ValueError, match="non-empty string"):
        settings.set("", 1)
    assert settings.get("latency") == 20
    settings.delete("latency")
    assert settings.get("latency", "gone") == "gone"
    settings.close()
    assert PartitionSettings(tmp_path).get("latency") is None


def _settings_files() -> set[str]:
    return {os.path.join(root, FILE_NAME)
            for root, _, files in os.walk(os.environ["PARTITA_DATA_DIR"]) if FILE_NAME in files}


def test_sessions_keep_settings_in_their_folder_or_nowhere(qapp, unique: str) -> None:  # type: ignore[no-untyped-def]
    persistent = session.from_partition(f"persist:{unique}")
    persistent.settings.set("k", [1, 2])
    assert persistent.storage_path is not None
    assert (Path(persistent.storage_path) / FILE_NAME).is_file()

    before = _settings_files()
    memory = session.from_partition(unique)
    memory.settings.set("k", "v")
    assert not memory.settings.is_persistent
    assert memory.settings.get("k") == "v"
    assert _settings_files() == before
