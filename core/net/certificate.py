"""Electron's ``Certificate`` and ``CertificatePrincipal`` structures, built from DER bytes.

One builder serves both places a certificate comes from: the chain the router fetched for a
verify proc (core.net.cert_probe) and the chain QtWebEngine hands over with a certificate
error (``QSslCertificate.toDer()``), so the two look the same to listeners.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class CertificatePrincipal:
    common_name: str
    organizations: tuple[str, ...]
    organization_units: tuple[str, ...]
    locality: str
    state: str
    country: str

    def display_name(self) -> str:
        """Chromium's ``GetDisplayName``: the common name, else the first O, else the first OU."""
        return self.common_name or next(iter(self.organizations + self.organization_units), "")


@dataclass(frozen=True)
class Certificate:
    """One certificate of a chain; ``issuer_cert`` links to the next (None at the end).

    Fields as Electron's ``Certificate`` in snake_case. Also readable as a mapping
    (``certificate["subject_name"]``), the shape of Electron's plain object.
    """

    data: str
    """PEM."""
    issuer: CertificatePrincipal
    issuer_name: str
    issuer_cert: Certificate | None
    subject: CertificatePrincipal
    subject_name: str
    serial_number: str
    """Upper-case hex."""
    valid_start: float
    """Seconds since the Unix epoch."""
    valid_expiry: float
    fingerprint: str
    """``sha256/<base64 of the SHA-256 of the DER>``, as Chromium's HashValue prints it."""

    def __getitem__(self, key: str) -> Any:
        if key not in _FIELD_NAMES:
            raise KeyError(key)
        return getattr(self, key)


_FIELD_NAMES = frozenset(field.name for field in fields(Certificate))


def fingerprint(der: bytes) -> str:
    return "sha256/" + base64.b64encode(hashlib.sha256(der).digest()).decode("ascii")


def _values(name: x509.Name, oid: x509.ObjectIdentifier) -> tuple[str, ...]:
    return tuple(str(attribute.value) for attribute in name.get_attributes_for_oid(oid))


def _principal(name: x509.Name) -> CertificatePrincipal:
    def first(oid: x509.ObjectIdentifier) -> str:
        return next(iter(_values(name, oid)), "")

    return CertificatePrincipal(
        common_name=first(NameOID.COMMON_NAME),
        organizations=_values(name, NameOID.ORGANIZATION_NAME),
        organization_units=_values(name, NameOID.ORGANIZATIONAL_UNIT_NAME),
        locality=first(NameOID.LOCALITY_NAME),
        state=first(NameOID.STATE_OR_PROVINCE_NAME),
        country=first(NameOID.COUNTRY_NAME),
    )


def from_chain(chain: Sequence[bytes]) -> Certificate:
    """The first certificate of ``chain`` (DER, leaf first), its issuers linked behind it.

    Raises ValueError for an empty chain or bytes that are not a certificate.
    """
    if not chain:
        raise ValueError("an empty certificate chain")
    issuer_cert = from_chain(chain[1:]) if len(chain) > 1 else None
    der = chain[0]
    cert = x509.load_der_x509_certificate(der)
    issuer, subject = _principal(cert.issuer), _principal(cert.subject)
    serial = format(cert.serial_number, "X")
    return Certificate(
        data=cert.public_bytes(Encoding.PEM).decode("ascii"),
        issuer=issuer,
        issuer_name=issuer.display_name(),
        issuer_cert=issuer_cert,
        subject=subject,
        subject_name=subject.display_name(),
        serial_number=serial.zfill(len(serial) + len(serial) % 2),
        valid_start=cert.not_valid_before_utc.timestamp(),
        valid_expiry=cert.not_valid_after_utc.timestamp(),
        fingerprint=fingerprint(der),
    )
