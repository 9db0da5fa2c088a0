"""One live channel per registered kind (the kinds and their options: config/channels.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from hiccup.config.channels import channel_class, channel_kinds
from hiccup.notify.channels.base import Channel, ChannelContext

ChannelFactory = Callable[[ChannelContext], Channel]


def build_channels(context: ChannelContext) -> dict[str, Channel]:
    # Every registered class is a Channel; the config's registry only knows its options side.
    return {kind: cast(ChannelFactory, channel_class(kind))(context) for kind in channel_kinds()}
