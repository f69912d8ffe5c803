"""A partition's remembered upstream proxy credentials.

Persistent partitions keep each pair in the OS keyring (``keyring``), under the service
``SERVICE`` and an entry naming the partition's folder and the proxy
(``/path/to/partition http://proxy:3128``); the partition's settings list which proxies have
an entry and for which user name (no secret), so the Proxy panel lists and forgets them
without unlocking the keyring. In-memory partitions keep their pairs in memory only: nothing
reaches the keyring or the disk.

Keyring calls are blocking D-Bus round trips, so they run on a worker thread. When there is
no usable keyring, a pair to remember is kept for this run only and the failure is logged.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass

from core.net.proxy_server import ProxyServer
from core.net.socks import Credentials
from core.partition_settings import PartitionSettings

log = logging.getLogger("partita.net.credentials")

SERVICE = "Partita proxy"
SETTINGS_KEY = "proxy.credentials"


@dataclass(frozen=True)
class StoredCredential:
    """One remembered pair, as the Proxy panel lists it (the password stays in the keyring)."""

    proxy: str  # scheme://host:port
    username: str


def proxy_key(server: ProxyServer) -> str:
    """How a proxy is named in the keyring and in the settings: ``scheme://host:port``."""
    return f"{server.scheme.value}://{server.host_port}"


def _keyring_get(entry: str) -> str | None:
    import keyring  # imported on use: its back-end discovery costs start-up time
    from keyring.errors import KeyringError

    try:
        return keyring.get_password(SERVICE, entry)
    except KeyringError as error:
        log.warning("cannot read proxy credentials from the keyring: %s", error)
        return None


def _keyring_set(entry: str, secret: str) -> bool:
    import keyring
    from keyring.errors import KeyringError

    try:
        keyring.set_password(SERVICE, entry, secret)
    except KeyringError as error:
        log.warning("cannot store proxy credentials in the keyring, kept for this run: %s",
                    error)
        return False
    return True


def _keyring_delete(entry: str) -> None:
    import keyring
    from keyring.errors import KeyringError, PasswordDeleteError

    try:
        keyring.delete_password(SERVICE, entry)
    except PasswordDeleteError:
        pass  # removed from the keyring by the user already: nothing left to forget
    except KeyringError as error:
        log.warning("cannot delete proxy credentials from the keyring: %s", error)


class CredentialStore:
    """``partition`` names the partition in keyring entries; None keeps everything in memory."""

    def __init__(self, settings: PartitionSettings, partition: str | None) -> None:
        self._settings = settings
        self._partition = partition if settings.is_persistent else None
        # In-memory partitions: every remembered pair. Persistent ones: pairs the keyring
        # refused, for this run.
        self._memory: dict[str, Credentials] = {}

    @property
    def uses_keyring(self) -> bool:
        return self._partition is not None

    def _entry(self, proxy: str) -> str:
        return f"{self._partition} {proxy}"

    def _listed(self) -> dict[str, str]:
        listed = self._settings.get(SETTINGS_KEY, {})
        return dict(listed) if isinstance(listed, dict) else {}

    def list(self) -> list[StoredCredential]:
        """Every remembered pair's proxy and user name, sorted by proxy."""
        names = {proxy: pair[0] for proxy, pair in self._memory.items()}
        names.update(self._listed())
        return [StoredCredential(proxy, user) for proxy, user in sorted(names.items())]

    async def get(self, proxy: str) -> Credentials | None:
        pair = self._memory.get(proxy)
        if pair is not None or self._partition is None or proxy not in self._listed():
            return pair
        secret = await asyncio.to_thread(_keyring_get, self._entry(proxy))
        try:
            stored = json.loads(secret) if secret is not None else None
            return (str(stored["username"]), str(stored["password"])) if stored else None
        except (ValueError, TypeError, KeyError):
            log.warning("ignoring a malformed keyring entry for proxy %s", proxy)
            return None

    async def save(self, proxy: str, username: str, password: str) -> None:
        if self._partition is not None:
            secret = json.dumps({"username": username, "password": password})
            if await asyncio.to_thread(_keyring_set, self._entry(proxy), secret):
                self._settings.set(SETTINGS_KEY, {**self._listed(), proxy: username})
                self._memory.pop(proxy, None)
                return
        self._memory[proxy] = (username, password)

    async def forget(self, proxy: str) -> bool:
        """Forget ``proxy``'s pair; False if none was remembered."""
        listed = self._listed()
        known = self._memory.pop(proxy, None) is not None
        if proxy in listed:
            del listed[proxy]
            self._settings.set(SETTINGS_KEY, listed)
            await asyncio.to_thread(_keyring_delete, self._entry(proxy))
            known = True
        return known
