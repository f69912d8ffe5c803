"""Electron's webRequest URL filters: Chromium's extension match patterns (``URLPattern``).

Parsing and matching follow ``extensions/common/url_pattern.cc`` as Electron uses it (every
scheme allowed): ``<all_urls>`` matches everything; a ``*`` scheme matches only http and https;
``*.host`` matches the host and its subdomains (never for IP addresses); a port may be given
only for schemes that have a default port; the path is a glob where only ``*`` is special and
the query counts as part of the path. Errors carry Chromium's messages, as Electron's
``TypeError("Invalid url pattern <p>: <reason>")`` does.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
import urllib.parse
from dataclasses import dataclass

from core import app

ALL_URLS = "<all_urls>"
# Schemes url::IsStandard knows (plus custom schemes registered as standard) and their ports.
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21}
_STANDARD = frozenset({*_DEFAULT_PORTS, "file", "chrome", "chrome-extension", "devtools", "qrc"})


class PatternError(TypeError):
    """A URL filter that Chromium's parser rejects; the message is Electron's."""

    def __init__(self, pattern: str, reason: str) -> None:
        super().__init__(f"Invalid url pattern {pattern}: {reason}")


def _is_standard(scheme: str) -> bool:
    if scheme == "*" or scheme in _STANDARD:
        return True
    return bool(app.privileged_schemes().get(scheme, {}).get("standard"))


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class MatchPattern:
    """One parsed pattern; ``matches(url)`` is Chromium's ``URLPattern::MatchesURL``."""

    spec: str
    scheme: str = "*"
    host: str = ""
    subdomains: bool = True
    port: str = "*"
    path: str = "/*"
    all_urls: bool = False

    @classmethod
    def parse(cls, spec: str) -> MatchPattern:
        if not isinstance(spec, str):
            raise TypeError(f"url pattern must be a string, not {spec!r}")
        if spec == ALL_URLS:
            return cls(spec, all_urls=True)
        standard_separator = "://" in spec
        scheme_end = spec.find("://") if standard_separator else spec.find(":")
        if scheme_end < 0:
            raise PatternError(spec, "Missing scheme separator.")
        scheme = spec[:scheme_end].lower()
        if _is_standard(scheme) != standard_separator:
            raise PatternError(spec, "Wrong scheme type.")
        rest = spec[scheme_end + (3 if standard_separator else 1):]
        if not rest:
            raise PatternError(spec, "Host can not be empty.")
        if not standard_separator:
            return cls(spec, scheme, "", False, "*", rest)
        if scheme == "file":
            # The host of a file pattern is ignored; "file://*" means "file:///*".
            slash = rest.find("/")
            return cls(spec, scheme, "", False, "*", "/" + rest if slash < 0 else rest[slash:])
        return cls._parse_host(spec, scheme, rest)

    @classmethod
    def _parse_host(cls, spec: str, scheme: str, rest: str) -> MatchPattern:
        slash = rest.find("/")
        if slash == 0:
            raise PatternError(spec, "Host can not be empty.")
        if slash < 0:
            raise PatternError(spec, "Empty path.")
        host_and_port, path = rest[:slash], rest[slash:]
        port = "*"
        if host_and_port.startswith("["):
            close = host_and_port.find("]")
            if close < 0:
                raise PatternError(spec, "Invalid host.")
            if close == 1:
                raise PatternError(spec, "Host can not be empty.")
            host, tail = host_and_port[:close + 1], host_and_port[close + 1:]
            if tail and not tail.startswith(":"):
                raise PatternError(spec, "Invalid host.")
            port_text = tail[1:] if tail else None
        else:
            host, _, port_text_raw = host_and_port.partition(":")
            port_text = port_text_raw if ":" in host_and_port else None
        if port_text is not None:
            if not _valid_port(scheme, port_text):
                raise PatternError(spec, "Invalid port.")
            port = port_text
        if not host:
            raise PatternError(spec, "Host can not be empty.")
        subdomains = False
        if host == "*":
            subdomains, host = True, ""
        elif host.startswith("*."):
            if len(host) == 2:
                raise PatternError(spec, "Host can not be empty.")
            subdomains, host = True, host[2:]
        if "*" in host:
            raise PatternError(spec, "Invalid host wildcard.")
        if host:
            host = _canonical_host(spec, host)
        return cls(spec, scheme, host, subdomains, port, path)

    def matches(self, url: str) -> bool:
        parts = urllib.parse.urlsplit(url)
        scheme = parts.scheme.lower()
        if not scheme:
            return False
        if self.all_urls:
            return True
        if self.scheme == "*":
            if scheme not in ("http", "https"):
                return False
        elif scheme != self.scheme:
            return False
        if not _is_standard(scheme):
            return fnmatch.fnmatchcase(url[len(scheme) + 1:], self._glob())
        path = parts.path or "/"
        if "?" in url.split("#", 1)[0]:
            path += "?" + parts.query
        if scheme != "file":
            if not self._matches_host((parts.hostname or "").rstrip(".")):
                return False
            if self.port != "*":
                try:
                    port = parts.port or _DEFAULT_PORTS.get(scheme)
                except ValueError:
                    return False
                if str(port) != self.port:
                    return False
        if self.path == path + "/*":
            return True
        return fnmatch.fnmatchcase(path, self._glob())

    def _matches_host(self, host: str) -> bool:
        pattern_host = self.host.rstrip(".")
        if host == pattern_host or (self.subdomains and not pattern_host):
            return True
        if not self.subdomains or _is_ip(host):
            return False
        return host.endswith("." + pattern_host)

    def _glob(self) -> str:
        # Only "*" is a wildcard in Chromium's path glob; fnmatch's "?" and "[" must be literal.
        return re.sub(r"([?\[])", r"[\1]", self.path)


def _valid_port(scheme: str, port: str) -> bool:
    if port == "*":
        return True
    if scheme not in _DEFAULT_PORTS or not port.isdigit():
        return False
    return 0 <= int(port) < 65536


def _canonical_host(spec: str, host: str) -> str:
    if "\x00" in host:
        raise PatternError(spec, "Invalid host.")
    try:
        canonical = urllib.parse.urlsplit(f"http://{host}/").hostname or ""
        canonical.encode("idna")
    except (ValueError, UnicodeError):
        raise PatternError(spec, "Invalid host.") from None
    if not canonical or any(char in canonical for char in " %<>\\^`{|}"):
        raise PatternError(spec, "Invalid host.")
    return canonical


def parse_all(patterns: object) -> tuple[MatchPattern, ...]:
    """Parse Electron's ``filter.urls``; ``None`` means no filter (everything matches)."""
    if patterns is None:
        return ()
    if isinstance(patterns, str) or not isinstance(patterns, (list, tuple, set, frozenset)):
        raise TypeError(f"urls must be a list of URL patterns, not {patterns!r}")
    return tuple(MatchPattern.parse(pattern) for pattern in patterns)


def matches_any(patterns: tuple[MatchPattern, ...], url: str) -> bool:
    """Electron's ``MatchesFilterCondition``: no patterns means every URL."""
    return not patterns or any(pattern.matches(url) for pattern in patterns)
