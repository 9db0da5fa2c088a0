"""TOTP second factor (RFC 6238, 30-second steps, 6 digits) with replay protection.

pyotp is imported on use: only set-up and sign-in with a second factor need it, and every
server would otherwise hold it in memory.
"""

from __future__ import annotations

from datetime import datetime

ISSUER = "Hiccup"
STEP_SECONDS = 30


def new_totp_secret() -> str:
    import pyotp

    return pyotp.random_base32()


def provisioning_uri(secret: str, account: str) -> str:
    import pyotp

    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=ISSUER)


def accepted_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step the code belongs to (one step of clock drift either way), or None.

    A step at or before `last_step` is refused: a code seen over a shoulder cannot be reused.
    """
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    import pyotp

    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in (current, current - 1, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if pyotp.utils.strings_equal(totp.at(step * STEP_SECONDS), code):
            return step
    return None
