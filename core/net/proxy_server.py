"""One proxy server and lists of them, in Chromium's two spellings.

* URI form, used by ``proxyRules``: ``[scheme://]host[:port]`` with ``http`` (the default),
  ``https``, ``socks4``, ``socks``/``socks5`` and ``direct://`` (net/base/proxy_string_util.cc,
  ProxyUriToProxyServer and GetSchemeFromUriScheme).
* PAC form, used by PAC results and by ``resolve_proxy``: ``PROXY host:port``, ``HTTPS``,
  ``SOCKS`` (= SOCKS4), ``SOCKS4``, ``SOCKS5``, ``DIRECT`` (PacResultElementToProxyServer,
  ProxyServerToPacResultElement). A list is joined with ``;`` and no space (ProxyList::ToPacString).

Where Chromium turns a bad entry into an invalid server and silently drops it, the URI parser
here raises ValueError naming the entry, so a typo in a setting never passes unnoticed.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from core.net.url_host import canonical_host


class Scheme(enum.Enum):
    DIRECT = "direct"
    HTTP = "http"
    HTTPS = "https"
    SOCKS4 = "socks4"
    SOCKS5 = "socks5"


_DEFAULT_PORT = {Scheme.HTTP: 80, Scheme.HTTPS: 443, Scheme.SOCKS4: 1080, Scheme.SOCKS5: 1080}

# GetSchemeFromUriScheme: note "socks://" means SOCKS5 here, while the "socks=" key of
# proxyRules and the PAC word "SOCKS" mean SOCKS4.
_URI_SCHEMES = {
    "http": Scheme.HTTP, "https": Scheme.HTTPS, "socks4": Scheme.SOCKS4,
    "socks": Scheme.SOCKS5, "socks5": Scheme.SOCKS5, "direct": Scheme.DIRECT,
}
_PAC_WORDS = {
    "proxy": Scheme.HTTP, "https": Scheme.HTTPS, "socks": Scheme.SOCKS4,
    "socks4": Scheme.SOCKS4, "socks5": Scheme.SOCKS5, "direct": Scheme.DIRECT,
}
_PAC_NAMES = {
    Scheme.HTTP: "PROXY", Scheme.HTTPS: "HTTPS", Scheme.SOCKS4: "SOCKS", Scheme.SOCKS5: "SOCKS5",
}
_URI_NAMES = {
    Scheme.HTTP: "", Scheme.HTTPS: "https://", Scheme.SOCKS4: "socks4://",
    Scheme.SOCKS5: "socks5://",
}
_LWS = " \t"


@dataclass(frozen=True)
class ProxyServer:
    """A proxy (or DIRECT). ``host`` is canonical; IPv6 hosts are kept in brackets."""

    scheme: Scheme
    host: str = ""
    port: int = 0

    @property
    def is_direct(self) -> bool:
        return self.scheme is Scheme.DIRECT

    @property
    def host_port(self) -> str:
        return f"{self.host}:{self.port}"

    def to_pac(self) -> str:
        """``PROXY foopy:80``; ``SOCKS`` for SOCKS4, as Chromium writes it "for compatibility"."""
        if self.is_direct:
            return "DIRECT"
        return f"{_PAC_NAMES[self.scheme]} {self.host_port}"

    def to_uri(self) -> str:
        if self.is_direct:
            return "direct://"
        return f"{_URI_NAMES[self.scheme]}{self.host_port}"


DIRECT = ProxyServer(Scheme.DIRECT)


def _host_and_port(scheme: Scheme, text: str, whole: str) -> ProxyServer:
    """ProxySchemeHostAndPortToProxyServer: ``host[:port]``, no user info, no empty port."""
    text = text.strip(_LWS)
    if scheme is Scheme.DIRECT:
        if text:
            raise ValueError(f"invalid proxy {whole!r}: DIRECT takes no host")
        return DIRECT
    if not text:
        raise ValueError(f"invalid proxy {whole!r}: no host")
    if "@" in text:
        raise ValueError(f"invalid proxy {whole!r}: user names and passwords are not allowed "
                         "here (the router asks for proxy credentials)")
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise ValueError(f"invalid proxy {whole!r}: unclosed '['")
        host, rest = text[: end + 1], text[end + 1 :]
        if rest and not rest.startswith(":"):
            raise ValueError(f"invalid proxy {whole!r}: junk after the IPv6 address")
        port_text = rest[1:] if rest else None
    else:
        host, colon, port_text_raw = text.rpartition(":")
        if not colon:
            host, port_text = text, None
        else:
            port_text = port_text_raw
    if port_text is not None and not port_text:
        raise ValueError(f"invalid proxy {whole!r}: empty port")  # Chromium rejects "foo:"
    if port_text is None:
        port = _DEFAULT_PORT[scheme]
    elif port_text.isdigit() and int(port_text) <= 65535:
        port = int(port_text)
    else:
        raise ValueError(f"invalid proxy {whole!r}: bad port {port_text!r}")
    try:
        canonical = canonical_host(host)
    except ValueError as error:
        raise ValueError(f"invalid proxy {whole!r}: {error}") from None
    return ProxyServer(scheme, canonical, port)


def parse_proxy_uri(text: str, default_scheme: Scheme = Scheme.HTTP) -> ProxyServer:
    """``[scheme://]host[:port]`` (ProxyUriToProxyServer); ValueError naming the entry."""
    uri = text.strip(_LWS)
    scheme = default_scheme
    colon = uri.find(":")
    if colon >= 0 and uri[colon + 1 : colon + 3] == "//":
        name = uri[:colon].lower()
        if name not in _URI_SCHEMES:
            raise ValueError(f"invalid proxy {text!r}: unknown proxy scheme {uri[:colon]!r} "
                             f"(use one of {', '.join(sorted(_URI_SCHEMES))})")
        scheme = _URI_SCHEMES[name]
        uri = uri[colon + 3 :]
    return _host_and_port(scheme, uri, text)


def parse_pac_element(text: str) -> ProxyServer:
    """One entry of a PAC result: ``DIRECT`` or ``<type> host[:port]``; ValueError if bad."""
    element = text.strip(_LWS)
    space = next((i for i, ch in enumerate(element) if ch in _LWS), len(element))
    word = element[:space].lower()
    if word not in _PAC_WORDS:
        raise ValueError(f"invalid PAC entry {text!r}: unknown type {element[:space]!r}")
    return _host_and_port(_PAC_WORDS[word], element[space:], text)


def parse_pac_result(result: str) -> tuple[ProxyServer, ...]:
    """ProxyList::SetFromPacString: bad entries are skipped, and nothing usable means DIRECT."""
    servers = []
    for element in result.split(";"):
        try:
            servers.append(parse_pac_element(element))
        except ValueError:
            continue
    return tuple(servers) or (DIRECT,)


def to_pac_string(servers: Iterable[ProxyServer]) -> str:
    return ";".join(server.to_pac() for server in servers)
