"""A session's host resolver: what ``ses.resolve_host`` answers and what its pages connect to.

With an HTTP proxy, Chromium leaves host names to the proxy; every page reaches the network
through the router, so this resolver *is* the session's resolver: page loads and
``resolve_host`` share one host cache (core.net.host_cache), and
``clear_host_resolver_cache`` clears it for both.

Where an answer comes from, in Chromium's order (net/dns/host_resolver_manager.cc):

1. IP literals and localhost names (``localhost``, ``*.localhost``): never looked up;
2. the host cache, as ``cache_usage`` allows;
3. ``source="localOnly"``: the hosts file, else ``net::ERR_DNS_CACHE_MISS``;
4. ``"system"``: getaddrinfo() on a worker thread (the router's loop never blocks), results
   kept 60 s and failures not at all, Chromium's figures for its system task;
   ``"dns"``: the hosts file, then the session's nameservers (by default those of
   /etc/resolv.conf, as Chromium's built-in resolver reads them), answers kept for their
   TTL but at least 60 s (Chromium's floor), NXDOMAIN kept for the zone's negative TTL;
   ``"any"``: ``"dns"`` when the session names its own nameservers, else ``"system"``,
   which is what Chromium on Linux uses by default.

Concurrent requests for the same name share one lookup, as Chromium's jobs do. Every object
here belongs to the router's thread; a Session reaches it through ``router_service``.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from core.errors import NetError, NotSupportedError
from core.net import dns_client
from core.net.dns_client import DnsAnswer, DnsQueryError, Nameserver
from core.net.host_cache import CacheKey, HostCache
from core.net.hosts_file import HOSTS_FILE, HostsFile
from core.net.url_host import parse_ip_literal, unbracketed

NAME_NOT_RESOLVED = "net::ERR_NAME_NOT_RESOLVED"
CACHE_MISS = "net::ERR_DNS_CACHE_MISS"
ICANN_NAME_COLLISION = "net::ERR_ICANN_NAME_COLLISION"

# Chromium's kCacheEntryTTLSeconds and kNegativeCacheEntryTTLSeconds (system resolution) and
# kMinimumTTLSeconds (DNS answers).
SYSTEM_TTL = 60.0
SYSTEM_NEGATIVE_TTL = 0.0
MINIMUM_DNS_TTL = 60.0
# Chromium's kMaxHostLength: longer names fail without a lookup.
MAX_HOST_LENGTH = 4096

# query_type -> (getaddrinfo family, DNS record types, IP versions). Without a query type,
# localhost and hosts-file answers list IPv6 first, as Chromium's do. DNS answers list IPv4
# first: Chromium orders them by RFC 6724, which needs a source address per destination;
# IPv4 first is the order that works on more networks.
_QUERY_TYPES: dict[str | None, tuple[socket.AddressFamily, tuple[str, ...], tuple[int, ...]]] = {
    None: (socket.AF_UNSPEC, ("A", "AAAA"), (6, 4)),
    "A": (socket.AF_INET, ("A",), (4,)),
    "AAAA": (socket.AF_INET6, ("AAAA",), (6,)),
}
SOURCES = ("any", "system", "dns", "mdns", "localOnly")
CACHE_USAGES = ("allowed", "staleAllowed", "disallowed")
# Partita never sends DNS over HTTPS (Chromium's "automatic" mode only upgrades nameservers
# it knows to be DoH providers), so "allow" resolves as "disable" does.
SECURE_DNS_POLICIES = ("allow", "disable")


@dataclass(frozen=True)
class IPAddress:
    """Electron's IPAddress."""

    address: str
    family: str  # "ipv4" or "ipv6"


@dataclass(frozen=True)
class ResolvedHost:
    """Electron's ResolvedHost."""

    endpoints: list[IPAddress]


@dataclass(frozen=True)
class _Outcome:
    addresses: tuple[str, ...]
    error: str | None = None  # Chromium's name of the failure when there are no addresses
    detail: str = ""
    ttl: float | None = None  # how long to keep it; None: not cached


def _choice(option: str, value: object, allowed: Sequence[str | None]) -> None:
    if value not in allowed:
        names = ", ".join(repr(name) for name in allowed if name is not None)
        raise ValueError(f"Invalid {option} {value!r}: must be one of {names}")


def _name(host: object) -> str:
    if not isinstance(host, str):
        raise TypeError(f"host must be a string, not {host!r}")
    if not host:
        raise ValueError("host must not be empty")
    return unbracketed(host).lower()


def _is_localhost(name: str) -> bool:
    bare = name.removesuffix(".")
    return bare == "localhost" or bare.endswith(".localhost")


def _local(name: str, versions: tuple[int, ...]) -> _Outcome | None:
    """IP literals and localhost names, answered without a lookup; None for other names."""
    literal = parse_ip_literal(name)
    if literal is not None:
        if literal.version in versions:
            return _Outcome((literal.compressed,))
        return _Outcome((), NAME_NOT_RESOLVED, f"an IPv{literal.version} literal")
    if _is_localhost(name):
        loopback = {6: "::1", 4: "127.0.0.1"}
        return _Outcome(tuple(loopback[version] for version in versions))
    return None


def _family(address: str) -> str:
    return "ipv6" if ":" in address else "ipv4"


def _collides(addresses: tuple[str, ...]) -> bool:
    # ICANN answers 127.0.53.53 for names that collide with private ones; Chromium refuses it.
    return "127.0.53.53" in addresses


class HostResolver:
    def __init__(self, nameservers: Sequence[str] | None = None, *,
                 minimum_ttl: float = MINIMUM_DNS_TTL, hosts_file: Path = HOSTS_FILE) -> None:
        self._minimum_ttl = minimum_ttl
        self._hosts = HostsFile(hosts_file)
        self._cache = HostCache()
        self._jobs: dict[CacheKey, asyncio.Future[_Outcome]] = {}
        self._nameservers: tuple[Nameserver, ...] | None = None
        self.configure(nameservers)

    @property
    def nameservers(self) -> list[str] | None:
        """The session's own nameservers, or None when it uses the system's."""
        if self._nameservers is None:
            return None
        return [str(server) for server in self._nameservers]

    def configure(self, nameservers: Sequence[str] | None) -> None:
        """Use these nameservers (``"192.0.2.1"``, ``"192.0.2.1:5353"``, ``"[::1]:53"``) for
        the ``"dns"`` source and for ``"any"``; None: the system's, looked up through
        getaddrinfo for ``"any"``. Cached answers become stale, as after a DNS change."""
        if nameservers is None:
            parsed = None
        else:
            if isinstance(nameservers, str) or not isinstance(nameservers, Sequence):
                raise TypeError(f"nameservers must be a list of strings, not {nameservers!r}")
            if not nameservers:
                raise ValueError("nameservers must not be empty; None means the system's")
            parsed = tuple(dns_client.parse_nameserver(text) for text in nameservers)
        self._nameservers = parsed
        self._cache.make_stale()

    def clear(self) -> None:
        """Electron's clearHostResolverCache; lookups under way still complete."""
        self._cache.clear()

    async def resolve(self, host: str, query_type: str | None = None, source: str = "any",
                      cache_usage: str = "allowed",
                      secure_dns_policy: str = "allow") -> ResolvedHost:
        """Electron's resolveHost; NetError with Chromium's code when nothing is found."""
        name = _name(host)
        _choice("query_type", query_type, list(_QUERY_TYPES))
        _choice("source", source, SOURCES)
        _choice("cache_usage", cache_usage, CACHE_USAGES)
        _choice("secure_dns_policy", secure_dns_policy, SECURE_DNS_POLICIES)
        if source == "mdns":
            raise NotSupportedError(
                "source='mdns': Partita's resolver has no multicast DNS client; "
                "source='system' resolves .local names where the system does (nss-mdns)")
        outcome = await self._resolve(name, query_type, source, cache_usage)
        if outcome.error is not None:
            raise NetError(outcome.error, "", f"{host!r}: {outcome.detail}")
        return ResolvedHost([IPAddress(address, _family(address))
                             for address in outcome.addresses])

    async def addresses(self, host: str) -> list[str]:
        """What a page's connection to ``host`` tries, in order; NetError if none."""
        resolved = await self.resolve(host)
        return [endpoint.address for endpoint in resolved.endpoints]

    def _source_of(self, source: str) -> str:
        if source == "any":
            return "system" if self._nameservers is None else "dns"
        return source

    async def _resolve(self, name: str, query_type: str | None, source: str,
                       cache_usage: str) -> _Outcome:
        versions = _QUERY_TYPES[query_type][2]
        local = _local(name, versions)
        if local is not None:
            return local
        if len(name) > MAX_HOST_LENGTH:
            return _Outcome((), NAME_NOT_RESOLVED, f"longer than {MAX_HOST_LENGTH} characters")
        effective = self._source_of(source)
        sources = ("system", "dns") if source == "localOnly" else (effective,)
        if cache_usage != "disallowed":
            for cached_source in sources:
                entry = self._cache.lookup(CacheKey(name, query_type, cached_source),
                                           allow_stale=cache_usage == "staleAllowed")
                if entry is not None:
                    return _Outcome(entry.addresses, entry.error, entry.detail)
        if effective in ("dns", "localOnly"):
            known = self._hosts.lookup(name, versions)
            if known:
                return _Outcome(known)
        if source == "localOnly":
            return _Outcome((), CACHE_MISS, "not in the host cache, the hosts file or local names")
        return await self._shared_lookup(CacheKey(name, query_type, effective))

    async def _shared_lookup(self, key: CacheKey) -> _Outcome:
        job = self._jobs.get(key)
        if job is None:
            job = asyncio.ensure_future(self._lookup(key))
            self._jobs[key] = job
            job.add_done_callback(lambda _: self._jobs.pop(key, None))
        # One caller giving up must not cancel the lookup the others wait for.
        return await asyncio.shield(job)

    async def _lookup(self, key: CacheKey) -> _Outcome:
        if key.source == "system":
            outcome = await self._ask_system(key.host, key.query_type)
        else:
            outcome = await self._ask_dns(key.host, key.query_type)
        if _collides(outcome.addresses):
            return _Outcome((), ICANN_NAME_COLLISION, "the name collides with a private one")
        if outcome.ttl is not None:
            self._cache.store(key, outcome.addresses, outcome.error, outcome.detail, outcome.ttl)
        return outcome

    async def _ask_system(self, name: str, query_type: str | None) -> _Outcome:
        family = _QUERY_TYPES[query_type][0]
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                name, None, family=family, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError, ValueError) as error:
            return _Outcome((), NAME_NOT_RESOLVED, f"getaddrinfo: {error}", SYSTEM_NEGATIVE_TTL)
        addresses = tuple(dict.fromkeys(str(info[4][0]) for info in infos))
        return _Outcome(addresses, ttl=SYSTEM_TTL)

    async def _ask_dns(self, name: str, query_type: str | None) -> _Outcome:
        servers = self._nameservers
        if servers is None:
            servers = dns_client.system_nameservers()
        rdtypes = _QUERY_TYPES[query_type][1]
        results = await asyncio.gather(
            *(dns_client.query(name, rdtype, servers) for rdtype in rdtypes),
            return_exceptions=True)
        answers = [result for result in results if isinstance(result, DnsAnswer)]
        failures = [result for result in results if not isinstance(result, DnsAnswer)]
        for failure in failures:
            if not isinstance(failure, DnsQueryError):
                raise failure
        addresses = tuple(address for answer in answers for address in answer.addresses)
        if addresses:
            ttl = min(answer.ttl for answer in answers if answer.addresses)
            return _Outcome(addresses, ttl=max(ttl, self._minimum_ttl))
        if failures:
            # Timeouts and server failures say nothing about the name: not cached.
            return _Outcome((), NAME_NOT_RESOLVED, "; ".join(map(str, failures)))
        what = "no such name (NXDOMAIN)" if any(answer.nxdomain for answer in answers) \
            else f"no {' or '.join(rdtypes)} record"
        return _Outcome((), NAME_NOT_RESOLVED, what, min(answer.ttl for answer in answers))
