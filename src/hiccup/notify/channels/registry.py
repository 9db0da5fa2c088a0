"""Channel kinds by name. Each module registers its class with `@register`."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TypeVar

from hiccup.notify.channels.base import Channel, ChannelContext

ChannelFactory = Callable[[ChannelContext], Channel]
F = TypeVar("F", bound=ChannelFactory)

_REGISTRY: dict[str, ChannelFactory] = {}
_BUILTIN = ("email", "webhook", "apprise_channel")


def register(factory: F) -> F:
    kind: str = getattr(factory, "kind")  # noqa: B009 - a ClassVar of the class registered
    _REGISTRY[kind] = factory
    return factory


def _load_builtin() -> None:
    for module in _BUILTIN:
        importlib.import_module(f"hiccup.notify.channels.{module}")


def channel_kinds() -> list[str]:
    _load_builtin()
    return sorted(_REGISTRY)


def build_channels(context: ChannelContext) -> dict[str, Channel]:
    _load_builtin()
    return {kind: factory(context) for kind, factory in _REGISTRY.items()}
