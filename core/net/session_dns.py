"""A session's DNS: Electron's ``resolveHost`` and ``clearHostResolverCache``, and Partita's
per-session nameservers, over the one resolver the router connects the session's pages with.

The resolver belongs to the router's thread (core.net.resolver); calls from the Qt loop go
there through ``router_service``. The nameservers a user sets are kept in the partition's
settings and apply again when the session is next created.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from core.net import router_service
from core.net.resolver import HostResolver, ResolvedHost

if TYPE_CHECKING:
    from core.partition_settings import PartitionSettings

log = logging.getLogger("partita.net.resolver")

NAMESERVERS_SETTING = "host_resolver_nameservers"


class SessionDns:
    def __init__(self, settings: PartitionSettings) -> None:
        self._settings = settings
        # Not shared with the router yet: configuring it here, on the Qt thread, is safe.
        self.resolver = HostResolver()
        saved = settings.get(NAMESERVERS_SETTING)
        try:
            self.resolver.configure(saved)
        except (TypeError, ValueError) as error:
            log.warning("ignoring the saved nameservers %r: %s", saved, error)

    @property
    def nameservers(self) -> list[str] | None:
        return self.resolver.nameservers

    def configure(self, nameservers: Sequence[str] | None) -> None:
        """Validated first: a bad list raises and changes nothing, saved or live."""
        router_service.service().call(lambda: self.resolver.configure(nameservers))
        if nameservers is None:
            self._settings.delete(NAMESERVERS_SETTING)
        else:
            self._settings.set(NAMESERVERS_SETTING, self.resolver.nameservers)

    async def resolve_host(self, host: str, query_type: str | None, source: str,
                           cache_usage: str, secure_dns_policy: str) -> ResolvedHost:
        return await router_service.service().run(self.resolver.resolve(
            host, query_type, source, cache_usage, secure_dns_policy))

    def clear_host_resolver_cache(self) -> None:
        router_service.service().call(self.resolver.clear)
