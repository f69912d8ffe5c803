"""``proxyBypassRules``: which URLs skip the proxy (Chromium's ProxyBypassRules).

Mirrors net/proxy_resolution/proxy_bypass_rules.cc and net/base/scheme_host_port_matcher*.cc:

* rules are separated by ``,`` or ``;``; each is ``[scheme://]pattern[:port]`` with ``*``/``?``
  wildcards, ``.suffix`` (read as ``*.suffix``), an IP literal (``127.0.1``, ``[::1]:99``), a
  CIDR block (``192.168.1.1/16``, ``fefe:13::abc/33``, IPv6 without brackets), ``<local>``
  (a host name without dots, not an IP: *not* localhost) or ``<-loopback>``;
* later rules win: the list is evaluated from the end, and ``<-loopback>`` is a negative rule;
* when no rule decides, the implicit rules bypass localhost, ``*.localhost``, 127/8, ``[::1]``,
  IPv4-mapped loopback and link-local addresses, unless ``<-loopback>`` removed them.

Where Chromium drops a rule it cannot parse, ``parse_bypass_rules`` raises ValueError naming it.
"""

from __future__ import annotations

import enum
import ipaddress
import re
from dataclasses import dataclass

from core.net.url_host import UrlParts, canonical_host, parse_ip_literal

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class Verdict(enum.Enum):
    NO_MATCH = "no match"
    INCLUDE = "include"  # bypass the proxy
    EXCLUDE = "exclude"  # do not bypass (a negative rule)


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """base::MatchPattern: ``*`` any run, ``?`` one character, everything else literal."""
    parts = (".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile("".join(parts), re.DOTALL)


def _as_ipv6(address: IPAddress) -> ipaddress.IPv6Address:
    if isinstance(address, ipaddress.IPv4Address):
        return ipaddress.IPv6Address(f"::ffff:{address}")
    return address


def _is_localhost(url: UrlParts) -> bool:
    """net::IsLocalhost plus IsIPv4MappedLoopback."""
    host = url.host
    if host in ("localhost", "localhost.") or host.endswith((".localhost", ".localhost.")):
        return True
    ip = url.ip
    if ip is None:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped.is_loopback
    return ip.is_loopback


def _is_link_local(url: UrlParts) -> bool:
    ip = url.ip
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip is not None and ip.is_link_local


def matches_implicit_rules(url: UrlParts) -> bool:
    """ProxyBypassRules::MatchesImplicitRules (non-Windows: no ``loopback`` name)."""
    return _is_localhost(url) or _is_link_local(url)


@dataclass(frozen=True)
class Rule:
    """One parsed rule; ``text`` is Chromium's ToString() of it."""

    text: str
    kind: str  # "host", "ip", "cidr", "local", "subtract-implicit"
    scheme: str = ""
    port: int = -1
    pattern: str = ""
    network: ipaddress.IPv6Network | None = None

    def evaluate(self, url: UrlParts) -> Verdict:
        if self.kind == "local":
            return Verdict.INCLUDE if "." not in url.host and url.ip is None else Verdict.NO_MATCH
        if self.kind == "subtract-implicit":
            return Verdict.EXCLUDE if matches_implicit_rules(url) else Verdict.NO_MATCH
        if self.scheme and url.scheme != self.scheme:
            return Verdict.NO_MATCH
        if self.kind == "cidr":
            ip = url.ip
            assert self.network is not None
            hit = ip is not None and _as_ipv6(ip) in self.network
            return Verdict.INCLUDE if hit else Verdict.NO_MATCH
        if self.port != -1 and url.port != self.port:
            return Verdict.NO_MATCH
        hit = _pattern_regex(self.pattern).fullmatch(url.host) is not None
        return Verdict.INCLUDE if hit else Verdict.NO_MATCH


def _cidr_rule(raw: str, scheme: str, text: str) -> Rule:
    address_text, _, bits_text = raw.partition("/")
    address = parse_ip_literal(address_text)  # bracketed IPv6 ranges are refused, as in Chromium
    max_bits = 32 if isinstance(address, ipaddress.IPv4Address) else 128
    if address is None or not bits_text.isdigit() or int(bits_text) > max_bits:
        raise ValueError(f"invalid bypass rule {text!r}: not an IP range in CIDR notation")
    # IPv4 and IPv4-mapped IPv6 match each other (IPAddressMatchesPrefix), so keep all in IPv6.
    bits = int(bits_text) + (96 if max_bits == 32 else 0)
    network = ipaddress.IPv6Network((_as_ipv6(address), bits), strict=False)
    return Rule(raw, "cidr", scheme=scheme, network=network)


def _ip_host_and_port(raw: str) -> tuple[IPAddress, int] | None:
    """net::ParseHostAndPort restricted to IP literals: ``1.2.3.4``, ``[::1]``, ``[::1]:80``."""
    if raw.startswith("["):
        end = raw.find("]")
        host, rest = raw[1:end], raw[end + 1 :]
        if end < 0 or (rest and not rest.startswith(":")):
            return None
        port_text = rest[1:] if rest else ""
    else:
        host, _, port_text = raw.partition(":")
        if ":" in port_text:
            return None
    if port_text and not (port_text.isdigit() and int(port_text) <= 65535):
        return None
    address = parse_ip_literal(host)
    if address is None or (":" in host) != raw.startswith("["):
        return None
    return address, int(port_text) if port_text else -1


def parse_rule(raw_untrimmed: str, suffix_matching: bool = False) -> Rule:
    """One rule (SchemeHostPortMatcherRule::FromUntrimmedRawString); ValueError if invalid.

    ``suffix_matching`` is ParseFormat::kHostnameSuffixMatching, used for ``no_proxy``:
    a host pattern ``google.com`` then means ``*google.com``.
    """
    raw = raw_untrimmed.strip()
    if raw.lower() == "<local>":
        return Rule("<local>", "local")
    if raw.lower() == "<-loopback>":
        return Rule("<-loopback>", "subtract-implicit")
    scheme = ""
    if "://" in raw:
        scheme, raw = raw.split("://", 1)
        scheme = scheme.lower()
        if not scheme:
            raise ValueError(f"invalid bypass rule {raw_untrimmed!r}: empty scheme")
    if not raw:
        raise ValueError(f"invalid bypass rule {raw_untrimmed!r}: no host pattern")
    prefix = f"{scheme}://" if scheme else ""
    if "/" in raw:
        return _cidr_rule(raw, scheme, raw_untrimmed)
    ip_and_port = _ip_host_and_port(raw)
    if ip_and_port is not None:
        address, port = ip_and_port
        host = f"[{address.compressed}]" if address.version == 6 else str(address)
        text = prefix + host + (f":{port}" if port != -1 else "")
        return Rule(text, "ip", scheme=scheme, port=port, pattern=host)
    pattern, colon, port_text = raw.rpartition(":")
    if not colon:
        pattern, port_text = raw, ""
    elif not (port_text.isdigit() and int(port_text) <= 65535):
        raise ValueError(f"invalid bypass rule {raw_untrimmed!r}: bad port {port_text!r}")
    if not pattern:
        raise ValueError(f"invalid bypass rule {raw_untrimmed!r}: no host pattern")
    pattern = pattern.lower()
    if pattern.startswith(".") or (suffix_matching and not pattern.startswith("*")):
        pattern = "*" + pattern
    _check_pattern(pattern, raw_untrimmed)
    port = int(port_text) if port_text else -1
    text = prefix + pattern + (f":{port}" if port != -1 else "")
    return Rule(text, "host", scheme=scheme, port=port, pattern=pattern)


def _check_pattern(pattern: str, whole: str) -> None:
    """A host pattern must be a host name once its wildcards are filled in."""
    sample = pattern.replace("*", "a").replace("?", "a").strip(".") or "a"
    try:
        canonical_host(sample)
    except ValueError:
        raise ValueError(f"invalid bypass rule {whole!r}: {pattern!r} is not a host pattern") \
            from None


@dataclass(frozen=True)
class BypassRules:
    """A parsed ``proxyBypassRules`` list; immutable."""

    rules: tuple[Rule, ...] = ()

    def __str__(self) -> str:
        """SchemeHostPortMatcher::ToString: every rule followed by ``;``."""
        return "".join(f"{rule.text};" for rule in self.rules)

    def matches(self, url: UrlParts, reverse: bool = False) -> bool:
        """True if the URL bypasses the proxy (ProxyBypassRules::Matches)."""
        for rule in reversed(self.rules):
            verdict = rule.evaluate(url)
            if verdict is Verdict.INCLUDE:
                return not reverse
            if verdict is Verdict.EXCLUDE:
                return reverse
        return matches_implicit_rules(url) or reverse


def parse_bypass_rules(text: str | None, suffix_matching: bool = False) -> BypassRules:
    """Split on ``,`` and ``;`` (empty pieces are skipped, as base::StringTokenizer does)."""
    pieces = re.split(r"[,;]", text or "")
    return BypassRules(tuple(parse_rule(p, suffix_matching) for p in pieces if p.strip()))
