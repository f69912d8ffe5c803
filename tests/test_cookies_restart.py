"""Persistent cookies survive an app restart, session cookies do not: two real processes.

Also the child: ``python -m tests.test_cookies_restart write|read|flush PARTITION URL``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.servers import HttpServer

ROOT = Path(__file__).resolve().parent.parent


def _child(data: Path, *args: str) -> object:
    env = dict(os.environ, PARTITA_DATA_DIR=str(data), QT_QPA_PLATFORM="offscreen")
    done = subprocess.run(
        [sys.executable, "-m", "tests.test_cookies_restart", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_persistent_cookies_survive_a_restart(tmp_path: Path, http_server: HttpServer) -> None:
    url = http_server.url("/set-cookie?c=server%3D1")
    assert _child(tmp_path, "write", "persist:jar", url) == "written"
    assert _child(tmp_path, "read", "persist:jar", url) == [
        ["api_persistent", "1", False], ["page_persistent", "1", False], ["server", "1", False],
    ]
    assert _child(tmp_path, "read", "persist:other", url) == []


@pytest.mark.slow
def test_flush_store_returns_once_the_cookie_is_on_disk(tmp_path: Path,
                                                        http_server: HttpServer) -> None:
    database = _child(tmp_path, "flush", "persist:flushed", http_server.url("/page"))
    assert isinstance(database, str)
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        rows = connection.execute("SELECT name FROM cookies").fetchall()
    assert rows == [("flushed",)]


async def _main(mode: str, partition: str, url: str) -> object:
    from core import session
    from core.web_contents import WebContents

    ses = session.from_partition(partition)
    if mode == "write":
        contents = WebContents(ses)
        await contents.load_url(url)
        await contents.execute_javascript(
            "document.cookie = 'page_persistent=1; max-age=86400';"
            "document.cookie = 'page_session=1'")
        await ses.cookies.set(url=url, name="api_persistent", value="1",
                              expiration_date=time.time() + 86400)
        await ses.cookies.set(url=url, name="api_session", value="1")
        return "written"  # closing the partition at exit writes the jar out
    if mode == "flush":
        await ses.cookies.set(url=url, name="flushed", value="1",
                              expiration_date=time.time() + 86400)
        await ses.cookies.flush_store()
        return str(Path(str(ses.storage_path)) / "Cookies")
    return sorted([c.name, c.value, c.session] for c in await ses.cookies.get())


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from core import app

    app.create_application([])
    print(json.dumps(app.run(_main(*sys.argv[1:4]))), flush=True)
