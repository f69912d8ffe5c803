"""Asking DNS servers directly: the ``"dns"`` source of a session's resolver.

Chromium's built-in resolver sends its own queries to the nameservers of /etc/resolv.conf;
so does this one, unless the session names its own (``Session.configure_host_resolver``).
The wire format, UDP with a TCP retry for truncated answers, and the check that an answer
belongs to its query are dnspython's.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

# dnspython is imported where it is used: it costs 65-200 ms, at start-up for every session
# otherwise, and most sessions never ask a DNS server themselves.
if TYPE_CHECKING:
    import dns.message

DEFAULT_PORT = 53
# Per query and server; with two attempts per server a dead server costs 4 s, against
# resolv.conf's default of 5 s x 2 attempts.
TIMEOUT = 2.0
ATTEMPTS = 2


@dataclass(frozen=True)
class Nameserver:
    address: str  # an IP literal, IPv6 without brackets
    port: int = DEFAULT_PORT

    def __str__(self) -> str:
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"{host}:{self.port}"


def parse_nameserver(text: object) -> Nameserver:
    """``"192.0.2.1"``, ``"192.0.2.1:5353"``, ``"2001:db8::1"`` or ``"[2001:db8::1]:5353"``.

    Only IP literals: finding a nameserver by name would need a resolver first.
    """
    if not isinstance(text, str):
        raise TypeError(f"a nameserver must be a string, not {text!r}")
    host, port = text.strip(), str(DEFAULT_PORT)
    if host.startswith("["):
        host, _, rest = host[1:].partition("]")
        if rest:
            if not rest.startswith(":"):
                raise ValueError(f"invalid nameserver {text!r}: expected [IPv6]:port")
            port = rest[1:]
    elif host.count(":") == 1:
        host, port = host.split(":")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"invalid nameserver {text!r}: an IP address is needed") from None
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"invalid nameserver {text!r}: bad port {port!r}")
    return Nameserver(address.compressed, int(port))


def system_nameservers() -> tuple[Nameserver, ...]:
    """The nameservers of /etc/resolv.conf; none if it is missing or names none."""
    import dns.resolver

    try:
        configured = dns.resolver.Resolver(configure=True).nameservers
    except dns.resolver.NoResolverConfiguration:
        return ()
    return tuple(Nameserver(str(server)) for server in configured)


class DnsQueryError(Exception):
    """No nameserver gave a usable answer (timeouts, SERVFAIL, REFUSED, malformed)."""


@dataclass(frozen=True)
class DnsAnswer:
    addresses: tuple[str, ...]
    # For addresses: the smallest TTL of the records that led to them (CNAMEs included).
    # For none (NXDOMAIN or no record of the type): the negative TTL from the zone's SOA,
    # 0 without one, so the failure is not kept fresh (Chromium does the same).
    ttl: float
    nxdomain: bool


def _answer(response: dns.message.QueryMessage) -> DnsAnswer:
    import dns.rcode
    import dns.rdatatype

    chain = response.resolve_chaining()
    addresses = tuple(rdata.to_text() for rdata in chain.answer) if chain.answer else ()
    has_soa = any(rrset.rdtype == dns.rdatatype.SOA for rrset in response.authority)
    ttl = chain.minimum_ttl if addresses or has_soa else 0
    return DnsAnswer(addresses, float(ttl), response.rcode() == dns.rcode.NXDOMAIN)


async def _ask(request: dns.message.Message, server: Nameserver) -> DnsAnswer:
    import dns.asyncquery
    import dns.message
    import dns.rcode

    response, _ = await dns.asyncquery.udp_with_fallback(
        request, server.address, timeout=TIMEOUT, port=server.port)
    rcode = response.rcode()
    if not isinstance(response, dns.message.QueryMessage):
        raise DnsQueryError(f"{server}: not an answer to a query")
    if rcode not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
        raise DnsQueryError(f"{server}: {dns.rcode.to_text(rcode)}")
    return _answer(response)


async def query(host: str, rdtype: str, nameservers: Sequence[Nameserver]) -> DnsAnswer:
    """Ask each nameserver in turn for ``rdtype`` ("A" or "AAAA") records of ``host``."""
    import dns.exception
    import dns.message
    import dns.name

    if not nameservers:
        raise DnsQueryError("no nameserver is configured")
    try:
        request = dns.message.make_query(dns.name.from_text(host), rdtype)
    except dns.exception.DNSException as error:
        raise DnsQueryError(f"{host!r} is not a valid DNS name: {error}") from None
    failures: list[str] = []
    for server in nameservers:
        for _ in range(ATTEMPTS):
            try:
                return await _ask(request, server)
            except dns.exception.Timeout:
                failures.append(f"{server}: timed out")
                continue  # the only failure worth asking the same server again for
            except DnsQueryError as error:
                failures.append(str(error))
            except (dns.exception.DNSException, OSError, EOFError) as error:
                failures.append(f"{server}: {error!r}")
            break
    raise DnsQueryError("; ".join(failures))
