"""Single instance per data folder, with real processes: hand-off, stale sockets, isolation."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from core.single_instance import SingleInstance

ROOT = Path(__file__).resolve().parent.parent

# The first instance: claims, says so, prints every message it is handed and stops after
# `count` of them.
FIRST = """
    import json, sys
    sys.path.insert(0, {root!r})
    from PyQt6.QtCore import QCoreApplication
    from core.single_instance import SingleInstance

    app = QCoreApplication([])
    guard = SingleInstance({data!r})
    print("claimed" if guard.claim() else "not first", flush=True)
    seen = []

    def received(message):
        print(json.dumps(message), flush=True)
        seen.append(message)
        if len(seen) == {count}:
            app.quit()

    guard.message_received.connect(received)
    app.exec()
"""

# A second launch: no event loop, as in `partita URL` before the QApplication exists.
SECOND = """
    import sys
    sys.path.insert(0, {root!r})
    from core.single_instance import SingleInstance

    guard = SingleInstance({data!r})
    if guard.claim():
        print("claimed")
        sys.exit(3)
    sys.exit(0 if guard.send({message!r}) else 1)
"""


def _python(template: str, **values: object) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(template).format(root=str(ROOT), **values)]


def _start_first(data: Path, count: int = 1) -> subprocess.Popen[str]:
    first = subprocess.Popen(
        _python(FIRST, data=str(data), count=count),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert first.stdout is not None
    assert first.stdout.readline().strip() == "claimed"
    return first


def _second(data: Path, message: Mapping[str, object]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _python(SECOND, data=str(data), message=message),
        capture_output=True, text=True, timeout=30,
    )


@pytest.fixture
def runtime_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private XDG_RUNTIME_DIR, so no test meets a real Partita's socket (short: socket
    addresses are limited to 107 bytes)."""
    runtime = Path(tempfile.mkdtemp(prefix="pt-run-"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    yield runtime
    shutil.rmtree(runtime)


@pytest.mark.slow
def test_second_launch_hands_its_url_to_the_first(tmp_path: Path, runtime_dir: Path) -> None:
    data = tmp_path / "data"
    first = _start_first(data, count=2)
    try:
        message = {"url": "https://example.org/a?b=c", "partition": "persist:work"}
        started = time.monotonic()
        second = _second(data, message)
        assert second.returncode == 0, second.stderr
        assert time.monotonic() - started < 5
        assert _second(data, {"url": None, "partition": None}).returncode == 0
        out, err = first.communicate(timeout=30)
        assert first.returncode == 0, err
        lines = [json.loads(line) for line in out.splitlines()]
        assert lines == [message, {"url": None, "partition": None}]
    finally:
        first.kill()
        first.wait()


@pytest.mark.slow
def test_stale_socket_after_sigkill_is_replaced(tmp_path: Path, runtime_dir: Path) -> None:
    data = tmp_path / "data"
    first = _start_first(data)
    guard = SingleInstance(data)
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    assert os.path.exists(guard.socket_path), "SIGKILL should leave the socket file behind"
    second = _start_first(data)
    try:
        assert _second(data, {"url": "https://after.crash/"}).returncode == 0
        out, _ = second.communicate(timeout=30)
        assert json.loads(out) == {"url": "https://after.crash/"}
    finally:
        second.kill()
        second.wait()


def test_two_data_folders_are_two_instances(tmp_path: Path, runtime_dir: Path, qapp) -> None:  # type: ignore[no-untyped-def]
    one = SingleInstance(tmp_path / "one")
    two = SingleInstance(tmp_path / "two")
    again = SingleInstance(tmp_path / "one")
    try:
        assert one.claim()
        assert two.claim()
        assert one.socket_path != two.socket_path
        assert not again.claim()
        assert os.stat(one.socket_path).st_mode & 0o077 == 0
    finally:
        one.close()
        two.close()
    assert again.claim()
    again.close()


def test_the_same_folder_by_another_spelling_is_the_same_instance(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "data")
    plain = SingleInstance(tmp_path / "data")
    assert SingleInstance(tmp_path / "link").socket_path == plain.socket_path
    assert SingleInstance(f"{tmp_path}/./data/").socket_path == plain.socket_path


def test_a_runtime_folder_too_long_for_a_socket_falls_back_to_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deep = tmp_path / ("d" * 100)
    deep.mkdir()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(deep))
    guard = SingleInstance(tmp_path / "data")
    assert Path(guard.socket_path).parent == Path(tempfile.gettempdir())
    assert len(guard.socket_path) <= 107


@pytest.mark.usefixtures("runtime_dir")
def test_claiming_before_the_application_exists_is_refused(tmp_path: Path) -> None:
    # A child without a QApplication: it would win the lock but could not serve.
    script = """
        import sys
        sys.path.insert(0, {root!r})
        from core.single_instance import SingleInstance
        guard = SingleInstance({data!r})
        try:
            guard.claim()
        except RuntimeError as error:
            print(error)
        print(SingleInstance({data!r}).send({{"url": "x"}}, timeout=0.2))
    """
    result = subprocess.run(
        _python(script, data=str(tmp_path)), capture_output=True, text=True, timeout=30
    )
    assert result.stdout.splitlines() == [
        "SingleInstance.claim() needs the application: call core.app.create_application() first",
        "False",
    ], result.stderr


def test_send_without_a_first_instance_fails_fast(tmp_path: Path, runtime_dir: Path) -> None:
    started = time.monotonic()
    assert SingleInstance(tmp_path / "nobody").send({"url": "x"}, timeout=0.3) is False
    assert time.monotonic() - started < 2
    with pytest.raises(TypeError, match="dict"):
        SingleInstance(tmp_path).send(["not", "a", "dict"])  # type: ignore[arg-type]
