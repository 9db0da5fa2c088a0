"""Signed links for subscribers: confirm (expires, works once) and unsubscribe (never expires,
so the link in a year-old mail still works). HMAC-SHA256 over the link's purpose and subject.

The key is HICCUP_SECRET_KEY, else a random one generated on first start and kept in the
database (so every replica behind a load balancer signs and checks with the same key).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from hiccup.core.language import N_
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.tables_notify import notify_settings
from hiccup.store.upsert import upsert_into

SECRET_ENV = "HICCUP_SECRET_KEY"
_SETTING = "secret_key"


class TokenError(ValueError):
    """A link that must be refused; the message says why, for the person who clicked it."""


@dataclass(frozen=True, slots=True)
class Claims:
    subject: str
    nonce: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Signer:
    def __init__(self, secret: bytes) -> None:
        # A key of its own, so the same secret can sign other things elsewhere without overlap.
        self._key = hmac.new(secret, b"hiccup.notify.tokens", hashlib.sha256).digest()

    def _mac(self, body: bytes) -> bytes:
        return hmac.new(self._key, body, hashlib.sha256).digest()[:18]

    def sign(self, purpose: str, subject: str, nonce: str = "", expires: int = 0) -> str:
        body = f"{purpose}|{subject}|{nonce}|{expires}".encode()
        return f"{_b64(body)}.{_b64(self._mac(body))}"

    def verify(self, token: str, purpose: str, now: datetime) -> Claims:
        try:
            encoded, mac = token.split(".")
            body = _unb64(encoded)
            given = _unb64(mac)
            kind, subject, nonce, expires = body.decode().split("|")
        except (ValueError, UnicodeDecodeError):
            raise TokenError(N_("This link is not valid.")) from None
        if not hmac.compare_digest(given, self._mac(body)) or kind != purpose:
            raise TokenError(N_("This link is not valid."))
        if int(expires or 0) and now.timestamp() > int(expires):
            raise TokenError(N_("This link has expired. Please subscribe again."))
        return Claims(subject, nonce)


async def load_secret(conn: AsyncConnection, now: datetime) -> bytes:
    configured = os.environ.get(SECRET_ENV)
    if configured:
        return configured.encode()
    query = select(notify_settings.c.value).where(notify_settings.c.name == _SETTING)
    found = (await conn.execute(query)).scalar_one_or_none()
    if found is None:
        # Two replicas starting together: the first insert wins and both read it back.
        await conn.execute(
            upsert_into(conn, notify_settings)
            .values(name=_SETTING, value=secrets.token_urlsafe(32), created_at=now)
            .on_conflict_do_nothing(index_elements=[notify_settings.c.name])
        )
        found = (await conn.execute(query)).scalar_one()
    return str(found).encode()
