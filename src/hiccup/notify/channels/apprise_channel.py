"""Kind "apprise": every service Apprise knows (Slack, Teams, Telegram, ntfy, …) by its URL.

Apprise does its own HTTP (through requests, in a thread), so its deliveries do not pass the
shared HTTP sender; the URLs come only from the operator's config, never from the public.
Apprise cannot tell a permanent failure from a passing one, so its failures are retried.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import ClassVar

from pydantic import model_validator

from hiccup.config.channels import ChannelOptions, register
from hiccup.config.notifications import check_apprise_url
from hiccup.notify.channels.base import ChannelContext
from hiccup.notify.errors import NotifyError
from hiccup.notify.outbox import Claimed


class AppriseOptions(ChannelOptions):
    url: str
    # An Apprise URL carries the service's token: whoever reads it can post as Hiccup.
    secret_fields: ClassVar[tuple[str, ...]] = ("url",)

    @model_validator(mode="after")
    def _known_service(self) -> AppriseOptions:
        # Checked on the whole channel, not `url`, so the error names the channel's line.
        check_apprise_url(self.url)
        return self

    def target(self) -> str:
        return self.url


@register
class AppriseChannel:
    kind: ClassVar[str] = "apprise"
    options_model: ClassVar[type[ChannelOptions]] = AppriseOptions

    def __init__(self, context: ChannelContext) -> None:
        self._context = context
        self.concurrency = context.config.delivery.apprise_concurrency
        self._timeout = context.config.delivery.timeout.total_seconds()

    async def send(self, item: Claimed, now: datetime) -> None:
        try:
            check_apprise_url(item.recipient)
        except ValueError as error:
            raise NotifyError(str(error), permanent=True) from None
        # Imported at the first delivery: Apprise and its plugins weigh a few MB that a
        # server which never sends through it keeps for nothing.
        import apprise

        title, body = self._context.composer.chat(item)
        service = apprise.Apprise()
        service.add(item.recipient)
        logs: list[str] = []
        result = await asyncio.wait_for(
            service.async_notify(
                body=body,
                title=title,
                body_format=apprise.NotifyFormat.MARKDOWN,
                timeout=self._timeout,
                log_callback=lambda entry, _service: logs.append(str(entry)),
            ),
            self._timeout + 1,
        )
        if not result:
            detail = logs[-1] if logs else "the service did not accept the message"
            raise NotifyError(f"apprise: {detail}"[:300])

    async def close(self) -> None:
        """Apprise keeps no connections between calls."""
