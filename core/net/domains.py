"""Cookie domains: registrable domains (Public Suffix List) and Electron's domain filter.

The Public Suffix List is the snapshot bundled with the ``publicsuffixlist`` package, read
once and never fetched at run time. Private registries (``github.io``) count, and an unknown
top-level label (``foo.test``) acts as a one-label suffix, as Chromium's
``GetDomainAndRegistry(..., INCLUDE_PRIVATE_REGISTRIES)`` does.
"""

from __future__ import annotations

from functools import lru_cache

from publicsuffixlist import PublicSuffixList

from core.net.url_host import parse_ip_literal, unbracketed


@lru_cache(maxsize=1)
def _psl() -> PublicSuffixList:
    return PublicSuffixList()


def is_ip(host: str) -> bool:
    return parse_ip_literal(unbracketed(host.strip(".")).lower()) is not None


def registrable_domain(host: str) -> str | None:
    """``www.example.co.uk`` → ``example.co.uk``; None for IPs, public suffixes, single labels."""
    bare = host.strip(".").lower()
    if not bare or is_ip(bare):
        return None
    found: str | None = _psl().privatesuffix(bare)
    return found


def site_key(host: str) -> str:
    """What cookies and cleared data are grouped by: the registrable domain, else the host.

    Chromium keys its cookie jar the same way (``CookieMonster::GetKey``), and Electron's
    ``clearData`` removes cookies "at the registrable domain level".
    """
    bare = host.strip(".").lower()
    return registrable_domain(bare) or bare


def _within(inner: str, outer: str) -> bool:
    """``inner`` is ``outer`` or one of its subdomains, compared at label boundaries."""
    return inner == outer or inner.endswith("." + outer)


def matches_domain(filter_domain: str, cookie_domain: str) -> bool:
    """Electron's ``cookies.get({domain})`` test for one cookie.

    Electron's ``MatchesDomain`` keeps cookies whose domain is the filter or below it; since
    electron/electron#46748 (2025) ``CanonicalCookie::IsDomainMatch`` also keeps domain
    cookies that cover the filter (``.example.com`` for ``www.example.com``). Both hold here:
    a leading dot is optional on either side, case does not matter, suffixes only match at
    label boundaries (``notexample.com`` is not ``example.com``), and an IP address only
    matches itself.
    """
    wanted = filter_domain.strip().lower().lstrip(".")
    have = cookie_domain.lower().lstrip(".")
    if not wanted or not have:
        return False
    if is_ip(wanted) or is_ip(have):
        return wanted == have
    if _within(have, wanted):
        return True
    # The other direction only for domain cookies: a host-only cookie never reaches a subdomain.
    return cookie_domain.startswith(".") and _within(wanted, have)
