"""A session's certificate verify proc (Electron's ``setCertificateVerifyProc``).

The router fetches the host's chain itself (core.net.cert_probe) and asks here from its own
thread; the proc runs on the Qt loop, as every user callback does. Verdicts are kept per
(host name, leaf fingerprint) until the proc changes, so the proc is asked once per
certificate, as Electron's network service caches its result.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core import app, net_errors
from core.net.cert_probe import Probe
from core.net.certificate import Certificate, fingerprint, from_chain

log = logging.getLogger("partita.net.tls")

ACCEPT = 0
FAIL = -2
USE_CHROMIUM = -3
_CERT_INVALID = -207


@dataclass(frozen=True)
class CertificateVerifyRequest:
    """The ``request`` a verify proc gets (Electron's fields in snake_case)."""

    hostname: str
    certificate: Certificate
    validated_certificate: Certificate
    is_issued_by_known_root: bool
    """True when the chain verified against the system's trust store: the router cannot
    tell a public root from one installed locally."""
    verification_result: str
    """``"net::OK"`` or the certificate error, as the router's own verification found it."""
    error_code: int


VerifyProc = Callable[[CertificateVerifyRequest, Callable[[int], None]], Any]


def _check_verdict(code: object) -> int:
    if isinstance(code, bool) or not isinstance(code, int):
        raise TypeError(f"verify proc result must be an int (0, -2, -3 or a net error), "
                        f"not {code!r}")
    if code not in (ACCEPT, USE_CHROMIUM) and net_errors.name_for(code).startswith(
            "net::ERR_UNKNOWN"):
        raise ValueError(f"verify proc result {code} is not 0, -3 or a Chromium net error")
    return code


class VerifyProcs:
    """The proc and its verdicts. ``verdict`` may be called from any thread."""

    def __init__(self) -> None:
        self._proc: VerifyProc | None = None
        self._lock = threading.Lock()
        self._verdicts: dict[tuple[str, str], int] = {}
        # On the Qt loop only: one proc call per key, however many tunnels wait for it.
        self._asking: dict[tuple[str, str], asyncio.Future[int]] = {}

    @property
    def proc(self) -> VerifyProc | None:
        return self._proc

    def set(self, proc: VerifyProc | None) -> None:
        if proc is not None and not callable(proc):
            raise TypeError(f"proc must be callable or None, not {proc!r}")
        with self._lock:
            self._proc = proc
            self._verdicts.clear()
        self._asking = {}

    def verdict(self, host: str, leaf_fingerprint: str) -> int | None:
        with self._lock:
            return self._verdicts.get((host, leaf_fingerprint))

    async def ask(self, host: str, probe: Probe) -> int:
        """The verdict for ``probe``'s chain (from the router's thread)."""
        if not probe.chain:
            return USE_CHROMIUM
        key = (host, fingerprint(probe.chain[0]))
        known = self.verdict(*key)
        if known is not None:
            return known
        answer = asyncio.run_coroutine_threadsafe(self._ask_on_qt(key, probe), app.loop())
        return await asyncio.wrap_future(answer)

    async def _ask_on_qt(self, key: tuple[str, str], probe: Probe) -> int:
        known = self.verdict(*key)
        if known is not None:
            return known
        asking = self._asking.get(key)
        if asking is None:
            asking = asyncio.get_running_loop().create_future()
            self._asking[key] = asking
            self._call(key, probe, asking)
        return await asyncio.shield(asking)

    def _call(self, key: tuple[str, str], probe: Probe, result: asyncio.Future[int]) -> None:
        proc = self._proc
        host = key[0]

        def settle(code: int) -> None:
            if result.done():
                return
            result.set_result(code)
            if self._asking.get(key) is result:
                del self._asking[key]
            if proc is self._proc:  # a verdict of a replaced proc is not kept
                with self._lock:
                    self._verdicts[key] = code

        def callback(code: int) -> None:
            settle(_check_verdict(code))

        if proc is None:  # removed while the router was fetching the chain
            settle(USE_CHROMIUM)
            return
        try:
            request = CertificateVerifyRequest(
                hostname=host,
                certificate=from_chain(probe.chain),
                validated_certificate=from_chain(probe.validated_chain),
                is_issued_by_known_root=probe.error_code == 0,
                verification_result=probe.verification_result,
                error_code=probe.error_code,
            )
        except ValueError as error:
            log.warning("%s sent a certificate that cannot be read: %s", host, error)
            settle(_CERT_INVALID)
            return
        try:
            proc(request, callback)
        except Exception as error:
            # A broken proc refuses rather than lets through; the app's hook reports it.
            sys.excepthook(type(error), error, error.__traceback__)
            settle(FAIL)
