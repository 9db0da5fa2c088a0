"""Kind "webhook": a JSON POST, signed with HMAC-SHA256 when the channel has a secret.

Operator channels get Hiccup's alert body; subscriber webhooks get Statuspage's payloads.
The signature covers the timestamp and the body (`{timestamp}.{body}`, as Stripe does), so a
captured request cannot be replayed later with a fresh timestamp.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from typing import Annotated, ClassVar

from pydantic import AfterValidator

from hiccup.config.channels import ChannelOptions, register
from hiccup.config.notifications import EnvName, check_http_url
from hiccup.notify.channels.base import ChannelContext
from hiccup.notify.errors import NotifyError
from hiccup.notify.outbox import Claimed

SIGNATURE_HEADER = "X-Hiccup-Signature"
TIMESTAMP_HEADER = "X-Hiccup-Timestamp"


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class WebhookOptions(ChannelOptions):
    url: Annotated[str, AfterValidator(check_http_url)]
    # The variable holding the signing secret: secrets never sit in the file.
    secret_env: EnvName | None = None
    takes_secret: ClassVar[bool] = True

    def target(self) -> str:
        return self.url

    def stored(self) -> dict[str, str]:
        return {"secret_env": self.secret_env} if self.secret_env else {}


@register
class WebhookChannel:
    kind: ClassVar[str] = "webhook"
    options_model: ClassVar[type[ChannelOptions]] = WebhookOptions

    def __init__(self, context: ChannelContext) -> None:
        self._context = context
        self.concurrency = context.config.delivery.webhook_concurrency
        self._timeout = context.config.delivery.timeout.total_seconds()

    def _secret(self, item: Claimed) -> bytes | None:
        options = (item.channel or {}).get("options", {})
        if options.get("secret"):  # set in the admin or API, kept in the database
            return str(options["secret"]).encode()
        name = options.get("secret_env")
        if not name:
            return None
        value = self._context.environ.get(name)
        if not value:
            raise NotifyError(f"the webhook secret variable {name} is not set", permanent=True)
        return value.encode()

    async def send(self, item: Claimed, now: datetime) -> None:
        body = json.dumps(self._context.composer.webhook(item, now), separators=(",", ":")).encode()
        timestamp = str(int(now.timestamp()))
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": item.idempotency_key,
            "X-Hiccup-Event": item.message_kind,
            TIMESTAMP_HEADER: timestamp,
        }
        secret = self._secret(item)
        if secret is not None:
            headers[SIGNATURE_HEADER] = signature(secret, timestamp, body)
        # Subscriber URLs were typed by strangers: never let them reach into our network.
        private_ok = (
            item.subscriber is None or self._context.config.subscriptions.allow_private_webhooks
        )
        await self._context.http.post(
            item.recipient, body, headers, seconds=self._timeout, private_ok=private_ok
        )

    async def close(self) -> None:
        """The shared HTTP sender is closed by its owner."""
