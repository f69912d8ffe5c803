"""What the address bar makes of typed text: a URL to load, or a search."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable

DEFAULT_SEARCH_TEMPLATE = "https://duckduckgo.com/?q={}"
"""``{}`` is replaced by the URL-encoded search terms."""

# Schemes whose URLs are kept as typed even without ``//`` (``about:blank``, ``data:…``).
KNOWN_SCHEMES = frozenset({
    "about", "blob", "chrome", "data", "file", "ftp", "http", "https", "javascript",
    "mailto", "qrc", "view-source", "ws", "wss",
})

_IPV4 = r"\d{1,3}(?:\.\d{1,3}){3}"
_IPV6 = r"\[[0-9A-Fa-f:.]+\]"
# A dotted name whose last label starts with a letter (so "1.5" or "v2.0 notes" stay searches).
_DOMAIN = r"(?:[\w-]+\.)+[^\W\d_][\w-]*"
_LOCAL = r"localhost|(?:[\w-]+\.)+localhost"
_HOST_INPUT = re.compile(
    rf"^(?P<host>{_LOCAL}|{_IPV4}|{_IPV6}|{_DOMAIN})(?::\d{{1,5}})?(?:[/?#].*)?$",
    re.IGNORECASE,
)
_SCHEME = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*):")
# Hosts that rarely speak TLS: a local development server or an address typed by hand.
_PLAIN_HTTP_HOST = re.compile(rf"^(?:{_LOCAL}|{_IPV4}|{_IPV6})$", re.IGNORECASE)


def search_url(terms: str, template: str = DEFAULT_SEARCH_TEMPLATE) -> str:
    if "{}" not in template:
        raise ValueError(f"search template must contain '{{}}': {template!r}")
    return template.replace("{}", urllib.parse.quote_plus(terms))


def to_url(
    text: str,
    search_template: str = DEFAULT_SEARCH_TEMPLATE,
    extra_schemes: Iterable[str] = (),
) -> str:
    """The URL to load for address-bar ``text``.

    ``example.com`` → ``https://example.com``; ``localhost:8080/x`` and IP addresses → plain
    ``http://``; anything with a known scheme is kept; everything else becomes a search.
    """
    typed = text.strip()
    if not typed:
        return "about:blank"
    scheme = _SCHEME.match(typed)
    known = KNOWN_SCHEMES | {name.lower() for name in extra_schemes}
    if "://" in typed.split()[0] or (scheme and scheme["scheme"].lower() in known):
        return typed
    if not any(ch.isspace() for ch in typed):
        host = _HOST_INPUT.match(typed)
        if host:
            plain = _PLAIN_HTTP_HOST.match(host["host"])
            return ("http://" if plain else "https://") + typed
    return search_url(typed, search_template)
