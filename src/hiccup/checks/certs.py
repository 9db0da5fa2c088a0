"""When a certificate ends, read from its DER bytes (for the tls and http kinds)."""

from __future__ import annotations

from datetime import datetime


def not_after(der: bytes) -> datetime:
    # Imported on the first use: cryptography's bindings weigh about 7 MB of memory in every
    # server, most of which never read a certificate this way.
    from cryptography import x509

    return x509.load_der_x509_certificate(der).not_valid_after_utc
