"""One-time recovery codes for an account with TOTP: for the day the phone is lost.

Ten codes of 10 characters from a 32-letter alphabet (50 bits each) are plenty against
guessing behind the login throttle, so a plain SHA-256 hash is stored, not a slow one.
"""

from __future__ import annotations

import secrets

from hiccup.auth.secrets import digest

COUNT = 10
# Crockford-like: no I, L, O, U, so a code read aloud or copied by hand survives.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 10


def new_codes(count: int = COUNT) -> list[str]:
    """Codes as shown to the user: `XXXXX-XXXXX`."""
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def normal(code: str) -> str | None:
    """The code as hashed (upper case, no dash or spaces), or None if it cannot be one."""
    cleaned = code.strip().upper().replace("-", "").replace(" ", "")
    if len(cleaned) != LENGTH or any(c not in ALPHABET for c in cleaned):
        return None
    return cleaned


def code_hash(code: str) -> str:
    return digest("recovery:" + code)
