"""Reading a certificate's details from DER bytes or PEM text (checks.certificate)."""

from __future__ import annotations

import hashlib
import ssl
from datetime import UTC, datetime, timedelta

import pytest
import trustme

from hiccup.checks.certificate import certificate_info


def test_der_and_pem_give_the_same_details() -> None:
    ca = trustme.CA(organization_name="Example Trust")
    pem = ca.issue_cert("status.example.test", "::1", common_name="status.example.test")
    text = pem.cert_chain_pems[0].bytes().decode()
    der = ssl.PEM_cert_to_DER_cert(text)
    info = certificate_info(der)
    assert certificate_info(text) == info
    assert info.subject_cn == "status.example.test"
    assert info.issuer_org == "Example Trust"
    assert info.alt_names == ("status.example.test", "::1")
    assert info.fingerprint == hashlib.sha256(der).hexdigest().upper()
    assert info.days_left(info.not_after - timedelta(days=2)) == 2.0
    assert info.not_before < datetime.now(UTC) < info.not_after


@pytest.mark.parametrize("garbage", [b"", b"\x30\x03\x02\x01\x01", "not a certificate"])
def test_it_refuses_what_is_not_a_certificate(garbage: bytes | str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 -- cryptography's messages vary by version
        certificate_info(garbage)
