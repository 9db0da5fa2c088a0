"""Public identifiers shaped like Statuspage's: 12 lowercase base-36 characters."""

from __future__ import annotations

import secrets

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"


def new_id() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(12))
