"""Atomic settings files: a crash in the middle of a write leaves the old file or the new one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from core.atomic_file import read_json, write_atomic, write_json

ROOT = Path(__file__).resolve().parent.parent
SIZE = 32 * 1024 * 1024  # large enough that the kill lands inside a write


def _child(code: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code)]


def _temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_write_and_read_back(tmp_path: Path) -> None:
    target = tmp_path / "settings.json"
    assert read_json(target, {"fresh": True}) == {"fresh": True}
    write_json(target, {"proxy": "direct", "name": "Ünïcode"})
    assert read_json(target, None) == {"proxy": "direct", "name": "Ünïcode"}
    write_atomic(target, b"[1, 2]")
    assert read_json(target, None) == [1, 2]
    assert _temp_files(tmp_path) == []


def test_new_file_is_private_and_existing_mode_is_kept(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.json"
    write_atomic(fresh, "{}")
    assert fresh.stat().st_mode & 0o777 == 0o600
    shared = tmp_path / "shared.json"
    shared.write_text("{}")
    shared.chmod(0o644)
    write_atomic(shared, "[]")
    assert shared.stat().st_mode & 0o777 == 0o644


def test_bad_data_raises_and_changes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "settings.json"
    target.write_text('{"old": 1}')
    with pytest.raises(TypeError, match="dict"):
        write_atomic(target, {"not": "bytes"})  # type: ignore[arg-type]
    assert target.read_text() == '{"old": 1}'
    assert _temp_files(tmp_path) == []


def test_corrupt_json_names_the_file(tmp_path: Path) -> None:
    target = tmp_path / "broken.json"
    target.write_bytes(b'{"half": ')
    with pytest.raises(ValueError, match=r"broken\.json"):
        read_json(target, {})
    target.write_bytes(b"\xff\xfe")
    with pytest.raises(ValueError, match=r"broken\.json"):
        read_json(target, {})


def test_error_in_the_middle_of_a_write_keeps_the_old_file(tmp_path: Path) -> None:
    """A real mid-write failure: the file size limit makes write() fail after 1 MiB."""
    target = tmp_path / "settings.json"
    write_atomic(target, "old")
    script = f"""
        import resource, signal, sys
        sys.path.insert(0, {str(ROOT)!r})
        from core.atomic_file import write_atomic
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a fatal signal
        resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))
        try:
            write_atomic({str(target)!r}, b"n" * (4 << 20))
        except OSError as error:
            print("failed", error.errno)
    """
    result = subprocess.run(_child(script), capture_output=True, text=True, timeout=60)
    assert result.stdout.startswith("failed"), result.stderr
    assert target.read_text() == "old"
    assert _temp_files(tmp_path) == []


@pytest.mark.slow
def test_kill_9_during_writes_never_leaves_a_mix(tmp_path: Path) -> None:
    """A child rewrites a large file over and over; SIGKILL lands while a temp file is written."""
    target = tmp_path / "big.bin"
    old = b"o" * SIZE
    write_atomic(target, old)
    script = f"""
        import itertools, sys
        sys.path.insert(0, {str(ROOT)!r})
        from core.atomic_file import write_atomic
        for fill in itertools.cycle((b"a", b"b")):
            write_atomic({str(target)!r}, fill * {SIZE})
    """
    child = subprocess.Popen(_child(script))
    try:
        deadline = time.monotonic() + 30
        seen_partial = False
        while not seen_partial and time.monotonic() < deadline:
            for temp in _temp_files(tmp_path):
                try:
                    seen_partial = 0 < temp.stat().st_size < SIZE
                except FileNotFoundError:
                    continue
                if seen_partial:
                    break
        assert seen_partial, "never caught the child in the middle of a write"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=10)
    content = target.read_bytes()
    assert len(content) == SIZE
    assert content in (old, b"a" * SIZE, b"b" * SIZE)


def test_write_json_is_read_back_by_plain_json(tmp_path: Path) -> None:
    target = tmp_path / "s.json"
    write_json(target, {"a": [1, 2]})
    assert json.loads(target.read_text("utf-8")) == {"a": [1, 2]}
