"""What ``cookies.set`` accepts, checked before anything reaches the jar.

Mirrors Chromium's ``CanonicalCookie::CreateSanitizedCookie`` and the checks of
``CookieMonster::SetCanonicalCookie``, and words each refusal as Electron does
(``Failed to set cookie - <reason><debug string>``, shell/browser/api/electron_api_cookies.cc),
so a refused cookie leaves the jar exactly as it was.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass
from typing import Any

from core.net.domains import is_ip, registrable_domain
from core.net.url_host import UrlParts

SAME_SITE_TO_CDP = {"unspecified": None, "no_restriction": "None", "lax": "Lax", "strict": "Strict"}
COOKIEABLE_SCHEMES = frozenset({"http", "https", "ws", "wss"})
_SECURE_SCHEMES = frozenset({"https", "wss"})
_MAX_NAME_VALUE = 4096  # net::ParsedCookie::kMaxCookieNamePlusValueSize
_MAX_ATTRIBUTE = 1024  # net::ParsedCookie::kMaxCookieAttributeValueSize
# Control characters a cookie may not carry (tab is allowed), and the pair separators.
_BAD_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f;]")
_BAD_NAME = re.compile(r"[\x00-\x08\x0a-\x1f\x7f;=]")

_REASONS = {
    "EXCLUDE_SECURE_ONLY":
        "The cookie was Secure, but the URL was not allowed to access Secure cookies.",
    "EXCLUDE_SAMESITE_NONE_INSECURE": "The cookie specified SameSite=None, but it was not Secure.",
    "EXCLUDE_FAILURE_TO_STORE": "The cookie was malformed and could not be stored",
    "EXCLUDE_NONCOOKIEABLE_SCHEME":
        "Attempted to set a cookie from a scheme that does not support cookies.",
    "EXCLUDE_OVERWRITE_HTTP_ONLY":
        "The cookie would have overwritten an HttpOnly cookie, and was not allowed to do so.",
    "EXCLUDE_INVALID_DOMAIN": "The cookie was set with an invalid Domain attribute.",
    "EXCLUDE_INVALID_PREFIX": "The cookie was set with an invalid __Host- or __Secure- prefix.",
    "EXCLUDE_NAME_VALUE_PAIR_EXCEEDS_MAX_SIZE":
        "The cookie exceeded the name/value pair size limit.",
    "EXCLUDE_ATTRIBUTE_VALUE_EXCEEDS_MAX_SIZE": "Cookie exceeded the attribute size limit.",
    "EXCLUDE_DOMAIN_NON_ASCII":
        "The cookie was set with a Domain attribute containing non ASCII characters.",
    "EXCLUDE_DISALLOWED_CHARACTER": "The cookie contains ASCII control characters",
    "EXCLUDE_NO_COOKIE_CONTENT": "The cookie contains no content or only whitespace.",
}


class CookieRejected(ValueError):
    """Chromium would not store the cookie; the message is Electron's."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        # Electron appends CookieInclusionStatus::GetDebugString() with no separator.
        super().__init__(
            f"Failed to set cookie - {_REASONS[reason]}{reason}, DO_NOT_WARN, NO_EXEMPTION"
        )


@dataclass(frozen=True)
class CookieRequest:
    """A cookie that passed every check, as ``Network.setCookie`` takes it."""

    url: str
    name: str
    value: str
    domain: str  # "" for a host-only cookie, else with its leading dot
    path: str
    secure: bool
    http_only: bool
    same_site: str
    expiration_date: float | None

    @property
    def host(self) -> str:
        return UrlParts.parse(self.url).host

    def cdp_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {
            "url": self.url, "name": self.name, "value": self.value, "path": self.path,
            "secure": self.secure, "httpOnly": self.http_only,
        }
        if self.domain:
            params["domain"] = self.domain
        cdp_same_site = SAME_SITE_TO_CDP[self.same_site]
        if cdp_same_site is not None:
            params["sameSite"] = cdp_same_site
        if self.expiration_date is not None:
            params["expires"] = self.expiration_date
        return params


def same_site_value(same_site: str | None) -> str:
    """Electron's default is ``lax``; anything unknown is refused with Electron's message."""
    if same_site is None:
        return "lax"
    if same_site not in SAME_SITE_TO_CDP:
        raise ValueError(
            f"Failed to convert '{same_site}' to an appropriate cookie same site value"
        )
    return same_site


def _url_parts(url: str) -> UrlParts:
    try:
        parts = UrlParts.parse(url)
    except ValueError:
        raise CookieRejected("EXCLUDE_INVALID_DOMAIN") from None
    if parts.scheme not in COOKIEABLE_SCHEMES:
        raise CookieRejected("EXCLUDE_NONCOOKIEABLE_SCHEME")
    return parts


def cookie_domain(host: str, domain: str) -> str:
    """``GetCookieDomainWithString``: "" for host-only, ``.example.com`` for a domain cookie."""
    if not domain:
        return ""
    if not domain.isascii():
        raise CookieRejected("EXCLUDE_DOMAIN_NON_ASCII")
    wanted = domain.lower().lstrip(".")
    if "%" in wanted or not wanted:
        raise CookieRejected("EXCLUDE_INVALID_DOMAIN")
    site = registrable_domain(host)
    if site is None:
        # IPs, intranet hosts and public suffixes only get a host cookie, and only for
        # themselves (Chromium matches IE and Firefox here).
        if wanted == host:
            return ""
        raise CookieRejected("EXCLUDE_INVALID_DOMAIN")
    if is_ip(wanted) or registrable_domain(wanted) != site:
        raise CookieRejected("EXCLUDE_INVALID_DOMAIN")
    if host != wanted and not host.endswith("." + wanted):
        raise CookieRejected("EXCLUDE_INVALID_DOMAIN")
    return "." + wanted


def default_path(url: str) -> str:
    """RFC 6265 5.1.4, as ``CanonPathWithString`` does with no Path attribute."""
    path = urllib.parse.urlsplit(url).path
    if not path.startswith("/"):
        return "/"
    cut = path.rfind("/")
    return path[:cut] if cut > 0 else "/"


def _secure_url(parts: UrlParts) -> bool:
    # Chromium lets potentially trustworthy hosts (localhost, loopback) hold Secure cookies.
    return parts.scheme in _SECURE_SCHEMES or parts.host in ("localhost", "127.0.0.1", "[::1]") \
        or parts.host.endswith(".localhost")


def check(*, url: str, name: str, value: str, domain: str, path: str, secure: bool | None,
          http_only: bool, same_site: str, expiration_date: float | None) -> CookieRequest:
    """The sanitized cookie, or ``CookieRejected`` with the first reason Chromium would give."""
    for text, pattern in ((name, _BAD_NAME), (value, _BAD_VALUE), (path, _BAD_VALUE)):
        if pattern.search(text) or text != text.strip(" \t"):
            raise CookieRejected("EXCLUDE_DISALLOWED_CHARACTER")
    if not name and not value:
        raise CookieRejected("EXCLUDE_NO_COOKIE_CONTENT")
    if len(name) + len(value) > _MAX_NAME_VALUE:
        raise CookieRejected("EXCLUDE_NAME_VALUE_PAIR_EXCEEDS_MAX_SIZE")
    if len(domain) > _MAX_ATTRIBUTE or len(path) > _MAX_ATTRIBUTE:
        raise CookieRejected("EXCLUDE_ATTRIBUTE_VALUE_EXCEEDS_MAX_SIZE")
    parts = _url_parts(url)
    host_domain = cookie_domain(parts.host, domain)
    cookie_path = path if path.startswith("/") else default_path(url)
    if path and (not path.isascii() or " " in path):
        raise CookieRejected("EXCLUDE_FAILURE_TO_STORE")  # GURL would escape it: not canonical
    is_secure = (same_site == "no_restriction") if secure is None else secure
    lowered = name.lower()
    if lowered.startswith("__secure-") and not (is_secure and _secure_url(parts)):
        raise CookieRejected("EXCLUDE_INVALID_PREFIX")
    if lowered.startswith("__host-") and not (
        is_secure and _secure_url(parts) and not host_domain and cookie_path == "/"
    ):
        raise CookieRejected("EXCLUDE_INVALID_PREFIX")
    if is_secure and not _secure_url(parts):
        raise CookieRejected("EXCLUDE_SECURE_ONLY")
    if same_site == "no_restriction" and not is_secure:
        raise CookieRejected("EXCLUDE_SAMESITE_NONE_INSECURE")
    return CookieRequest(parts.url, name, value, host_domain, cookie_path, is_secure,
                         http_only, same_site, expiration_date)
