"""A session's TLS settings: SSL config, verify proc, certificate errors and exceptions.

Everything here ends in one ``TlsPolicy`` registered with the router (through
SessionNetwork), rebuilt on every change; it is None while the session sets nothing, so
tunnels of such sessions cost nothing extra.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core import net_errors
from core.events import EventEmitter
from core.net.cert_errors import CertificateErrors
from core.net.cert_exceptions import (
    CertificateException,
    CertificateExceptions,
    check_fingerprint,
    check_host,
)
from core.net.cert_probe import Probe
from core.net.cert_verify import ACCEPT, USE_CHROMIUM, VerifyProc, VerifyProcs
from core.net.certificate import Certificate, fingerprint
from core.net.tls_policy import SslConfig, TlsPolicy
from core.partition_settings import PartitionSettings

if TYPE_CHECKING:
    from core.net.session_network import SessionNetwork
    from core.web_contents import WebContents

log = logging.getLogger("partita.net.tls")

SSL_SETTING = "ssl_config"


@dataclass(frozen=True)
class _Gate:
    """The router's certificate check for one state of the session (rebuilt on change)."""

    procs: VerifyProcs | None
    revoked: frozenset[tuple[str, str | None]]
    """(host, fingerprint, or None for every certificate of the host)."""
    allowed: frozenset[tuple[str, str]]
    """Certificates the user let through since (or, remembered, before) the revoke."""

    def wants(self, host: str) -> bool:
        return self.procs is not None or any(entry[0] == host.lower() for entry in self.revoked)

    async def decide(self, host: str, probe: Probe) -> str | None:
        host = host.lower()
        if self.procs is not None:
            verdict = await self.procs.ask(host, probe)
            if verdict == ACCEPT:
                return None
            if verdict != USE_CHROMIUM:
                return net_errors.name_for(verdict)
        if probe.error_code == 0 or not probe.chain:
            return None
        leaf = fingerprint(probe.chain[0])
        if (host, leaf) not in self.allowed and (
                (host, None) in self.revoked or (host, leaf) in self.revoked):
            log.info("refusing %s: its certificate exception was revoked", host)
            return probe.verification_result
        return None


class SessionTls:
    def __init__(self, emitter: EventEmitter, settings: PartitionSettings,
                 network: SessionNetwork) -> None:
        self._emitter = emitter
        self._settings = settings
        self._network = network
        self._procs = VerifyProcs()
        self._exceptions = CertificateExceptions(settings)
        self._revoked: set[tuple[str, str | None]] = set()
        self._allowed_this_run: set[tuple[str, str]] = set()
        self._pages: weakref.WeakKeyDictionary[WebContents, CertificateErrors] = \
            weakref.WeakKeyDictionary()
        self._config = SslConfig()
        saved = settings.get(SSL_SETTING)
        if saved is not None:
            try:
                self._config = SslConfig.from_dict(saved)
            except (TypeError, ValueError, AttributeError) as error:
                log.warning("ignoring the saved SSL config %r: %s", saved, error)
        self._apply()

    # ----------------------------------------------------------------- setSSLConfig
    def set_ssl_config(self, min_version: str | None, max_version: str | None,
                       disabled_cipher_suites: Iterable[int] | None) -> None:
        config = SslConfig.parse(min_version, max_version, disabled_cipher_suites)
        self._settings.set(SSL_SETTING, config.to_dict())
        changed, self._config = config != self._config, config
        self._apply()
        if changed:
            # Electron stops reusing the pool's old sockets. The router cannot tell an idle
            # tunnel from a busy one (a WebSocket's), so every tunnel of the session closes.
            self._close_connections()

    def get_ssl_config(self) -> dict[str, Any]:
        return self._config.to_dict()

    # ----------------------------------------------------------------- verify proc
    def set_certificate_verify_proc(self, proc: VerifyProc | None) -> None:
        self._procs.set(proc)
        self._apply()

    # ----------------------------------------------------------------- certificate errors
    def adopt(self, contents: WebContents) -> None:
        # Kept here: the page's signal holds only a weak reference to the handler.
        self._pages[contents] = CertificateErrors(contents, self._emitter, self._known_good,
                                                  self._allow)

    def _known_good(self, host: str, leaf: str) -> bool:
        return self._procs.verdict(host, leaf) == ACCEPT \
            or self._exceptions.find(host, leaf) is not None

    def _allow(self, host: str, error: str, certificate: Certificate, remember: bool) -> None:
        key = (host, certificate.fingerprint)
        if remember:
            self._exceptions.add(CertificateException(
                host, certificate.fingerprint, error, certificate.subject_name,
                certificate.issuer_name, certificate.valid_expiry))
        self._allowed_this_run.add(key)
        if self._revoked:
            self._apply()

    def get_certificate_exceptions(self) -> list[dict[str, Any]]:
        return self._exceptions.as_dicts()

    def revoke_certificate_exception(self, host: str, fingerprint: str | None = None) -> None:
        host = check_host(host)
        fingerprint = check_fingerprint(fingerprint)
        self._exceptions.remove(host, fingerprint)
        self._allowed_this_run = {key for key in self._allowed_this_run if key[0] != host
                                  or (fingerprint is not None and key[1] != fingerprint)}
        self._revoked.add((host, fingerprint))
        self._apply()
        # The router does not track tunnels by host: the session's other connections close
        # too.
        self._close_connections()

    # ----------------------------------------------------------------- the router's policy
    def _close_connections(self) -> None:
        """Make a new policy hold for the very next request too.

        The router applies a policy when a tunnel opens; a tunnel Chromium keeps alive would
        go on serving the page (a reload after a revoke reached the server over it). Pages
        reconnect on their next request, through the new policy."""
        self._network.close_all_connections()

    def _apply(self) -> None:
        procs = self._procs if self._procs.proc is not None else None
        gate = None
        if procs is not None or self._revoked:
            gate = _Gate(procs, frozenset(self._revoked),
                         frozenset(self._allowed_this_run) | self._exceptions.keys())
        config = self._config if self._config.restricts else None
        self._network.set_tls(TlsPolicy(config, gate) if config or gate else None)
