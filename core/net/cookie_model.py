"""Electron's ``Cookie`` structure, built from the DevTools protocol or from Qt's cookie store."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PyQt6.QtNetwork import QNetworkCookie

_SAME_SITE_FROM_CDP = {"None": "no_restriction", "Lax": "lax", "Strict": "strict"}
_SAME_SITE_FROM_QT = {
    QNetworkCookie.SameSite.None_: "no_restriction",
    QNetworkCookie.SameSite.Lax: "lax",
    QNetworkCookie.SameSite.Strict: "strict",
}

Key = tuple[str, str, str]
"""What makes two cookies the same cookie in Chromium's jar: name, domain, path."""

# Network.Cookie fields that Network.setCookies takes back unchanged (CookieParam).
_KEPT_BY_SET = ("name", "value", "path", "secure", "httpOnly", "sameSite", "priority",
                "sourceScheme", "sourcePort", "partitionKey")


def set_params(raw: dict[str, Any]) -> dict[str, Any]:
    """``Network.setCookies`` parameters that put back the cookie ``Network.getAllCookies``
    listed as ``raw``: a host-only cookie is set through its URL alone (a ``domain`` would make
    it a domain cookie), a session cookie without ``expires``."""
    params = {name: raw[name] for name in _KEPT_BY_SET if name in raw}
    domain = str(raw["domain"])
    scheme = "https" if raw.get("secure") or raw.get("sourceScheme") == "Secure" else "http"
    host = domain.lstrip(".")
    params["url"] = f"{scheme}://{f'[{host}]' if ':' in host else host}{raw['path']}"
    if domain.startswith("."):
        params["domain"] = domain
    if not raw.get("session"):
        params["expires"] = raw["expires"]
    return params


@dataclass(frozen=True)
class Cookie:
    name: str
    value: str
    domain: str
    host_only: bool
    path: str
    secure: bool
    http_only: bool
    session: bool
    expiration_date: float | None  # seconds since the epoch; None for a session cookie
    same_site: str  # "unspecified" | "no_restriction" | "lax" | "strict"

    @property
    def key(self) -> Key:
        return (self.name, self.domain, self.path)

    @classmethod
    def from_cdp(cls, raw: dict[str, Any]) -> Cookie:
        domain = str(raw["domain"])
        session = bool(raw.get("session"))
        return cls(
            name=str(raw["name"]), value=str(raw["value"]), domain=domain,
            host_only=not domain.startswith("."), path=str(raw["path"]),
            secure=bool(raw.get("secure")), http_only=bool(raw.get("httpOnly")),
            session=session, expiration_date=None if session else float(raw["expires"]),
            # CDP leaves sameSite out for an unspecified cookie (str(None) would read "None")
            same_site=_SAME_SITE_FROM_CDP.get(raw.get("sameSite") or "", "unspecified"),
        )

    @classmethod
    def from_qt(cls, cookie: QNetworkCookie) -> Cookie:
        domain = cookie.domain()
        session = cookie.isSessionCookie()
        return cls(
            name=bytes(cookie.name().data()).decode("utf-8", "replace"),
            value=bytes(cookie.value().data()).decode("utf-8", "replace"),
            domain=domain, host_only=not domain.startswith("."), path=cookie.path(),
            secure=cookie.isSecure(), http_only=cookie.isHttpOnly(), session=session,
            expiration_date=None if session
            else cookie.expirationDate().toMSecsSinceEpoch() / 1000,
            same_site=_SAME_SITE_FROM_QT.get(cookie.sameSitePolicy(), "unspecified"),
        )
