"""``partita`` itself (gui.main.main) in a child process: start, remove, exit, clean up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from core import partitions

ROOT = Path(__file__).resolve().parent.parent

# Once main() has created the window (its first session), the "user" removes the selected
# partition with its data and closes the window; main() then returns.
_CHILD = textwrap.dedent("""
    import os
    import sys
    sys.path.insert(0, sys.argv[1])
    from PyQt6.QtCore import QTimer
    from PyQt6.QtWidgets import QApplication
    from core import app
    from gui.main import main
    from gui.main_window import MainWindow
    from gui.state import Kind

    def act():
        window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
        storage = window.browsers[(Kind.PERSISTENT, sys.argv[2])].session.storage_path
        print("storage", storage, os.path.isdir(storage), flush=True)
        window.remove_partition((Kind.PERSISTENT, sys.argv[2]), delete_data=True)
        window.close()

    app.once("session-created", lambda session: QTimer.singleShot(0, act))
    sys.exit(main(["partita"]))
""")


@pytest.mark.slow
def test_main_deletes_removed_data_after_the_sessions_closed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    doomed = "persist:doomed"
    state = {
        "version": 1,
        "partitions": [
            {"kind": "persistent", "name": "persist:default", "label": "Default"},
            {"kind": "persistent", "name": doomed, "label": "Doomed"},
        ],
        "selected": {"kind": "persistent", "name": doomed},
        "deletions": [],
    }
    (data / "window-state.json").write_text(json.dumps(state), "utf-8")
    env = {**os.environ, "PARTITA_DATA_DIR": str(data), "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-c", _CHILD, str(ROOT), doomed], env=env,
                            capture_output=True, text=True, timeout=90)
    assert result.returncode == 0, result.stderr[-3000:]
    profiles = data / "engine" / "Partita" / "QtWebEngine"
    storage = profiles / partitions.folder_for_partition(doomed)
    assert f"storage {storage} True" in result.stdout  # it existed while the app ran
    assert (profiles / partitions.folder_for_partition("persist:default")).is_dir()
    assert not storage.exists()
    saved = json.loads((data / "window-state.json").read_text("utf-8"))
    assert saved["deletions"] == []
    assert [item["name"] for item in saved["partitions"]] == ["persist:default"]
