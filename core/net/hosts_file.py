"""/etc/hosts, read as Chromium's built-in resolver reads it (net/dns/dns_hosts.cc).

One address per name and family, the first line that names it winning; names are compared
in lower case. The file is read again when it changes, checked at each lookup (a stat).
"""

from __future__ import annotations

import ipaddress
import logging
import os
from pathlib import Path

log = logging.getLogger("partita.net.resolver")

HOSTS_FILE = Path("/etc/hosts")


def parse_hosts(text: str) -> dict[tuple[str, int], str]:
    """``{(name, 4 or 6): address}`` from the text of a hosts file."""
    table: dict[tuple[str, int], str] = {}
    for line in text.splitlines():
        fields = line.partition("#")[0].split()
        if len(fields) < 2:
            continue
        try:
            address = ipaddress.ip_address(fields[0].partition("%")[0])
        except ValueError:
            continue
        for name in fields[1:]:
            table.setdefault((name.lower(), address.version), address.compressed)
    return table


class HostsFile:
    def __init__(self, path: Path = HOSTS_FILE) -> None:
        self._path = path
        self._stamp: tuple[int, int] | None = None
        self._table: dict[tuple[str, int], str] = {}

    def lookup(self, name: str, versions: tuple[int, ...]) -> tuple[str, ...]:
        """The addresses of ``name`` for those IP versions, in that order."""
        self._refresh()
        found = (self._table.get((name.lower(), version)) for version in versions)
        return tuple(address for address in found if address is not None)

    def _refresh(self) -> None:
        try:
            stat = os.stat(self._path)
        except OSError:
            self._stamp, self._table = None, {}
            return
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp == self._stamp:
            return
        try:
            self._table = parse_hosts(self._path.read_text(encoding="utf-8", errors="replace"))
        except OSError as error:
            log.warning("cannot read %s: %s", self._path, error)
            self._table = {}
        self._stamp = stamp
