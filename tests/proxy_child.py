"""A separate Partita process for the proxy restart tests.

``set PARTITION JSON`` applies ``set_proxy(**JSON)``; ``load PARTITION URL`` opens the partition
(printing ``created`` as soon as ``from_partition`` returns), loads URL and prints what the
restored proxy settings gave, as JSON on the last line.
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from core import app, session
from tests.page_outcome import load_outcome


async def set_proxy(partition: str, arguments: str) -> None:
    await session.from_partition(partition).set_proxy(**json.loads(arguments))
    print(json.dumps("ok"), flush=True)


async def load(partition: str, url: str) -> None:
    ses = session.from_partition(partition)
    print("created", flush=True)
    outcome = await load_outcome(ses, url)
    print(json.dumps({"outcome": outcome, "resolve": await ses.resolve_proxy(url),
                      "settings": ses.get_proxy_settings()}), flush=True)


if __name__ == "__main__":
    app.create_application([])
    command, partition, argument = sys.argv[1:4]
    app.run((set_proxy if command == "set" else load)(partition, argument))
