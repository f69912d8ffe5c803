"""``mode="system"`` on Linux: the proxy settings of the environment, read as Chromium reads
them when there is no desktop proxy service (ProxyConfigServiceLinux::GetConfigFromEnv):

* ``auto_proxy`` → PAC URL (empty: auto-detect), and nothing else is read;
* ``all_proxy`` → one proxy for every scheme; else ``http_proxy``, ``https_proxy``,
  ``ftp_proxy`` per scheme; else ``SOCKS_SERVER`` (SOCKS5, or SOCKS4 if ``SOCKS_VERSION=4``);
* ``no_proxy`` → bypass rules with suffix matching (``google.com`` means ``*google.com``).

Each name is also looked up in upper case. An unreadable value is logged and skipped, as
Chromium does: the environment is the user's, not an argument to reject.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from core.net.proxy_server import ProxyServer, Scheme, parse_proxy_uri

log = logging.getLogger("partita.net.proxy")


@dataclass(frozen=True)
class SystemProxy:
    pac_url: str | None = None
    auto_detect: bool = False
    single: ProxyServer | None = None
    per_scheme: tuple[tuple[str, ProxyServer], ...] = ()
    no_proxy: str = ""


def _get(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name)
    return value if value is not None else environ.get(name.upper())


def _proxy(
    environ: Mapping[str, str], name: str, scheme: Scheme = Scheme.HTTP
) -> ProxyServer | None:
    value = (_get(environ, name) or "").strip()
    if not value:
        return None
    if "://" not in value and scheme is not Scheme.HTTP:
        value = f"{scheme.value}://{value}"
    value = value.rstrip("/")
    scheme_part, sep, rest = value.rpartition("://")
    value = f"{scheme_part}{sep}{rest.rpartition('@')[2]}"  # credentials are asked for instead
    try:
        return parse_proxy_uri(value)
    except ValueError as error:
        log.warning("ignoring environment variable %s: %s", name, error)
        return None


def read_system_proxy(environ: Mapping[str, str]) -> SystemProxy:
    auto = _get(environ, "auto_proxy")
    if auto is not None:
        return SystemProxy(pac_url=auto or None, auto_detect=not auto)
    no_proxy = _get(environ, "no_proxy") or ""
    everything = _proxy(environ, "all_proxy")
    if everything is not None:
        return SystemProxy(single=everything, no_proxy=no_proxy)
    per_scheme = tuple(
        (key, server) for key in ("http", "https", "ftp")
        if (server := _proxy(environ, f"{key}_proxy")) is not None
    )
    if per_scheme:
        return SystemProxy(per_scheme=per_scheme, no_proxy=no_proxy)
    version = Scheme.SOCKS4 if _get(environ, "SOCKS_VERSION") == "4" else Scheme.SOCKS5
    return SystemProxy(single=_proxy(environ, "SOCKS_SERVER", version), no_proxy=no_proxy)
