"""What the Site data panel shows of a cookie jar: sites, search, and readable cells."""

from __future__ import annotations

import time
from dataclasses import dataclass

from core.net.cookies import Cookie
from core.net.domains import site_key

VALUE_CHARS = 40
"""Longer values are cut in the list; the details show them whole."""

_SAME_SITE = {"no_restriction": "None", "lax": "Lax", "strict": "Strict"}


@dataclass(frozen=True)
class Site:
    """The cookies of one registrable domain (or of one IP address or single-label host)."""

    name: str
    cookies: tuple[Cookie, ...]


def site_of(cookie: Cookie) -> str:
    # Chromium keys its jar by registrable domain and Electron's clearData removes cookies at
    # that level, so the panel groups the same way.
    return site_key(cookie.domain)


def matches(cookie: Cookie, query: str) -> bool:
    """``query`` (case-insensitive) is part of the cookie's domain, its site or its name."""
    wanted = query.strip().lower()
    return not wanted or any(wanted in text.lower()
                             for text in (cookie.domain, site_of(cookie), cookie.name))


def sites(cookies: list[Cookie], query: str = "") -> list[Site]:
    """The cookies matching ``query``, grouped by site; sites and cookies in a stable order."""
    grouped: dict[str, list[Cookie]] = {}
    for cookie in cookies:
        if matches(cookie, query):
            grouped.setdefault(site_of(cookie), []).append(cookie)
    return [Site(name, tuple(sorted(grouped[name], key=lambda c: (c.name, c.domain, c.path))))
            for name in sorted(grouped)]


def elided(value: str, limit: int = VALUE_CHARS) -> str:
    return value if len(value) <= limit else value[:limit - 1] + "…"


def expiry_text(cookie: Cookie) -> str:
    if cookie.session or cookie.expiration_date is None:
        return "session"
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(cookie.expiration_date))


def flag_names(cookie: Cookie) -> list[str]:
    flags = [name for name, on in (("Secure", cookie.secure), ("HttpOnly", cookie.http_only))
             if on]
    if cookie.same_site in _SAME_SITE:
        flags.append(f"SameSite={_SAME_SITE[cookie.same_site]}")
    return flags


def flags_text(cookie: Cookie) -> str:
    return " · ".join(flag_names(cookie)) or "—"


def count_text(count: int) -> str:
    return f"{count} cookie" + ("" if count == 1 else "s")
