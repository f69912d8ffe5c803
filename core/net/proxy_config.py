"""A session's proxy configuration, as Electron's ``ses.set_proxy`` takes it, and
``resolve_proxy`` answering as Chromium does.

Mode precedence is Electron's (shell/browser/api/electron_api_session.cc, Session::SetProxy):
without ``mode``, a non-empty ``pac_script`` means ``pac_script`` (``proxy_rules`` is then
ignored), otherwise ``fixed_servers``; fixed servers with no rules are direct
(ProxyConfigDictionary::CreateFixedServers). ``pac_script`` is mandatory (Electron passes
pac_mandatory=true): when it cannot be used, requests fail instead of going direct, while
``auto_detect`` falls back to direct.

``proxyRules`` follows ProxyConfig::ProxyRules::ParseFromString (net/proxy_resolution/
proxy_config.cc): ``;``-separated entries, either one fail-over list for every scheme
(``foopy:80,bar,direct://``) or ``scheme=list`` entries for ``http``, ``https``, ``ftp`` and
``socks`` (the fallback for every other scheme, SOCKS4 unless written ``socks5://``).
Chromium silently drops what it cannot use (an unknown ``crazy=`` key, an entry after a mixed
form, a bad proxy); here those raise ValueError naming the piece, and nothing changes.

Configurations are immutable: parsing returns a new object or raises.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from core.net.bypass import BypassRules, matches_implicit_rules, parse_bypass_rules
from core.net.pac_engine import PacError, PacScript
from core.net.proxy_server import (
    DIRECT,
    ProxyServer,
    Scheme,
    parse_pac_result,
    parse_proxy_uri,
    to_pac_string,
)
from core.net.system_proxy import read_system_proxy
from core.net.url_host import UrlParts

MODES = ("direct", "auto_detect", "pac_script", "fixed_servers", "system")
WPAD_URL = "http://wpad/wpad.dat"
_PAC_URL_SCHEMES = ("http", "https", "data", "file")
_SCHEME_KEYS = ("http", "https", "ftp", "socks")

ProxyList = tuple[ProxyServer, ...]


@dataclass(frozen=True)
class ProxyRules:
    """Parsed ``proxyRules``: one list for all schemes, or lists per URL scheme."""

    single: ProxyList = ()
    http: ProxyList = ()
    https: ProxyList = ()
    ftp: ProxyList = ()
    fallback: ProxyList = ()  # from "socks=": every scheme without a list of its own
    per_scheme: bool = False

    @property
    def empty(self) -> bool:
        return not (self.single or self.http or self.https or self.ftp or self.fallback)

    def for_scheme(self, scheme: str) -> ProxyList:
        """MapUrlSchemeToProxyList, with ws/wss preferring SOCKS, then https, then http."""
        if not self.per_scheme:
            return self.single
        own: ProxyList = getattr(self, scheme) if scheme in ("http", "https", "ftp") else ()
        if own:
            return own
        if scheme in ("ws", "wss"):
            return self.fallback or self.https or self.http
        return self.fallback


def _proxy_list(text: str, default: Scheme, whole: str) -> ProxyList:
    entries = [entry for entry in text.split(",") if entry.strip()]
    if not entries:
        raise ValueError(f"invalid proxy rules {whole!r}: empty proxy list in {text!r}")
    return tuple(parse_proxy_uri(entry, default) for entry in entries)


def parse_proxy_rules(text: str | None) -> ProxyRules:
    """Parse ``proxyRules``; ValueError naming the first piece Chromium would not use."""
    whole = text or ""
    entries = [entry for entry in whole.split(";") if entry.strip()]
    if not entries:
        return ProxyRules()
    if "=" not in entries[0]:
        if len(entries) > 1:
            raise ValueError(f"invalid proxy rules {whole!r}: after a list for every scheme, "
                             f"{entries[1].strip()!r} would be ignored")
        return ProxyRules(single=_proxy_list(entries[0], Scheme.HTTP, whole))
    lists: dict[str, ProxyList] = {key: () for key in _SCHEME_KEYS}
    for entry in entries:
        key, equals, value = entry.partition("=")
        key = key.strip()
        if not equals or "=" in value:
            raise ValueError(f"invalid proxy rules {whole!r}: {entry.strip()!r} is not "
                             "scheme=proxies (lists for every scheme and per scheme can't mix)")
        if key not in _SCHEME_KEYS:
            raise ValueError(f"invalid proxy rules {whole!r}: unknown URL scheme {key!r} "
                             f"(use one of {', '.join(_SCHEME_KEYS)})")
        default = Scheme.SOCKS4 if key == "socks" else Scheme.HTTP
        lists[key] += _proxy_list(value, default, whole)  # repeated keys accumulate
    return ProxyRules(http=lists["http"], https=lists["https"], ftp=lists["ftp"],
                      fallback=lists["socks"], per_scheme=True)


@dataclass(frozen=True)
class ProxyConfig:
    """What ``set_proxy`` asked for, validated; ``pac`` is filled in once fetched (core.net.pac)."""

    mode: str = "direct"
    rules: ProxyRules = dataclasses.field(default_factory=ProxyRules)
    bypass: BypassRules = dataclasses.field(default_factory=BypassRules)
    pac_url: str = ""
    pac_mandatory: bool = False
    pac: PacScript | None = dataclasses.field(default=None, compare=False)

    @property
    def uses_pac(self) -> bool:
        return bool(self.pac_url)

    def with_pac(self, script: PacScript | None) -> ProxyConfig:
        return dataclasses.replace(self, pac=script)


def _check_pac_url(url: str) -> str:
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in _PAC_URL_SCHEMES or not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:.", url):
        raise ValueError(f"invalid pac_script {url!r}: a PAC URL "
                         f"({', '.join(_PAC_URL_SCHEMES)}) is needed")
    return url


def _system_config(environ: Mapping[str, str]) -> ProxyConfig:
    found = read_system_proxy(environ)
    if found.pac_url or found.auto_detect:
        return ProxyConfig("system", pac_url=_check_pac_url(found.pac_url or WPAD_URL))
    if found.single is not None:
        rules = ProxyRules(single=(found.single,))
    else:
        rules = ProxyRules(per_scheme=True, **{key: (server,) for key, server in found.per_scheme})
    return ProxyConfig("system", rules, parse_bypass_rules(found.no_proxy, suffix_matching=True))


def _check_text(name: str, value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, not {type(value).__name__}")
    return value


def parse_proxy_config(
    mode: str | None = None,
    pac_script: str | None = None,
    proxy_rules: str | None = None,
    proxy_bypass_rules: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> ProxyConfig:
    """``set_proxy``'s arguments → a new ProxyConfig, PAC not fetched yet; raises if invalid."""
    pac_url = _check_text("pac_script", pac_script).strip()
    rules_text = _check_text("proxy_rules", proxy_rules)
    bypass = parse_bypass_rules(_check_text("proxy_bypass_rules", proxy_bypass_rules))
    if mode is None:
        mode = "pac_script" if pac_url else "fixed_servers"
    elif mode not in MODES:
        raise ValueError(f"Invalid mode {mode!r}, must be one of direct, auto_detect, "
                         "pac_script, fixed_servers or system")
    rules = parse_proxy_rules(rules_text)  # checked in every mode, so a typo is never silent
    if mode == "pac_script":
        if not pac_url:
            raise ValueError("mode 'pac_script' needs pac_script: the URL of the PAC file")
        return ProxyConfig(mode, pac_url=_check_pac_url(pac_url), pac_mandatory=True)
    if mode == "auto_detect":
        return ProxyConfig(mode, pac_url=WPAD_URL)
    if mode == "system":
        return _system_config(os.environ if environ is None else environ)
    if mode == "fixed_servers" and not rules.empty:
        return ProxyConfig(mode, rules, bypass)
    return ProxyConfig("direct")


def _decide(config: ProxyConfig, url: UrlParts) -> ProxyList | PacScript:
    """The answer, or the PAC script that must give it."""
    if config.uses_pac:
        # Localhost and link-local never go through a PAC script (ApplyPacBypassRules).
        if matches_implicit_rules(url):
            return (DIRECT,)
        if config.pac is not None:
            return config.pac
        if config.pac_mandatory:
            raise PacError(f"the PAC script {config.pac_url} is not loaded "
                           "(net::ERR_MANDATORY_PROXY_CONFIGURATION_FAILED)")
        return (DIRECT,)
    if config.rules.empty or config.bypass.matches(url):
        return (DIRECT,)
    return config.rules.for_scheme(url.scheme) or (DIRECT,)


def _from_pac(config: ProxyConfig, answer: str | PacError) -> ProxyList:
    """A failed script means direct, unless the PAC is mandatory (then the error stands)."""
    if isinstance(answer, PacError):
        if config.pac_mandatory:
            raise answer
        return (DIRECT,)
    return parse_pac_result(answer)


def resolve_proxy_list(config: ProxyConfig, url: str | UrlParts) -> ProxyList:
    """The fail-over list for a URL; blocks while a PAC script runs."""
    parts = url if isinstance(url, UrlParts) else UrlParts.parse(url)
    decided = _decide(config, parts)
    if not isinstance(decided, PacScript):
        return decided
    try:
        return _from_pac(config, decided.find_proxy(parts))
    except PacError as error:
        return _from_pac(config, error)


async def resolve_proxy_list_async(config: ProxyConfig, url: str | UrlParts) -> ProxyList:
    """The same without blocking the event loop (the PAC engine runs on its own thread)."""
    parts = url if isinstance(url, UrlParts) else UrlParts.parse(url)
    decided = _decide(config, parts)
    if not isinstance(decided, PacScript):
        return decided
    try:
        return _from_pac(config, await decided.find_proxy_async(parts))
    except PacError as error:
        return _from_pac(config, error)


def resolve_proxy(config: ProxyConfig, url: str) -> str:
    """Chromium's answer for a URL: ``DIRECT``, ``PROXY host:port``, ``HTTPS host:port``,
    ``SOCKS host:port`` (SOCKS4), ``SOCKS5 host:port``, fail-over lists joined by ``;``."""
    return to_pac_string(resolve_proxy_list(config, url))
