"""The first frame needs no Chromium: importing the app must not load the heavy parts.

bench/startup.py measures the time; this catches the easy regression, a top-level import
that drags sessions or QtWebEngine back onto the path to the first paint.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFERRED = ["core.session", "core.downloads.manager", "core.net.cookies",
            "PyQt6.QtWebEngineCore", "PyQt6.QtWebEngineWidgets", "qasync"]


def test_importing_the_app_leaves_sessions_and_chromium_for_later() -> None:
    code = ("import sys, gui.main; "
            f"print([m for m in {DEFERRED!r} if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"
