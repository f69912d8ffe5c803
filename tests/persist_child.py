"""A separate Partita process for the restart tests: ``write`` stores data, ``read`` prints it.

Usage: python -m tests.persist_child write|read PARTITION URL
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from core import app, session
from core.web_contents import WebContents

WRITE = (
    "localStorage.setItem('kept', 'yes');"
    "document.cookie = 'persistent=1; max-age=86400';"
    "document.cookie = 'session_only=1';"
    "true"
)
READ = "[localStorage.getItem('kept'), document.cookie]"


async def main(mode: str, partition: str, url: str) -> None:
    contents = WebContents(session.from_partition(partition))
    await contents.load_url(url)
    result = await contents.execute_javascript(WRITE if mode == "write" else READ)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    app.create_application([])
    app.run(main(*sys.argv[1:4]))
