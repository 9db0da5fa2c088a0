"""What the operator console shows of a server's certificate, read from the leaf itself.

Read from the DER bytes (or PEM text) with `cryptography`, not from ssl's getpeercert() dict:
that dict is empty when verification is off, and an expired or self-signed certificate (read
without verification) is exactly the one whose details the operator wants.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography import x509

# Bounds on what is kept: a shared CDN certificate may name a hundred hosts or more.
MAX_NAMES = 100
MAX_TEXT = 200


@dataclass(frozen=True, slots=True)
class CertificateInfo:
    subject_cn: str | None
    issuer_cn: str | None
    issuer_org: str | None
    alt_names: tuple[str, ...]  # DNS names and IP addresses, at most MAX_NAMES
    not_before: datetime
    not_after: datetime
    serial: str  # hex, upper case
    fingerprint: str  # SHA-256 of the DER bytes, hex, upper case: what tells two apart

    def days_left(self, now: datetime) -> float:
        """Days until it ends, negative once it has."""
        return (self.not_after - now) / timedelta(days=1)


def certificate_info(peer: bytes | str) -> CertificateInfo:
    """The details of a certificate given as DER bytes (what `getpeercert(binary_form=True)`
    returns, verified or not) or as PEM text. Raises ValueError on anything else."""
    # Imported on the first use: cryptography's bindings weigh about 7 MB of memory in every
    # server, most of which never read a certificate.
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    if isinstance(peer, str):
        cert = x509.load_pem_x509_certificate(peer.encode("ascii", errors="replace"))
    else:
        cert = x509.load_der_x509_certificate(peer)
    return CertificateInfo(
        subject_cn=_name_part(cert.subject, x509.NameOID.COMMON_NAME),
        issuer_cn=_name_part(cert.issuer, x509.NameOID.COMMON_NAME),
        issuer_org=_name_part(cert.issuer, x509.NameOID.ORGANIZATION_NAME),
        alt_names=_alt_names(cert),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        serial=f"{cert.serial_number:X}"[:64],
        fingerprint=cert.fingerprint(hashes.SHA256()).hex().upper(),
    )


def _name_part(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    found = name.get_attributes_for_oid(oid)
    if not found:
        return None
    value = found[0].value
    text = value if isinstance(value, str) else value.decode("utf-8", errors="replace")
    return text[:MAX_TEXT]


def _alt_names(cert: x509.Certificate) -> tuple[str, ...]:
    from cryptography import x509

    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return ()
    except ValueError:  # a malformed extension: the rest of the certificate still tells much
        return ()
    dns = names.get_values_for_type(x509.DNSName)
    ips = [str(ip) for ip in names.get_values_for_type(x509.IPAddress)]
    return tuple(name[:MAX_TEXT] for name in [*dns, *ips][:MAX_NAMES])
