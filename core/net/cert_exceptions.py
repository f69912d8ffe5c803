"""Certificates the user let through: remembered per partition, revocable.

Chromium remembers an accepted certificate per profile for the rest of the run (measured,
research/qtwebengine_network.md row 9) and offers no way to forget it. So a revoke is enforced
by the router for the rest of the run: tunnels to a revoked host whose chain does not verify
are refused (core.net.session_tls). Remembered exceptions are saved in the partition's
settings and accepted without asking after a restart.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any

from core.partition_settings import PartitionSettings

log = logging.getLogger("partita.net.tls")

SETTING = "certificate_exceptions"


@dataclass(frozen=True)
class CertificateException:
    host: str
    fingerprint: str
    error: str
    subject_name: str
    issuer_name: str
    valid_expiry: float


def check_host(host: object) -> str:
    if not isinstance(host, str) or not host or any(c.isspace() or c == "/" for c in host):
        raise ValueError(f"host must be a host name such as 'example.org', not {host!r}")
    return host.lower()


def check_fingerprint(value: object) -> str | None:
    if value is not None and (not isinstance(value, str) or not value.startswith("sha256/")):
        raise ValueError(f"fingerprint must be None or 'sha256/<base64>', not {value!r}")
    return value


class CertificateExceptions:
    def __init__(self, settings: PartitionSettings) -> None:
        self._settings = settings
        self._entries: list[CertificateException] = []
        for raw in settings.get(SETTING) or []:
            try:
                self._entries.append(CertificateException(**raw))
            except TypeError as error:
                log.warning("ignoring a saved certificate exception %r: %s", raw, error)

    def find(self, host: str, fingerprint: str) -> CertificateException | None:
        return next((entry for entry in self._entries
                     if entry.host == host and entry.fingerprint == fingerprint), None)

    def keys(self) -> frozenset[tuple[str, str]]:
        return frozenset((entry.host, entry.fingerprint) for entry in self._entries)

    def as_dicts(self) -> list[dict[str, Any]]:
        return [asdict(entry) for entry in self._entries]

    def add(self, entry: CertificateException) -> None:
        kept = [old for old in self._entries
                if (old.host, old.fingerprint) != (entry.host, entry.fingerprint)]
        self._save([*kept, entry])

    def remove(self, host: str, fingerprint: str | None) -> None:
        self._save([entry for entry in self._entries if entry.host != host
                    or (fingerprint is not None and entry.fingerprint != fingerprint)])

    def _save(self, entries: list[CertificateException]) -> None:
        self._settings.set(SETTING, [asdict(entry) for entry in entries])
        self._entries = entries
