"""A separate Partita process for the certificate restart tests.

Usage: python -m tests.tls_child remember|check|revoke PARTITION URL

``remember`` sets an SSL config and lets the certificate through with ``remember=True``;
``check`` loads with a listener that only counts (so nothing is let through by asking);
``revoke`` revokes the host's exceptions first, then checks. Prints one JSON line.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PyQt6.QtCore import QUrl

from core import app, session
from tests.page_outcome import load_outcome


async def main(mode: str, partition: str, url: str) -> None:
    ses = session.from_partition(partition)
    asked: list[str] = []

    def listener(event: Any, contents: Any, page_url: str, error: str, certificate: Any,
                 callback: Any, is_main_frame: bool) -> None:
        asked.append(error)
        if mode == "remember":
            callback(True, True)

    ses.on("certificate-error", listener)
    if mode == "remember":
        ses.set_ssl_config(min_version="tls1.2", disabled_cipher_suites=[0x009C])
    if mode == "revoke":
        ses.revoke_certificate_exception(QUrl(url).host())
    loaded = await load_outcome(ses, url)
    print(json.dumps({"loaded": loaded, "asked": asked, "ssl": ses.get_ssl_config(),
                      "exceptions": ses.get_certificate_exceptions()}), flush=True)


if __name__ == "__main__":
    app.create_application([])
    app.run(main(*sys.argv[1:4]))
