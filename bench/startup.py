#!/usr/bin/env python3
"""Start-up time and memory of Partita, against a bare QtWebEngine window in the same run.

Prints:
* cold start to first painted window: ``partita`` vs a bare QMainWindow + QWebEngineView script
  (goal: ratio <= 1.3), median of several runs each, alternating, after one warm-up start of
  each (Partita's first start creates its folders; both write their bytecode cache, as any
  installed Python program has one from its first start on);
* time to create a new in-memory partition and load a local page in it;
* PSS added by each extra partition with one page (goal <= 25 MiB; research measured 16 MiB for
  a bare off-the-record profile).

Run: ``.venv/bin/python bench/startup.py [--runs N]`` (offscreen unless DISPLAY is set).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BARE = r"""
import sys, time
from PyQt6.QtCore import QEvent, QObject, QUrl
from PyQt6.QtWebEngineWidgets import QWebEngineView
from PyQt6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv)
window = QMainWindow()
view = QWebEngineView()
window.setCentralWidget(view)
window.resize(1200, 800)
class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print(f"first-paint {time.time()}", flush=True)
            app.removeEventFilter(self)
            app.quit()
        return False
watcher = FirstPaint()
app.installEventFilter(watcher)
view.setUrl(QUrl("about:blank"))
window.show()
app.exec()
"""


def _first_paint(command: list[str], env: dict[str, str]) -> float:
    start = time.time()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    for line in done.stdout.splitlines():
        if line.startswith("first-paint "):
            return float(line.split()[1]) - start
    raise RuntimeError(f"{command[:3]} printed no first-paint line:\n{done.stderr[-1500:]}")


def cold_start(runs: int) -> tuple[float, float]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["PARTITA_BENCH_FIRST_PAINT"] = "1"
    bare_flags = env.get("QTWEBENGINE_CHROMIUM_FLAGS", "")
    if os.geteuid() == 0 and "--no-sandbox" not in bare_flags:
        bare_flags += " --no-sandbox"  # what Partita itself adds as root
    if env["QT_QPA_PLATFORM"] == "offscreen":
        bare_flags += " --disable-gpu"
    partita_times, bare_times = [], []
    with tempfile.TemporaryDirectory() as data, tempfile.TemporaryDirectory() as pycache:
        # PYTHONDONTWRITEBYTECODE (set in some dev shells) would make every start compile
        # Partita's modules from source, which no installed copy does (pip compiles them; an
        # editable install caches them on first start). The cache goes to a folder of this run.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = pycache
        bare_env = dict(env, QTWEBENGINE_CHROMIUM_FLAGS=bare_flags.strip())
        partita_env = dict(env, PARTITA_DATA_DIR=data)
        _first_paint([sys.executable, "-c", BARE], bare_env)
        _first_paint([sys.executable, "-m", "gui"], partita_env)  # first start creates folders
        for _ in range(runs):
            bare_times.append(_first_paint([sys.executable, "-c", BARE], bare_env))
            partita_times.append(_first_paint([sys.executable, "-m", "gui"], partita_env))
    return statistics.median(partita_times), statistics.median(bare_times)


def partition_costs(extra: int) -> tuple[float, float]:
    """(seconds to create an in-memory partition and load a page, PSS MiB per extra partition)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    data = tempfile.mkdtemp(prefix="partita-bench-")
    os.environ["PARTITA_DATA_DIR"] = data
    from bench.pss import own_tree_pss_mib
    from core import app, session
    from core.web_contents import WebContents

    app.create_application([])
    page = Path(data) / "page.html"
    page.write_text("<!doctype html><title>bench</title><p>" + "Partita " * 200)
    url = page.as_uri()
    keep: list[WebContents] = []

    async def open_partition(name: str) -> float:
        start = time.perf_counter()
        contents = WebContents(session.from_partition(name))
        await contents.load_url(url)
        keep.append(contents)
        return time.perf_counter() - start

    async def settle() -> None:
        import asyncio

        await asyncio.sleep(2.0)  # let renderers finish start-up work before measuring memory

    app.run(open_partition("bench-warm"))
    app.run(settle())
    base = own_tree_pss_mib()
    times = [app.run(open_partition(f"bench-{i}")) for i in range(extra)]
    app.run(settle())
    per_partition = (own_tree_pss_mib() - base) / extra
    return statistics.median(times), per_partition


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--extra", type=int, default=5, help="extra partitions for memory")
    args = parser.parse_args()
    partita, bare = cold_start(args.runs)
    print(f"cold start to first paint: partita {partita * 1000:.0f} ms, "
          f"bare QtWebEngine {bare * 1000:.0f} ms, ratio {partita / bare:.2f} (goal <= 1.3)")
    seconds, mib = partition_costs(args.extra)
    print(f"new in-memory partition + page load: {seconds * 1000:.0f} ms (median of {args.extra})")
    print(f"PSS per extra partition with one page: {mib:.1f} MiB (goal <= 25)")


if __name__ == "__main__":
    main()
