"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106's recommendation)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from argon2 import PasswordHasher


class _Argon2:
    """argon2-cffi's PasswordHasher, made on first use: a server that nobody signs in to
    (a status page only) never loads argon2 into its memory."""

    def __init__(self) -> None:
        self._made: PasswordHasher | None = None

    def _hasher(self) -> PasswordHasher:
        if self._made is None:
            from argon2 import PasswordHasher

            self._made = PasswordHasher()
        return self._made

    def hash(self, password: str) -> str:
        return self._hasher().hash(password)

    def verify(self, stored: str, password: str) -> bool:
        return self._hasher().verify(stored, password)


MIN_LENGTH = 10
MAX_LENGTH = 256

_hasher: _Argon2 | PasswordHasher = _Argon2()

# Verified against when the user does not exist, so a wrong name costs as long as a wrong
# password and response times do not reveal which names exist. Made on the first login, not
# at import: a hash costs ~0.1 s of CPU, and every command and server start imports this.
_DUMMY: str | None = None


def _dummy() -> str:
    global _DUMMY
    if _DUMMY is None:
        _DUMMY = _hasher.hash("hiccup-no-such-user")
    return _DUMMY


def password_problem(password: str) -> str | None:
    if len(password) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"must be at most {MAX_LENGTH} characters"
    return None


def _verify(stored: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _verify_or_dummy(stored: str | None, password: str) -> bool:
    # The dummy is made here, off the event loop, the first time a name is unknown.
    return _verify(stored or _dummy(), password)


async def hash_password(password: str) -> str:
    # Hashing takes tens of milliseconds of CPU on purpose: keep it off the event loop.
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(stored: str | None, password: str) -> bool:
    return await asyncio.to_thread(_verify_or_dummy, stored, password) and stored is not None
