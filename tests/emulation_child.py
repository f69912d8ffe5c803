"""A separate Partita process for the network emulation restart test.

``set PARTITION JSON`` applies ``enable_network_emulation(**JSON)`` (``null``: disable);
``load PARTITION URL`` opens the partition, loads URL and prints, as JSON on the last line,
what the page got and what ``get_network_emulation`` says.
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from core import app, session
from tests.page_outcome import load_outcome


async def set_emulation(partition: str, arguments: str) -> None:
    ses = session.from_partition(partition)
    options = json.loads(arguments)
    if options is None:
        ses.disable_network_emulation()
    else:
        ses.enable_network_emulation(**options)
    print(json.dumps("ok"), flush=True)


async def load(partition: str, url: str) -> None:
    ses = session.from_partition(partition)
    outcome = await load_outcome(ses, url)
    print(json.dumps({"outcome": outcome, "emulation": ses.get_network_emulation()}),
          flush=True)


if __name__ == "__main__":
    app.create_application([])
    command, partition, argument = sys.argv[1:4]
    app.run((set_emulation if command == "set" else load)(partition, argument))
