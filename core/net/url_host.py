"""Hosts and URLs canonicalized the way Chromium's GURL does it, for proxy decisions.

Proxy rules, bypass rules and PAC all compare against GURL's canonical host: lower case,
IDN in punycode, IPv4 in dotted-decimal even when written ``127.1`` or ``0x7f.1`` (the WHATWG
IPv4 parser), IPv6 compressed and in brackets. Matching the raw text instead would let
``http://0x7f.1/`` slip past a ``127.0.0.1/8`` rule.
"""

from __future__ import annotations

import ipaddress
import re
import urllib.parse
from dataclasses import dataclass

# Ports GURL knows for the schemes a proxy decision meets (url/url_constants + url_util).
DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21}
CRYPTOGRAPHIC_SCHEMES = frozenset({"https", "wss"})

# What url::CanonicalizeHost lets through in a host name, besides %-escapes (kept as they are).
_HOST_CHARS = re.compile(r"^[a-z0-9\-._~!$&()*+,;=%]+$")
_IPV4_PART = re.compile(r"^(0[xX][0-9a-fA-F]*|[0-9]+)$")


def parse_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The WHATWG IPv4 parser (``127.1``, ``0x7f.0.0.1``, ``017.1``); None if not numeric.

    Raises ValueError for a numeric host that is out of range, as GURL rejects it.
    """
    parts = host.split(".")
    if parts and parts[-1] == "" and len(parts) > 1:
        parts.pop()  # one trailing dot is allowed
    if not parts or len(parts) > 4 or not all(_IPV4_PART.match(p) for p in parts):
        return None
    numbers = []
    for part in parts:
        if part[:2].lower() == "0x":
            numbers.append(int(part[2:] or "0", 16))
        elif len(part) > 1 and part.startswith("0"):
            if not part.isdigit() or any(c in "89" for c in part):
                raise ValueError(f"invalid octal IPv4 part {part!r} in {host!r}")
            numbers.append(int(part, 8))
        else:
            numbers.append(int(part))
    last_room = 256 ** (5 - len(numbers))
    if any(n > 255 for n in numbers[:-1]) or numbers[-1] >= last_room:
        raise ValueError(f"IPv4 address {host!r} is out of range")
    value = numbers[-1]
    for index, number in enumerate(numbers[:-1]):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def parse_ip_literal(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An IP literal as IPAddress::AssignFromIPLiteral reads it (IPv6 without brackets)."""
    if ":" in text:
        try:
            return ipaddress.IPv6Address(text)
        except ValueError:
            return None
    try:
        return parse_ipv4(text)
    except ValueError:
        return None


def canonical_host(host: str) -> str:
    """GURL's canonical form of a host; IPv6 comes back in brackets. ValueError if invalid."""
    text = host.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if ":" in text:
        try:
            return f"[{ipaddress.IPv6Address(text).compressed}]"
        except ValueError:
            raise ValueError(f"invalid IPv6 address {host!r}") from None
    if not text:
        raise ValueError("empty host")
    if not text.isascii():
        try:
            text = text.encode("idna").decode("ascii")
        except UnicodeError:
            raise ValueError(f"invalid international host name {host!r}") from None
    text = text.lower()
    ipv4 = parse_ipv4(text)
    if ipv4 is not None:
        return str(ipv4)
    if not _HOST_CHARS.match(text):
        raise ValueError(f"invalid character in host {host!r}")
    return text


def unbracketed(host: str) -> str:
    return host[1:-1] if host.startswith("[") else host


@dataclass(frozen=True)
class UrlParts:
    """What a proxy decision needs from a URL: scheme, canonical host, effective port."""

    scheme: str
    host: str  # canonical; IPv6 in brackets, as GURL::host() returns it
    port: int  # effective port; -1 when the scheme has no default and none is given
    url: str  # the URL itself, as given

    @property
    def ip(self) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
        return parse_ip_literal(unbracketed(self.host))

    @classmethod
    def parse(cls, url: str) -> UrlParts:
        """Split an absolute URL; ValueError naming the URL if it has no scheme or host."""
        try:
            split = urllib.parse.urlsplit(url.strip())
            port = split.port
        except ValueError as error:
            raise ValueError(f"invalid URL {url!r}: {error}") from None
        raw_host = split.netloc.rpartition("@")[2]
        if raw_host.startswith("["):
            raw_host = raw_host[: raw_host.find("]") + 1]
        else:
            raw_host = raw_host.split(":", 1)[0]
        if not split.scheme or not raw_host:
            raise ValueError(f"invalid URL {url!r}: an absolute URL with a host is needed")
        try:
            host = canonical_host(urllib.parse.unquote(raw_host))
        except ValueError as error:
            raise ValueError(f"invalid URL {url!r}: {error}") from None
        scheme = split.scheme.lower()
        effective = port if port is not None else DEFAULT_PORTS.get(scheme, -1)
        return cls(scheme, host, effective, url)
