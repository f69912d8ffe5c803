"""One Partita process for bench/downloads.py: our engine, measured from inside.

``fetch URL FOLDER [options]``: download URL once and print one JSON line: seconds from
``download_url`` to ``done``, the process's CPU seconds in that interval (every thread),
VmRSS just before the request and the peak (VmHWM, reset just before the request), and how
long the session's first cookie lookup took (done before the clock starts).
``start URL FOLDER [options]``: download into a persistent partition and print ``progress N``
after each update (the bytes are then in the database); never exits by itself (it is killed).
``resume [options]``: restore that partition's downloads, resume the interrupted one, print
``[state, bytes restored, path]`` as JSON when it is done.

Options: ``--partition NAME`` (default ``bench``: in memory; ``persist:...`` keeps a
database), ``--segments N``, ``--min-segment BYTES``, ``--read-buffer BYTES``, ``--sync 0|1``
(unset: the engine's defaults).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core import app, session
from core.downloads.item import DownloadItem


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _session(options: argparse.Namespace) -> session.Session:
    ses = session.from_partition(options.partition)
    changes: dict[str, object] = {}
    if options.sync is not None:
        changes["sync"] = bool(options.sync)
    if options.segments is not None:
        changes["segments"] = options.segments
    if options.min_segment is not None:
        changes["min_segment_size"] = options.min_segment
    if options.read_buffer is not None:
        changes["read_buffer"] = options.read_buffer
    ses._downloads.configure(**changes)
    return ses


def _finished(item: DownloadItem) -> asyncio.Future[str]:
    done: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    def finished(_event: object, state: str) -> None:
        if not done.done():
            done.set_result(state)

    item.once("done", finished)
    return done


async def fetch(options: argparse.Namespace) -> None:
    ses = _session(options)
    ses.set_download_path(options.folder)
    # A session's first cookie lookup starts its DevTools page (once per session; an app in
    # use has done it already): timed apart, so the figures below are the transfer's.
    warm = time.perf_counter()
    await ses.cookies.get(url=options.url)
    warm = time.perf_counter() - warm
    rss_before = _status_kib("VmRSS")
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")  # VmHWM := VmRSS, so the peak below is the download's
    cpu, start = _cpu(), time.perf_counter()
    item = ses.download_url(options.url)
    assert item is not None
    state = await _finished(item)
    seconds, cpu = time.perf_counter() - start, _cpu() - cpu
    print(json.dumps({"state": state, "seconds": seconds, "cpu": cpu, "cold_cookies": warm,
                      "bytes": item.get_received_bytes(), "path": item.get_save_path(),
                      "rss_before_kib": rss_before, "hwm_kib": _status_kib("VmHWM")}),
          flush=True)


async def start(options: argparse.Namespace) -> None:
    ses = _session(options)
    ses.set_download_path(options.folder)
    item = ses.download_url(options.url)
    assert item is not None
    item.on("updated", lambda _e, _s: print(f"progress {item.get_received_bytes()}", flush=True))
    await asyncio.Event().wait()


async def resume(options: argparse.Namespace) -> None:
    ses = _session(options)
    items = ses.get_downloads()
    interrupted = [i for i in items if i.get_state() == "interrupted"]
    if len(interrupted) != 1:
        raise RuntimeError(f"expected one interrupted download, found "
                           f"{[(i.get_state(), i.get_received_bytes()) for i in items]}")
    [item] = interrupted
    restored = item.get_received_bytes()
    done = _finished(item)
    item.resume()
    state = await asyncio.wait_for(done, 300)
    print(json.dumps([state, restored, item.get_save_path()]), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["fetch", "start", "resume"])
    parser.add_argument("url", nargs="?")
    parser.add_argument("folder", nargs="?")
    parser.add_argument("--partition", default="bench")
    parser.add_argument("--segments", type=int)
    parser.add_argument("--min-segment", type=int)
    parser.add_argument("--read-buffer", type=int)
    parser.add_argument("--sync", type=int, choices=[0, 1])
    options = parser.parse_args()
    app.create_application([])
    work = {"fetch": fetch, "start": start, "resume": resume}[options.mode]
    try:
        app.run(work(options))
    except Exception as error:  # reported on stdout: stderr is full of Chromium's noise
        print(json.dumps({"error": f"{type(error).__name__}: {error}"}), flush=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
