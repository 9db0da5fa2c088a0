"""Random secrets handed out once and stored only as a hash (sessions, API tokens, setup links).

SHA-256 is right here, unlike for passwords: these secrets carry 256 random bits, so there is
nothing to brute-force and lookups by hash stay a plain indexed equality.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

# A probe's token says what it is, so a probe agent can refuse an API token given by mistake.
PROBE_TOKEN_PREFIX = "hcp_probe_"


def new_secret(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
