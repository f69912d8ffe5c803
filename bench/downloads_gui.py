#!/usr/bin/env python3
"""The Downloads panel under load: the GUI thread's CPU share (goal <= 10 % of a core).

One session holds 10,000 finished downloads (real ``DownloadItem``s: created interrupted, then
cancelled) and 100 real HTTP downloads from a rate-limited local server (in a child process,
so its threads do not share our interpreter), each reporting progress four times a second.
The panel (offscreen, shown at 480x900, the active rows on screen) is bound to that session.

Our download engine runs on the GUI thread too (the server sends each download in 20 slices a
second: 2,000 readyRead wake-ups a second, read in batches, core/downloads/stream.py), so the
run measures both cases for
``--seconds`` each, alternating in ``--rounds`` slices: the downloads with the panel hidden and
bound to an empty partition, and with the panel shown and bound to the busy one. It prints the
main thread's CPU (``time.thread_time()`` over wall time) for both, and their difference, the
panel's own share, each against the goal.

Run: ``/work/venv/bin/python bench/downloads_gui.py [--seconds 10] [--finished 10000]
[--active 100]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

GOAL = 0.10
RATE = 40_000  # bytes per second per download: 100 of them write 4 MB/s


def serve() -> None:
    """Child mode: run the tests' download server until stdin closes."""
    from tests import download_server

    # socketserver listens with a backlog of 5: of 100 connections opened at once, the ones
    # whose SYN is dropped retry after 1, 3, 7, 15 ... s, and would start a minute late.
    download_server._Server.request_queue_size = 256
    server = download_server.DownloadServer()
    print(server.url(""), flush=True)
    sys.stdin.read()
    server.close()


async def cpu_share(seconds: float) -> float:
    """The main thread's CPU time over wall time, while the Qt loop runs for ``seconds``."""
    cpu, wall = time.thread_time(), time.monotonic()
    await asyncio.sleep(seconds)
    return (time.thread_time() - cpu) / (time.monotonic() - wall)


def counter() -> tuple[list[int], Callable[..., None]]:
    count = [0]

    def bump(*_: object) -> None:
        count[0] += 1

    return count, bump


async def run(args: argparse.Namespace, base: str, folder: str) -> None:
    from core import session
    from gui.panels_downloads import DownloadsPanel
    from gui.state import Kind, PartitionEntry

    ses = session.from_partition(f"bench-gui-{os.getpid()}")
    ses.set_download_path(folder)
    ses._downloads.configure(max_active=args.active, retries=0)

    started = time.monotonic()
    for number in range(args.finished):
        item = ses.create_interrupted_download(
            path=f"{folder}/old-{number}.bin", url_chain=[f"{base}/files/old-{number}.bin"],
            length=1000)
        assert item is not None
        item.cancel()
    print(f"{args.finished:,} finished items created in {time.monotonic() - started:.1f} s")

    events, count_event = counter()
    size = RATE * int(2 * args.seconds + 30)  # outlasts the measurements; cancelled after
    active = []
    for number in range(args.active):
        item = ses.download_url(f"{base}/files/live-{number}.bin?size={size}&rate={RATE}")
        assert item is not None
        item.on("updated", count_event)
        active.append(item)
    while sum(1 for item in active if item.get_received_bytes() > 0) < args.active:
        await asyncio.sleep(0.1)
    print(f"{args.active} downloads running at {RATE // 1000} kB/s each")

    # The two situations alternate, so that the other load on the machine weighs on both.
    panel = DownloadsPanel()
    panel.resize(480, 900)
    empty = session.from_partition(f"bench-gui-empty-{os.getpid()}")
    flushes, count_flush = counter()
    panel.model.flushed.connect(count_flush)
    alone: list[float] = []
    with_panel: list[float] = []
    bind_ms = 0.0
    slice_seconds = args.seconds / args.rounds
    for _ in range(args.rounds):
        panel.hide()
        panel.bind(empty, PartitionEntry(Kind.MEMORY, "empty", "Empty"))
        await asyncio.sleep(0.5)
        alone.append(await cpu_share(slice_seconds))
        panel.show()
        started = time.monotonic()
        panel.bind(ses, PartitionEntry(Kind.MEMORY, "bench", "Bench"))
        bind_ms = max(bind_ms, (time.monotonic() - started) * 1000)
        await asyncio.sleep(0.5)  # the first paint of the bound list is not the steady state
        events[0] = flushes[0] = 0
        with_panel.append(await cpu_share(slice_seconds))
    rows = panel.model.rowCount()
    ended = {item.get_state() for item in active} - {"progressing"}
    for item in active:
        item.cancel()

    alone_share, panel_share = statistics.mean(alone), statistics.mean(with_panel)
    print(f"panel bound to {rows:,} rows in {bind_ms:.0f} ms; "
          f"{events[0] / slice_seconds:.0f} 'updated' events/s became "
          f"{flushes[0] / slice_seconds:.1f} repaints/s"
          + (f" (some downloads ended early: {sorted(ended)})" if ended else ""))
    print(f"GUI thread CPU, downloads alone:      {alone_share:6.1%}")
    print(f"GUI thread CPU, downloads + panel:    {panel_share:6.1%}  "
          f"({args.rounds} x {slice_seconds:.0f} s each)")
    own = panel_share - alone_share
    print(f"the panel's own share (difference):   {own:6.1%}")
    for what, share in (("the GUI thread, engine included", panel_share),
                        ("the panel's own share", own)):
        verdict = "PASS" if share <= GOAL else "MISS"
        print(f"goal <= {GOAL:.0%} of a core, {what}: {verdict} ({share:.1%})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--finished", type=int, default=10_000)
    parser.add_argument("--active", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2, help="alternations of the two cases")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve()
        return
    os.environ.setdefault("PARTITA_DATA_DIR", tempfile.mkdtemp(prefix="partita-bench-gui-"))
    from core import app
    from gui.resources import apply_theme

    apply_theme(app.create_application(["partita-bench"]))
    child = subprocess.Popen([sys.executable, __file__, "--serve"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdin is not None
    try:
        base = child.stdout.readline().strip()
        with tempfile.TemporaryDirectory(prefix="partita-bench-gui-files-") as folder:
            app.run(run(args, base, folder))
    finally:
        child.stdin.close()
        child.wait(timeout=10)


if __name__ == "__main__":
    main()
