"""Downloads survive the app: the SQLite store, and a real kill -9 followed by a restart."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core import session
from core.downloads import store
from core.downloads.record import DownloadRecord, Segment
from tests.download_server import DownloadServer, finished, sha256

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def server() -> Iterator[DownloadServer]:
    running = DownloadServer()
    yield running
    running.close()


def test_a_persistent_session_stores_its_downloads(qapp, unique: str, server: DownloadServer,
                                                   run, tmp_path: Path) -> None:
    ses = session.from_partition(f"persist:dl-{unique}")
    ses.set_download_path(str(tmp_path))
    item = ses.download_url(server.url("/redirect/1?to=/files/st.bin?size=2000"))
    assert item is not None and run(finished(item)) == "completed"
    database = Path(ses.storage_path or "") / store.FILE_NAME
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    [again] = store.DownloadStore(str(database)).load()
    assert again.state == "completed" and again.received == 2000
    assert again.url_chain == item.get_url_chain() and again.save_path == item.get_save_path()
    assert again.etag == item.get_etag() and again.total == 2000


def test_an_in_memory_session_writes_no_database(qapp, unique: str, server: DownloadServer,
                                                 run, tmp_path: Path, data_dir: Path) -> None:
    before = set(data_dir.rglob(store.FILE_NAME))
    ses = session.from_partition(f"dl-{unique}")
    ses.set_download_path(str(tmp_path))
    item = ses.download_url(server.url("/files/m.bin?size=2000"))
    assert item is not None and run(finished(item)) == "completed"
    assert ses.get_downloads() == [item]
    assert set(data_dir.rglob(store.FILE_NAME)) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.bin"]


def test_loading_trusts_the_shorter_of_database_and_file(tmp_path: Path) -> None:
    database = str(tmp_path / store.FILE_NAME)
    part = tmp_path / "x.bin.part"
    part.write_bytes(b"a" * 700)
    saved = store.DownloadStore(database)
    record = DownloadRecord(url_chain=["http://h/x.bin"], save_path=str(tmp_path / "x.bin"),
                            segments=[Segment(0, 500, 500), Segment(500, 1000, 400)],
                            headers={"Authorization": "Bearer t", "X-Keep": "1"})
    saved.save(record)
    saved.close()
    [loaded] = store.DownloadStore(database).load()
    assert loaded.state == "interrupted" and loaded.reason
    assert [(s.start, s.end, s.done) for s in loaded.segments] == [(0, 500, 500), (500, 1000, 200)]
    assert loaded.headers == {"X-Keep": "1"}  # secrets never reach the file


def _env(data: Path) -> dict[str, str]:
    env = dict(os.environ, PARTITA_DATA_DIR=str(data), QT_QPA_PLATFORM="offscreen")
    env.pop("XDG_DATA_HOME", None)
    env.pop("PARTITA_ORIGINAL_XDG_DATA_HOME", None)
    return env


KILLED_SIZE = 3_000_000


def _kill_mid_download(mode: str, server: DownloadServer,
                       tmp_path: Path) -> tuple[dict[str, str], int, int]:
    """A child (``mode``) downloads k.bin into ``tmp_path/out`` until 300 kB are acknowledged,
    then kill -9: returns (the children's environment, bytes the database had acknowledged,
    bytes in the .part file)."""
    url = server.url(f"/files/k.bin?size={KILLED_SIZE}&rate=1000000")
    out = tmp_path / "out"
    out.mkdir()
    env = _env(tmp_path / "data")
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.download_child", mode, "persist:kill", url, str(out)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    acknowledged = 0
    try:
        assert child.stdout is not None
        for line in child.stdout:  # blocks until the child reports; ends if it dies
            if line.startswith("progress "):
                acknowledged = int(line.split()[1])
                if acknowledged >= 300_000:
                    break
        part = out / "k.bin.part"
        assert part.stat().st_size >= acknowledged > 0
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    return env, acknowledged, part.stat().st_size


def _child(env: dict[str, str], *args: str) -> list[Any]:
    """Run a child to its end; its last lines of JSON."""
    done = subprocess.run([sys.executable, "-m", "tests.download_child", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return [json.loads(line) for line in done.stdout.strip().splitlines()]


@pytest.mark.slow
def test_kill_9_mid_download_then_a_restart_resumes_byte_exact(
        server: DownloadServer, tmp_path: Path) -> None:
    env, acknowledged, on_disk = _kill_mid_download("start", server, tmp_path)
    listed, result = _child(env, "resume", "persist:kill")[-2:]
    [[state, received, path]] = listed
    assert state == "interrupted"
    assert acknowledged <= received <= on_disk
    assert path == str(tmp_path / "out" / "k.bin")
    assert result == ["completed", sha256("k.bin", 1, KILLED_SIZE)]
    resumed = server.requests("/files/k.bin")[-1].headers
    assert resumed["range"] == f"bytes={received}-{KILLED_SIZE - 1}"
    assert resumed["if-range"] == '"k.bin-v1"'


@pytest.mark.slow
def test_with_auto_resume_a_killed_download_continues_by_itself(
        server: DownloadServer, tmp_path: Path) -> None:
    # The first child turns the partition's auto-resume on; the second resumes nothing itself.
    env, _acknowledged, _on_disk = _kill_mid_download("start-auto", server, tmp_path)
    listed, result = _child(env, "wait", "persist:kill")[-2:]
    assert [state for state, _received, _path in listed] == ["interrupted"]
    assert result == ["completed", sha256("k.bin", 1, KILLED_SIZE)]
    assert server.requests("/files/k.bin")[-1].headers["range"].startswith("bytes=")


def test_removed_downloads_stay_removed_after_a_restart(server: DownloadServer,
                                                        tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    env = _env(tmp_path / "data")
    urls = [server.url("/files/first.txt?size=1000"), server.url("/files/second.txt?size=2000"),
            server.url("/auth/locked.bin?size=10")]  # 401: interrupted, not "finished"
    _child(env, "forget", "persist:forget", str(out), *urls)  # remove first, clear finished
    [listed] = _child(env, "list", "persist:forget")
    assert listed == [["interrupted", urls[2]]]
    assert sorted(p.name for p in out.iterdir()) == ["first.txt", "second.txt"]  # files stay
