"""Kind "email": SMTP through a pool of connections reused across messages (`smtp_pool`,
imported with aiosmtplib on the first mail sent).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from hiccup.config.channels import ChannelOptions, NotificationsSection, register
from hiccup.config.notifications import EmailList, SmtpConfig
from hiccup.notify.channels.base import ChannelContext
from hiccup.notify.errors import NotifyError
from hiccup.notify.outbox import Claimed

if TYPE_CHECKING:
    from hiccup.notify.channels.smtp_pool import SmtpPool


class EmailOptions(ChannelOptions):
    to: EmailList  # every address is checked when the file is loaded

    def target(self) -> str:
        return ", ".join(self.to)

    def problems(self, config: NotificationsSection) -> list[str]:
        return [] if config.smtp else ["email channels need `notifications.smtp`"]


@register
class EmailChannel:
    kind: ClassVar[str] = "email"
    options_model: ClassVar[type[ChannelOptions]] = EmailOptions

    def __init__(self, context: ChannelContext) -> None:
        self._context = context
        smtp = context.config.smtp
        self.concurrency = smtp.pool_size if smtp else 1
        self._smtp = smtp
        self._password = (
            context.environ.get(smtp.password_env) if smtp and smtp.password_env else None
        )
        self._pool: SmtpPool | None = None
        self._sender = smtp.sender if smtp else ""

    def _made_pool(self, smtp: SmtpConfig) -> SmtpPool:
        if self._pool is None:
            from hiccup.notify.channels.smtp_pool import SmtpPool

            self._pool = SmtpPool(smtp, self._password)
        return self._pool

    async def send(self, item: Claimed, now: datetime) -> None:
        if self._smtp is None:
            raise NotifyError("no SMTP server configured (notifications.smtp)")
        pool = self._made_pool(self._smtp)
        await pool.send(self._context.composer.mail(item, self._sender, now))

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
