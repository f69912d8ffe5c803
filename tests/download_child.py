"""A separate Partita process for the kill -9 test.

``start PARTITION URL FOLDER``: download URL, print ``progress <bytes>`` after each update
(the bytes are then in the database), never exit by itself.
``resume PARTITION``: print the restored downloads as JSON, resume the first one, print its
final state and the file's SHA-256 as JSON.
``start-auto`` is ``start`` with the partition's auto-resume turned on first; ``wait PARTITION``
opens the partition, resumes nothing itself, and prints as ``resume`` does.
``forget PARTITION FOLDER URL...``: download each URL to its end, remove the first download,
clear the finished ones, exit. ``list PARTITION``: print the downloads as JSON.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from core import app, session
from tests.download_server import finished


async def start(partition: str, url: str, folder: str, auto_resume: bool = False) -> None:
    ses = session.from_partition(partition)
    ses.set_download_auto_resume(auto_resume)
    ses.set_download_path(folder)
    item = ses.download_url(url)
    assert item is not None
    item.on("updated", lambda _e, _s: print(f"progress {item.get_received_bytes()}", flush=True))
    await asyncio.Event().wait()


async def resume(partition: str, by_itself: bool = False) -> None:
    ses = session.from_partition(partition)
    items = ses.get_downloads()
    print(json.dumps([[i.get_state(), i.get_received_bytes(), i.get_save_path()]
                      for i in items]), flush=True)
    item = items[0]
    done: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    item.once("done", lambda _e, state: done.set_result(state))
    if not by_itself:
        item.resume()
    state = await asyncio.wait_for(done, 60)
    digest = hashlib.sha256(Path(item.get_save_path()).read_bytes()).hexdigest()
    print(json.dumps([state, digest]), flush=True)


async def forget(partition: str, folder: str, *urls: str) -> None:
    ses = session.from_partition(partition)
    ses.set_download_path(folder)
    for url in urls:
        item = ses.download_url(url)
        await finished(item)
    ses.remove_download(ses.get_downloads()[0])
    ses.clear_finished_downloads()


async def listing(partition: str) -> None:
    ses = session.from_partition(partition)
    print(json.dumps([[i.get_state(), i.get_url()] for i in ses.get_downloads()]), flush=True)


MODES = {
    "start": start,
    "start-auto": lambda *args: start(*args, auto_resume=True),
    "resume": resume,
    "wait": lambda partition: resume(partition, by_itself=True),
    "forget": forget,
    "list": listing,
}

if __name__ == "__main__":
    app.create_application([])
    mode, *args = sys.argv[1:]
    app.run(MODES[mode](*args))
