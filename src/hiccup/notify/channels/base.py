"""The one small protocol every channel kind implements."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, Protocol

from hiccup.config.channels import ChannelOptions
from hiccup.config.notifications import NotificationsConfig
from hiccup.notify.http import HttpSender
from hiccup.notify.outbox import Claimed
from hiccup.notify.render import Composer


@dataclass(frozen=True)
class ChannelContext:
    """What channels share: the config, the renderer, the one HTTP sender, the environment."""

    config: NotificationsConfig
    composer: Composer
    http: HttpSender
    environ: Mapping[str, str] = field(default_factory=dict)


class Channel(Protocol):
    kind: ClassVar[str]
    # Its fields in hiccup.yaml beside `key` and `kind`, checked when the file is loaded.
    options_model: ClassVar[type[ChannelOptions]]
    concurrency: int

    async def send(self, item: Claimed, now: datetime) -> None:
        """Deliver once. Success returns; every failure raises NotifyError (permanent=True when
        retrying cannot help). The caller bounds the time it may take."""
        ...

    async def close(self) -> None:
        """Release pooled connections."""
        ...
