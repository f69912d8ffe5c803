"""PAC scripts run by a real PAC engine: pacparser (QuickJS-ng inside, with the standard PAC
helpers isPlainHostName, dnsDomainIs, shExpMatch, isInNet, dnsResolve, myIpAddress, ...).

pacparser keeps one global JavaScript context per process, so every PAC call runs on one
dedicated thread (QuickJS checks its stack against the thread that created it, and dnsResolve
blocks), and the engine reloads a script only when a different one is asked for. A script is
wrapped so that load errors, throws and non-string results come back as text instead of being
printed to stderr by the C library; they raise PacError with the engine's message.
dnsResolve, isResolvable and isInNet ask the system's resolver, not the session's nameservers:
pacparser calls getaddrinfo in C and takes no resolver from Python (1.5.3: no such hook).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import socket
import urllib.parse
from collections.abc import Callable

import pacparser

from core.net.url_host import CRYPTOGRAPHIC_SCHEMES, DEFAULT_PORTS, UrlParts, unbracketed

# The C extension's exception class; pacparser re-exports its functions but not this name.
_ENGINE_ERROR = pacparser._pacparser.error

_ERROR = "PARTITA-PAC-ERROR: "
_PROBE = "partita:probe"
_WRAPPER = """
var __partitaError = null;
try { (0, eval)(%(source)s); } catch (e) { __partitaError = String(e); }
var __partitaUser = (typeof FindProxyForURL === "function") ? FindProxyForURL : null;
// Chromium calls FindProxyForURL only; pacparser would prefer the Microsoft variant.
FindProxyForURLEx = undefined;
FindProxyForURL = function (url, host) {
  if (__partitaError !== null) return "%(error)s" + __partitaError;
  if (__partitaUser === null) return "%(error)sFindProxyForURL is not defined";
  if (url === "%(probe)s") return "OK";
  try {
    var result = __partitaUser(url, host);
    if (typeof result !== "string")
      return "%(error)sFindProxyForURL() did not return a string (" + typeof result + ")";
    return result;
  } catch (e) { return "%(error)s" + String(e); }
};
"""


class PacError(ValueError):
    """A PAC script that does not load, or whose FindProxyForURL failed."""


def _my_ip_address() -> str:
    """Chromium's myIpAddress(): the address of the interface that reaches the internet.

    Connecting a UDP socket sends nothing; it only picks the route. Without a route, the
    first non-loopback address of the host name, else 127.0.0.1 (as Chromium falls back).
    """
    for target in (("8.8.8.8", 80), ("2001:4860:4860::8888", 80)):
        family = socket.AF_INET6 if ":" in target[0] else socket.AF_INET
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as probe:
                probe.connect(target)
                return str(probe.getsockname()[0])
        except OSError:
            continue
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            address = str(info[4][0])
            if not address.startswith("127."):
                return address
    except OSError:
        pass
    return "127.0.0.1"


class _Engine:
    """The one pacparser context, driven from one thread."""

    def __init__(self) -> None:
        self._thread = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="pac")
        self._loaded: str | None = None

    def _load(self, source: str) -> None:
        if self._loaded == source:
            return
        if self._loaded is not None:
            pacparser.cleanup()
        self._loaded = None
        pacparser.init()
        pacparser.setmyip(_my_ip_address())
        wrapped = _WRAPPER % {"source": json.dumps(source), "error": _ERROR, "probe": _PROBE}
        pacparser.parse_pac_string(wrapped)
        self._loaded = source

    def _find(self, source: str, url: str, host: str) -> str:
        self._load(source)
        result = str(pacparser.find_proxy(url, host))
        if result.startswith(_ERROR):
            raise PacError(result[len(_ERROR) :])
        return result

    def find(self, source: str, url: str, host: str) -> concurrent.futures.Future[str]:
        return self._thread.submit(self._find, source, url, host)


_engine = _Engine()


def sanitized_url(url: UrlParts) -> tuple[str, str]:
    """The URL and host handed to FindProxyForURL (Chromium's SanitizeUrl).

    User info and fragment never reach a PAC script; for https/wss neither do path and query
    (they would leak through the PAC script's own requests). Quotes and backslashes are escaped
    because pacparser splices the URL into a script.
    """
    split = urllib.parse.urlsplit(url.url.strip())
    default = DEFAULT_PORTS.get(url.scheme)
    netloc = url.host if url.port in (default, -1) else f"{url.host}:{url.port}"
    if url.scheme in CRYPTOGRAPHIC_SCHEMES:
        path, query = "/", ""
    else:
        path, query = split.path or "/", split.query
    safe = "/:?&=%@+,;~!$*()[]-._"
    text = f"{url.scheme}://{netloc}{urllib.parse.quote(path, safe)}"
    if query:
        text += "?" + urllib.parse.quote(query, safe)
    return text, unbracketed(url.host)


class PacScript:
    """A PAC script that loaded and defines FindProxyForURL; immutable."""

    def __init__(self, source: str, origin: str) -> None:
        self.source = source
        # Where it came from, for messages; a data: URL holds the whole script, so cut it.
        self.origin = origin if len(origin) <= 80 else origin[:77] + "..."

    @classmethod
    async def compile(cls, source: str, origin: str) -> PacScript:
        """Load the script once in the engine; PacError naming the origin if it is broken."""
        future = _engine.find(source, _PROBE, "probe")
        try:
            await asyncio.wrap_future(future)
        except (PacError, _ENGINE_ERROR) as error:
            raise PacError(f"PAC script from {origin} is broken: {error}") from None
        return cls(source, origin)

    def find_proxy(self, url: UrlParts) -> str:
        """FindProxyForURL's raw answer (blocking: the script may resolve host names)."""
        return self._explained(self._start(url).result)

    async def find_proxy_async(self, url: UrlParts) -> str:
        future = asyncio.wrap_future(self._start(url))
        await asyncio.wait([future])
        return self._explained(future.result)

    def _start(self, url: UrlParts) -> concurrent.futures.Future[str]:
        text, host = sanitized_url(url)
        return _engine.find(self.source, text, host)

    def _explained(self, wait: Callable[[], str]) -> str:
        try:
            return wait()
        except (PacError, _ENGINE_ERROR) as error:
            raise PacError(f"PAC script from {self.origin} failed: {error}") from None
