"""The log file: rotation, Qt's messages and uncaught exceptions (in a child process, since
logging set-up is process-wide and would replace the test run's own Qt message handler)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
    import logging, sys
    sys.path.insert(0, {root!r})
    from PyQt6.QtCore import QCoreApplication, QTimer, qWarning
    from core.logs import setup_logging

    path = setup_logging({data!r}, "INFO")
    app = QCoreApplication([])
    logging.getLogger("partita.test").info("hello from the test")
    logging.getLogger("partita.test").debug("not at INFO")
    logging.getLogger("elsewhere").info("a library's chatter")
    qWarning("a Qt warning")

    def broken():
        raise RuntimeError("boom in a slot")

    QTimer.singleShot(0, broken)
    QTimer.singleShot(50, app.quit)
    app.exec()
    for _ in range(3000):
        logging.getLogger("partita.fill").info("x" * 500)
    print("survived", path)
"""


def test_log_file_rotation_qt_messages_and_uncaught_exceptions(tmp_path: Path) -> None:
    script = textwrap.dedent(SCRIPT).format(root=str(ROOT), data=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
        env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    logs = tmp_path / "logs"
    assert result.stdout.strip() == f"survived {logs / 'partita.log'}"
    files = sorted(p.name for p in logs.iterdir())
    # 1.5 MB of records: rotated once, never more than 5 backups.
    assert "partita.log.1" in files
    assert len(files) <= 6
    oldest = (logs / "partita.log.1").read_text("utf-8")
    assert "partita.test: hello from the test" in oldest
    assert "not at INFO" not in oldest
    assert "a library's chatter" not in oldest
    assert "WARNING partita.qt: a Qt warning" in oldest
    assert "CRITICAL partita: uncaught exception" in oldest
    assert "RuntimeError: boom in a slot" in oldest
    # Warnings and worse also reach stderr; info does not.
    assert "partita.qt: a Qt warning" in result.stderr
    assert "hello from the test" not in result.stderr
