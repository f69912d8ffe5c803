#!/usr/bin/env python3
"""Our download engine against curl and aria2c, on a local nginx (Debian's package).

Prints, in one run, each figure with its goal and PASS/MISS:
1. one connection, a 1 GiB file: our engine vs ``curl -s -o FILE URL``, median MB/s of
   alternating runs (goal >= 1.0x) and CPU seconds (goal <= 1.5x curl's); also the engine
   with ``sync=True`` (fdatasync before each database update) for comparison;
2. segmented, a 200 MiB file behind ``limit_rate 20m`` (per connection): our engine with 8
   segments vs ``aria2c -x8 -s8 -k1M`` (goal >= 1.0x);
3. the engine process's peak RSS growth during the 1 GiB download (goal <= 100 MiB);
4. kill and resume: N times, a child downloads a throttled file, is SIGKILLed at a random
   point once the ``.part`` has data, and a new child resumes the restored item; every
   result's SHA-256 must match (goal N/N);
5. the Downloads panel with 10,000 finished rows and 100 active downloads: the GUI thread's
   CPU share (goal <= 10 % of a core), measured by bench/downloads_gui.py in a child process.

The engine runs in a child process (bench/download_child.py) timed from the download request
to ``done``; its CPU is the process's (every thread) over that interval. curl's and aria2c's
are their whole process (os.wait4). The VM is noisy: the runs alternate and medians are shown.

Run: ``/work/venv/bin/python bench/downloads.py [--runs 3] [--kills 20] [--big-mib 1024]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHILD = [sys.executable, str(HERE / "download_child.py")]
MIB = 1 << 20
KILL_RATE = 4 * MIB  # /slower/'s limit_rate 4m
TOOLS = {"nginx": "nginx", "curl": "curl", "aria2c": "aria2"}


@dataclass
class Run:
    seconds: float
    cpu: float  # the transfer's CPU seconds (see the module's docstring)
    process_cpu: float  # the whole process's, start-up included
    size: int
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def mbps(self) -> float:
        return self.size / self.seconds / 1e6


def check_tools() -> None:
    missing = [package for tool, package in TOOLS.items() if shutil.which(tool) is None]
    if missing:
        sys.exit(f"missing tools; install them with: sudo apt-get install -y {' '.join(missing)}")


def make_file(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    with open(path, "wb") as out:
        for _ in range(size // MIB):
            chunk = os.urandom(MIB)
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(4 * MIB):
            digest.update(chunk)
    return digest.hexdigest()


# ----------------------------------------------------------------------------- nginx
class Nginx:
    def __init__(self, work: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        (work / "logs").mkdir()
        self.access_log = work / "logs" / "access.log"
        conf = (HERE / "nginx.conf.in").read_text()
        # As root the master would hand the workers to "nobody", who cannot read a 0700 temp dir.
        user = "user root;" if os.geteuid() == 0 else ""
        conf = conf.replace("@WORK@", str(work)).replace("@PORT@", str(self.port))
        (work / "nginx.conf").write_text(conf.replace("@USER@", user))
        with open(work / "logs" / "nginx.err", "wb") as errors:
            self._process = subprocess.Popen(
                ["nginx", "-c", str(work / "nginx.conf"), "-p", f"{work}/"],
                stdout=subprocess.DEVNULL, stderr=errors)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    sys.exit(f"nginx did not start: {(work / 'logs' / 'nginx.err').read_text()}")
                time.sleep(0.05)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_idle(self, timeout: float = 30) -> None:
        """Until no connection but this check's is open: every request so far is logged."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with urllib.request.urlopen(self.url("/status"), timeout=5) as answer:
                if answer.read().split(b"\n", 1)[0].strip() == b"Active connections: 1":
                    return
            time.sleep(0.02)
        sys.exit("nginx still has open connections after a kill")

    def log_lines(self) -> list[str]:
        return self.access_log.read_text().splitlines() if self.access_log.exists() else []

    def stop(self) -> None:
        self._process.terminate()
        self._process.wait(timeout=10)


# ----------------------------------------------------------------------------- runs
def _wait4(process: subprocess.Popen[bytes]) -> float:
    """Reap ``process``; its CPU seconds (and those of any children it reaped)."""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime


class Bench:
    def __init__(self, work: Path, nginx: Nginx) -> None:
        self.work = work
        self.nginx = nginx
        self.out = work / "out"
        self.child_log = work / "logs" / "children.err"
        self.env = dict(os.environ, PARTITA_DATA_DIR=str(work / "data"),
                        QT_QPA_PLATFORM="offscreen")

    def _fresh_out(self) -> None:
        shutil.rmtree(self.out, ignore_errors=True)
        self.out.mkdir()
        os.sync()  # the previous run's dirty pages are not this run's cost

    def tool(self, command: list[str], size: int) -> Run:
        self._fresh_out()
        start = time.perf_counter()
        with open(self.child_log, "ab") as errors:
            process = subprocess.Popen(command, cwd=self.out, stdout=subprocess.DEVNULL,
                                       stderr=errors)
        cpu = _wait4(process)
        seconds = time.perf_counter() - start
        if process.returncode != 0:
            sys.exit(f"{command[0]} failed with exit code {process.returncode}")
        got = sum(p.stat().st_size for p in self.out.iterdir() if p.is_file())
        if got != size:
            sys.exit(f"{command[0]} wrote {got} bytes, expected {size}")
        return Run(seconds, cpu, cpu, size)

    def engine(self, url: str, size: int, *options: str) -> Run:
        self._fresh_out()
        with open(self.child_log, "ab") as errors:
            process = subprocess.Popen([*CHILD, "fetch", url, str(self.out), *options],
                                       env=self.env, stdout=subprocess.PIPE, stderr=errors)
        assert process.stdout is not None
        lines = process.stdout.read().decode().splitlines()
        process_cpu = _wait4(process)
        if process.returncode != 0 or not lines:
            sys.exit(f"the engine child failed ({process.returncode}); see {self.child_log}")
        result = json.loads(lines[-1])
        if result["state"] != "completed" or result["bytes"] != size:
            sys.exit(f"the engine child ended {result['state']} with {result['bytes']} bytes")
        growth = (result["hwm_kib"] - result["rss_before_kib"]) / 1024
        return Run(result["seconds"], result["cpu"], process_cpu, size,
                   {"rss_growth_mib": growth, "cold_cookies": result["cold_cookies"]})


def alternate(runs: int, contestants: dict[str, Callable[[], Run]]) -> dict[str, list[Run]]:
    results: dict[str, list[Run]] = {name: [] for name in contestants}
    for index in range(runs):
        order = list(contestants.items())
        if index % 2:
            order.reverse()  # neither side always runs on the warmer machine
        for name, contestant in order:
            results[name].append(contestant())
            print(f"    {name:<22} run {index + 1}: {results[name][-1].mbps:8.1f} MB/s  "
                  f"cpu {results[name][-1].cpu:5.2f} s", flush=True)
    return results


def median(runs: list[Run], value: Callable[[Run], float]) -> float:
    return statistics.median(value(run) for run in runs)


# ----------------------------------------------------------------------------- kill loop
@dataclass
class KillResult:
    matched: int = 0
    resumed_with_range: int = 0
    restored_bytes: list[int] = field(default_factory=list)


def start_and_kill(command: list[str], env: dict[str, str], part: Path, delay: float,
                   bench: Bench) -> None:
    """Start a downloading child; SIGKILL it ``delay`` s after its ``.part`` has data."""
    with open(bench.child_log, "ab") as errors:
        child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=errors)
    deadline = time.monotonic() + 60
    while not (part.exists() and part.stat().st_size > 0):
        if child.poll() is not None or time.monotonic() > deadline:
            child.kill()
            sys.exit(f"{command}: the child wrote nothing")
        time.sleep(0.01)
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)


def kill_and_resume(bench: Bench, kills: int, size: int, digest: str, seed: int) -> KillResult:
    rng = random.Random(seed)
    result = KillResult()
    for index in range(kills):
        # Odd runs are segmented (4 ranges), even runs use one connection.
        options = ["--partition", "persist:bench-kill",
                   "--segments", "4" if index % 2 else "1", "--min-segment", str(MIB)]
        env = dict(bench.env, PARTITA_DATA_DIR=str(bench.work / "kill" / str(index)))
        out = bench.work / "kill" / f"out{index}"
        out.mkdir(parents=True)
        url = bench.nginx.url(f"/slower/kill.bin?run={index}")
        # The kill point: at most 60 % of the way, so the child never finishes first.
        latest = 0.6 * size / (KILL_RATE * (4 if index % 2 else 1))
        start_and_kill([*CHILD, "start", url, str(out), *options], env, out / "kill.bin.part",
                       rng.uniform(0, latest), bench)
        if (out / "kill.bin").exists():
            sys.exit(f"kill run {index}: the download finished before the kill")
        bench.nginx.wait_idle()  # the killed child's requests are in the log, not counted below
        logged = len(bench.nginx.log_lines())
        done = subprocess.run([*CHILD, "resume", *options], env=env, capture_output=True,
                              timeout=300, check=False)
        with open(bench.child_log, "ab") as errors:
            errors.write(done.stderr)
        if done.returncode != 0:
            print(f"    kill {index + 1}: the resume child failed ({done.returncode}): "
                  f"{done.stdout.decode(errors='replace').strip()[-500:]}")
            continue
        state, restored, path = json.loads(done.stdout.decode().splitlines()[-1])
        ok = state == "completed" and sha256_of(Path(path)) == digest
        result.matched += ok
        result.restored_bytes.append(restored)
        requests = [line for line in bench.nginx.log_lines()[logged:] if f"run={index}" in line]
        odd = [line for line in requests
               if not line.startswith("206 ") or 'ifrange="-"' in line]
        if restored and requests and not odd:
            result.resumed_with_range += 1
        print(f"    kill {index + 1:2}: restored {restored / MIB:6.2f} MiB, "
              f"{len(requests)} resume request(s), sha256 {'ok' if ok else 'MISMATCH'}"
              + "".join(f"\n        not 206 + If-Range: {line}" for line in odd), flush=True)
    return result


# ----------------------------------------------------------------------------- panel
def panel_cpu_verdict() -> str:
    """bench/downloads_gui.py's verdict line for the GUI thread, engine included."""
    gui = subprocess.run([sys.executable, str(Path(__file__).with_name("downloads_gui.py"))],
                         env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
                         capture_output=True, text=True, timeout=600, check=False)
    for line in gui.stdout.splitlines():
        if "engine included" in line:
            return line.split(": ", 1)[1]  # "PASS (7.7%)"
    return f"no figure (downloads_gui.py exited {gui.returncode}: {gui.stderr[-300:]!r})"


# ----------------------------------------------------------------------------- report
def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each contestant")
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--big-mib", type=int, default=1024, help="the single-connection file")
    parser.add_argument("--slow-mib", type=int, default=200, help="the segmented file")
    parser.add_argument("--kill-mib", type=int, default=12, help="the kill-and-resume file")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    options = parser.parse_args()
    check_tools()
    big, slow, small = (options.big_mib * MIB, options.slow_mib * MIB, options.kill_mib * MIB)
    with tempfile.TemporaryDirectory(prefix="partita-bench-") as temp:
        work = Path(temp)
        (work / "www").mkdir()
        print(f"making files in {work} ...", flush=True)
        big_sum = make_file(work / "www" / "big.bin", big)
        make_file(work / "www" / "slow.bin", slow)
        kill_sum = make_file(work / "www" / "kill.bin", small)
        nginx = Nginx(work)
        bench = Bench(work, nginx)
        try:
            report(bench, options, big, big_sum, slow, small, kill_sum)
        finally:
            nginx.stop()


def report(bench: Bench, options: argparse.Namespace, big: int, big_sum: str, slow: int,
           small: int, kill_sum: str) -> None:
    url = bench.nginx.url
    print(f"\n1+3. one connection, {big / MIB:.0f} MiB from {url('/big.bin')}")
    one = ["--segments", "1"]
    single = alternate(options.runs, {
        "curl": lambda: bench.tool(["curl", "-s", "-o", "big.bin", url("/big.bin")], big),
        "engine": lambda: bench.engine(url("/big.bin"), big, *one),
        "engine sync=True": lambda: bench.engine(url("/big.bin"), big, *one, "--sync", "1"),
    })
    if sha256_of(bench.out / "big.bin") != big_sum:
        sys.exit("the engine's last 1 GiB download does not match the file's SHA-256")

    print(f"\n2. segmented, {slow / MIB:.0f} MiB behind limit_rate 20m per connection")
    segmented = alternate(options.runs, {
        "aria2c -x8 -s8 -k1M": lambda: bench.tool(
            ["aria2c", "-q", "-x8", "-s8", "-k1M", "--file-allocation=falloc",
             "-d", str(bench.out), url("/slow/slow.bin")], slow),
        "engine segments=8": lambda: bench.engine(
            url("/slow/slow.bin"), slow, "--segments", "8", "--min-segment", str(MIB)),
    })

    print(f"\n4. kill -9 and resume, {options.kills} times, {small / MIB:.0f} MiB at "
          f"4 MiB/s per connection (seed {options.seed})")
    kills = kill_and_resume(bench, options.kills, small, kill_sum, options.seed)

    curl, engine, synced = single["curl"], single["engine"], single["engine sync=True"]
    speed = median(engine, lambda r: r.mbps) / median(curl, lambda r: r.mbps)
    cpu = median(engine, lambda r: r.cpu) / median(curl, lambda r: r.cpu)
    growth = max(r.extra["rss_growth_mib"] for r in engine + synced)
    seg = (median(segmented["engine segments=8"], lambda r: r.mbps)
           / median(segmented["aria2c -x8 -s8 -k1M"], lambda r: r.mbps))
    print(f"\nResults (medians; load average now {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} CPUs: other work on the machine slows every contestant)")
    for name, runs in {**single, **segmented}.items():
        print(f"  {name:<22} {median(runs, lambda r: r.mbps):8.1f} MB/s   "
              f"cpu {median(runs, lambda r: r.cpu):5.2f} s   "
              f"(whole process {median(runs, lambda r: r.process_cpu):5.2f} s)")
    rows = [
        ("1 GiB, engine / curl throughput", f"{speed:.2f}x", ">= 1.0x", speed >= 1.0),
        ("1 GiB, engine / curl CPU seconds", f"{cpu:.2f}x", "<= 1.5x", cpu <= 1.5),
        ("segmented, engine x8 / aria2c -x8", f"{seg:.2f}x", ">= 1.0x", seg >= 1.0),
        ("peak RSS growth during 1 GiB", f"{growth:.0f} MiB", "<= 100 MiB", growth <= 100),
        ("kill -9 and resume, sha256 matches", f"{kills.matched}/{options.kills}",
         f"{options.kills}/{options.kills}", kills.matched == options.kills),
    ]
    for name, figure, goal, ok in rows:
        print(f"  {name:<36} {figure:>9}   goal {goal:<10} {verdict(ok)}")
    print(f"  GUI thread with 10,000 rows + 100 active: {panel_cpu_verdict()}")
    cold = median(engine, lambda r: r.extra["cold_cookies"])
    print(f"  (not in the engine's figures: a session's first download first starts its "
          f"DevTools cookie channel, {cold:.2f} s, once per session)")
    print(f"  (engine sync=True: {median(synced, lambda r: r.mbps):.0f} MB/s; "
          f"resumes that continued with Range + If-Range: "
          f"{kills.resumed_with_range}/{sum(1 for b in kills.restored_bytes if b)} "
          "of those with bytes restored)")


if __name__ == "__main__":
    main()
