"""Fetching PAC scripts (http, https, file, ``data:``) and configurations that carry them.

``load_proxy_config`` is ``set_proxy`` before it takes effect: it validates the arguments and
fetches and compiles the PAC script, so a broken script or an unreachable PAC URL in
``pac_script`` mode raises PacError and the caller keeps its old configuration.
``reload_proxy_config`` is ``force_reload_proxy_config``: it fetches again (and re-reads the
environment in ``system`` mode) and returns a new configuration.

The fetch itself never goes through a proxy, like Chromium's PacFileFetcher, and is capped at
1 MiB (PacFileFetcherImpl's kMaxResponseBytes) and a timeout.
"""

from __future__ import annotations

import asyncio
import logging
import urllib.error
import urllib.request
from collections.abc import Mapping

from core.net.pac_engine import PacError, PacScript
from core.net.proxy_config import ProxyConfig, parse_proxy_config

log = logging.getLogger("partita.net.pac")

MAX_PAC_BYTES = 1 << 20
FETCH_TIMEOUT = 30.0


def _fetch_blocking(url: str, timeout: float) -> str:
    # An empty ProxyHandler: the PAC file must not be fetched through the proxies it picks,
    # nor through http_proxy from the environment.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as response:
            status = getattr(response, "status", None)
            if status is not None and status != 200:
                raise PacError(f"PAC URL {url} answered HTTP {status}, not 200")
            body: bytes = response.read(MAX_PAC_BYTES + 1)
            charset: str | None = response.headers.get_content_charset()
    except urllib.error.HTTPError as error:
        raise PacError(f"PAC URL {url} answered HTTP {error.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise PacError(f"PAC URL {url} could not be fetched: {reason}") from None
    if len(body) > MAX_PAC_BYTES:
        raise PacError(f"PAC file at {url} is larger than {MAX_PAC_BYTES} bytes")
    if body.startswith(b"\xef\xbb\xbf"):
        body, charset = body[3:], "utf-8"
    try:
        return body.decode(charset or "utf-8")
    except (LookupError, UnicodeDecodeError):
        return body.decode("latin-1")  # Chromium's fallback for PAC files without a charset


async def fetch_pac(url: str, timeout: float = FETCH_TIMEOUT) -> PacScript:
    """Fetch and compile a PAC script; PacError says what went wrong and where."""
    source = await asyncio.to_thread(_fetch_blocking, url, timeout)
    return await PacScript.compile(source, url)


async def _with_pac(config: ProxyConfig, timeout: float) -> ProxyConfig:
    if not config.uses_pac:
        return config
    try:
        return config.with_pac(await fetch_pac(config.pac_url, timeout))
    except PacError as error:
        if config.pac_mandatory:
            raise
        # auto_detect and a system PAC fall back to direct, as in Chromium (not mandatory).
        log.info("no usable PAC script, going direct: %s", error)
        return config.with_pac(None)


async def load_proxy_config(
    mode: str | None = None,
    pac_script: str | None = None,
    proxy_rules: str | None = None,
    proxy_bypass_rules: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    timeout: float = FETCH_TIMEOUT,
) -> ProxyConfig:
    """``set_proxy``: a new, ready configuration, or an exception and nothing changed."""
    config = parse_proxy_config(mode, pac_script, proxy_rules, proxy_bypass_rules, environ)
    return await _with_pac(config, timeout)


async def reload_proxy_config(
    config: ProxyConfig,
    *,
    environ: Mapping[str, str] | None = None,
    timeout: float = FETCH_TIMEOUT,
) -> ProxyConfig:
    """``force_reload_proxy_config``: fetch the PAC script again; the old config is untouched."""
    if config.mode == "system":
        config = parse_proxy_config("system", environ=environ)
    return await _with_pac(config, timeout)
