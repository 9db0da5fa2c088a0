"""Certificate details as a check reports them, for tests of what stores and shows them."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from hiccup.checks.certificate import CertificateInfo


def certificate_ending(not_after: datetime, *, issued: str = "1") -> CertificateInfo:
    """A certificate for status.example.test valid for 90 days up to `not_after`; `issued`
    tells certificates with the same dates apart (their fingerprints differ)."""
    return CertificateInfo(
        subject_cn="status.example.test",
        issuer_cn="Example Issuing CA",
        issuer_org="Example Trust",
        alt_names=("status.example.test", "127.0.0.1"),
        not_before=not_after - timedelta(days=90),
        not_after=not_after,
        serial=f"0A1B{issued}",
        fingerprint=hashlib.sha256(f"{not_after.isoformat()}/{issued}".encode())
        .hexdigest()
        .upper(),
    )
