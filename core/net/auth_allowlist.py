"""``ses.allow_ntlm_credentials_for_domains``: the servers Chromium may send the user's own
(integrated NTLM / Negotiate) credentials to without asking.

Electron applies the list to the network service, so it holds for every session at once.
QtWebEngine 6.11 has no API for it; its network context reads Chromium's
``--auth-server-allowlist`` switch once, when the first profile starts (the switch is the only
auth-preference name in libQt6WebEngineCore, checked with ``strings``). So the list is kept in
the data folder and passed as that switch from the next start of Partita on; the running
process keeps the list it started with.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from core.atomic_file import write_atomic

log = logging.getLogger("partita.net.auth")

FILE_NAME = "auth-server-allowlist.json"
SWITCH = "--auth-server-allowlist"


def normalise(domains: object) -> str:
    """Electron's comma-separated list, without the spaces Chromium trims anyway (the flags
    variable is split at spaces); raises for anything that is not such a list."""
    if not isinstance(domains, str):
        raise TypeError(f"domains must be a comma-separated string, not {domains!r}")
    items = [item.strip() for item in domains.split(",") if item.strip()]
    for item in items:
        if any(ch.isspace() or ch in "\"'\\" or not ch.isprintable() for ch in item):
            raise ValueError(f"invalid server {item!r} in domains {domains!r}")
    return ",".join(items)


def save(folder: Path, domains: str) -> None:
    write_atomic(folder / FILE_NAME, json.dumps({"domains": domains}))


def flags(folder: Path) -> list[str]:
    """The switch for the saved list, if any (at start-up, before QtWebEngine starts)."""
    try:
        saved = json.loads((folder / FILE_NAME).read_text("utf-8"))["domains"]
        domains = normalise(saved)
    except FileNotFoundError:
        return []
    except (OSError, ValueError, TypeError, KeyError) as error:
        log.warning("ignoring %s: %s", folder / FILE_NAME, error)
        return []
    return [f"{SWITCH}={domains}"] if domains else []
