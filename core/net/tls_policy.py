"""A session's TLS policy: Electron's ``setSSLConfig`` values, and what the router enforces.

QtWebEngine ignores ``--ssl-version-min`` and has only a process-wide cipher blacklist
(research/qtwebengine_network.md row 10), so the router enforces each session's versions and
ciphers on the ServerHello it sees in the tunnel (core.net.tls_gate).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from core.net.cert_probe import Probe
from core.net.tls_hello import TLS1_2, ServerHello

VERSIONS: dict[str, int] = {"tls1": 0x0301, "tls1.1": 0x0302, "tls1.2": 0x0303, "tls1.3": 0x0304}
# Electron documents "tls1.2" and "tls1.3" only for maxVersion.
MAX_VERSIONS = ("tls1.2", "tls1.3")
_NAMES = {number: name for name, number in VERSIONS.items()}


def version_name(version: int) -> str:
    return _NAMES.get(version, f"0x{version:04X}")


@dataclass(frozen=True)
class SslConfig:
    """Electron's SSLConfig, defaults as its reference gives them."""

    min_version: str = "tls1"
    max_version: str = "tls1.3"
    disabled_cipher_suites: tuple[int, ...] = ()

    @classmethod
    def parse(cls, min_version: str | None = None, max_version: str | None = None,
              disabled_cipher_suites: Iterable[int] | None = None) -> SslConfig:
        """A config from ``set_ssl_config``'s arguments; ValueError/TypeError names a bad one."""
        default = cls()
        low = default.min_version if min_version is None else min_version
        high = default.max_version if max_version is None else max_version
        if not isinstance(low, str) or low not in VERSIONS:
            raise ValueError(f"min_version must be one of {', '.join(VERSIONS)}, not {low!r}")
        if not isinstance(high, str) or high not in MAX_VERSIONS:
            raise ValueError(f"max_version must be one of {', '.join(MAX_VERSIONS)}, not {high!r}")
        if VERSIONS[low] > VERSIONS[high]:
            raise ValueError(f"min_version {low!r} is above max_version {high!r}")
        suites: list[int] = []
        if disabled_cipher_suites is not None:
            if isinstance(disabled_cipher_suites, str | bytes | Mapping) \
                    or not isinstance(disabled_cipher_suites, Iterable):
                raise TypeError("disabled_cipher_suites must be a list of integers such as "
                                f"0x009C, not {disabled_cipher_suites!r}")
            for suite in disabled_cipher_suites:
                if isinstance(suite, bool) or not isinstance(suite, int) \
                        or not 0 <= suite <= 0xFFFF:
                    raise ValueError(f"invalid cipher suite {suite!r}: an integer 0x0000-0xFFFF")
                if suite not in suites:
                    suites.append(suite)
        return cls(low, high, tuple(suites))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SslConfig:
        return cls.parse(data.get("min_version"), data.get("max_version"),
                         data.get("disabled_cipher_suites"))

    def to_dict(self) -> dict[str, Any]:
        return {"min_version": self.min_version, "max_version": self.max_version,
                "disabled_cipher_suites": list(self.disabled_cipher_suites)}

    @property
    def restricts(self) -> bool:
        """False for the defaults, which Chromium's own limits cover: no check needed."""
        return self != SslConfig()

    def allows_version(self, version: int) -> bool:
        return VERSIONS[self.min_version] <= version <= VERSIONS[self.max_version]

    def allows_cipher(self, hello: ServerHello) -> bool:
        # As in Chromium, TLS 1.3 suites cannot be disabled (Electron's reference says so).
        return hello.version > TLS1_2 or hello.cipher_suite not in self.disabled_cipher_suites


class CertificateGate(Protocol):
    """The session's say on a host's certificate, asked by the router before a tunnel opens."""

    def wants(self, host: str) -> bool:
        """Whether tunnels to ``host`` need the certificate checked (called for every CONNECT:
        must be cheap and safe to call from the router's thread)."""

    async def decide(self, host: str, probe: Probe) -> str | None:
        """None to let the tunnel open, or the net error to refuse it with."""


@dataclass(frozen=True)
class TlsPolicy:
    """What the router's ``Policy.tls`` holds; each part None when the session sets nothing."""

    config: SslConfig | None = None
    certificates: CertificateGate | None = None
