"""The SMTP half of the email channel: a pool of aiosmtplib connections reused across
messages. Its own module so aiosmtplib is imported when the first mail is sent, not by every
server (most never send one).

A fan-out of thousands of mails costs `pool_size` TLS handshakes and logins, not thousands.
A pooled connection that sat idle may have been closed by the server; it is checked with a
NOOP before reuse, because sending on it and failing after DATA could deliver twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import aiosmtplib

from hiccup.config.notifications import SmtpConfig
from hiccup.notify.errors import NotifyError
from hiccup.notify.mime import Mail

_IDLE_CHECK_SECONDS = 20.0


def _permanent(code: int) -> bool:
    return 500 <= code < 600


def smtp_error(error: Exception) -> NotifyError:
    """SMTP's own verdict: 5xx is permanent (no such mailbox, rejected), 4xx is "later"."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        codes = [e.code for e in error.recipients]
        detail = "; ".join(f"{e.recipient}: {e.code} {e.message}" for e in error.recipients)
        return NotifyError(
            f"recipients refused: {detail}"[:300], permanent=all(map(_permanent, codes))
        )
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return NotifyError(
            f"SMTP {error.code}: {error.message}"[:300], permanent=_permanent(error.code)
        )
    return NotifyError(f"{type(error).__name__}: {error}"[:300])


class SmtpPool:
    def __init__(self, config: SmtpConfig, password: str | None) -> None:
        self._config = config
        self._password = password
        self._idle: asyncio.LifoQueue[tuple[aiosmtplib.SMTP, float]] = asyncio.LifoQueue()
        self._slots = asyncio.Semaphore(config.pool_size)

    def _client(self) -> aiosmtplib.SMTP:
        config = self._config
        return aiosmtplib.SMTP(
            hostname=config.host,
            port=config.effective_port,
            username=config.username,
            password=self._password,
            use_tls=config.security == "tls",
            start_tls=config.security == "starttls",
            timeout=config.timeout.total_seconds(),
        )

    async def _checkout(self) -> aiosmtplib.SMTP:
        while not self._idle.empty():
            client, since = self._idle.get_nowait()
            if not client.is_connected:
                continue
            if time.monotonic() - since < _IDLE_CHECK_SECONDS:
                return client
            try:
                await client.noop()
                return client
            except aiosmtplib.SMTPException:
                await _quietly_close(client)
        client = self._client()
        await client.connect()
        return client

    async def send(self, mail: Mail) -> None:
        async with self._slots:
            try:
                client = await self._checkout()
            except (aiosmtplib.SMTPException, OSError) as error:
                raise smtp_error(error) from None
            try:
                await client.sendmail(mail.sender, list(mail.recipients), mail.data)
            except (aiosmtplib.SMTPException, OSError) as error:
                await _reset_or_close(client, self._idle)
                raise smtp_error(error) from None
            except BaseException:
                # Cancelled (timeout) mid-conversation: the connection is in an unknown state.
                await _quietly_close(client)
                raise
            self._idle.put_nowait((client, time.monotonic()))

    async def close(self) -> None:
        while not self._idle.empty():
            client, _ = self._idle.get_nowait()
            with contextlib.suppress(Exception):
                await client.quit()


async def _quietly_close(client: aiosmtplib.SMTP) -> None:
    with contextlib.suppress(Exception):
        client.close()


async def _reset_or_close(
    client: aiosmtplib.SMTP, idle: asyncio.LifoQueue[tuple[aiosmtplib.SMTP, float]]
) -> None:
    """After a refused message the connection can serve the next one once RSET succeeds."""
    if client.is_connected:
        try:
            await client.rset()
            idle.put_nowait((client, time.monotonic()))
            return
        except (aiosmtplib.SMTPException, OSError):
            pass
    await _quietly_close(client)
