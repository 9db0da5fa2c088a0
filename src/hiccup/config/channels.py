"""Notifier kinds by name, and the options each one declares for hiccup.yaml.

Each channel module (`hiccup/notify/channels/<kind>.py`) declares its `options_model` beside its
sender and registers itself with `@register`; adding a notifier is that module plus one line in
`_BUILTIN`. The config checks a channel's fields through `options_model(kind)`, so nothing here
or in `config/notifications.py` dispatches on the kind.

The registry sits here, below `notify/`, because the config must validate channels without the
delivery machinery: this module imports nothing of `notify/`, and loads the kind modules by name
on first lookup, after the config modules they import are complete (as `checks/registry.py` does).
"""

from __future__ import annotations

import functools
import importlib
from typing import ClassVar, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict

_BUILTIN = (
    "hiccup.notify.channels.email",
    "hiccup.notify.channels.webhook",
    "hiccup.notify.channels.apprise_channel",
)


class NotificationsSection(Protocol):
    """What a channel's `problems` may read of the `notifications` section; named here so this
    module, which `config/notifications.py` imports, does not import it back."""

    @property
    def smtp(self) -> object | None: ...


class ChannelOptions(BaseModel):
    """Base of each kind's fields beside `key` and `kind`; unknown fields are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Fields that are secrets: written in the admin and API, never shown or returned there.
    secret_fields: ClassVar[tuple[str, ...]] = ()
    # True: a channel made in the admin may carry a signing secret (kept in the database;
    # a file names an environment variable instead, so no secret sits in hiccup.yaml).
    takes_secret: ClassVar[bool] = False

    def target(self) -> str:
        """Where deliveries go, as the channel's row stores it (an address list, a URL)."""
        raise NotImplementedError

    def stored(self) -> dict[str, str]:
        """Settings the sender reads back from the channel's row at delivery time."""
        return {}

    def problems(self, config: NotificationsSection) -> list[str]:
        """What this channel needs from the rest of the section (email needs `smtp`)."""
        return []


class ChannelKind(Protocol):
    """What the config needs of a channel class; `notify.channels.base.Channel` is the rest."""

    kind: ClassVar[str]
    options_model: ClassVar[type[ChannelOptions]]


K = TypeVar("K", bound=type[ChannelKind])

_KINDS: dict[str, type[ChannelKind]] = {}


class UnknownChannelKind(ValueError):
    def __init__(self, kind: str) -> None:
        self.kind = kind
        known = ", ".join(channel_kinds())
        super().__init__(f"unknown channel kind {kind!r} (known kinds: {known})")


def register(cls: K) -> K:
    """Class decorator: make `cls` the channel for `cls.kind`."""
    existing = _KINDS.get(cls.kind)
    if existing is not None and existing is not cls:
        raise ValueError(f"channel kind {cls.kind!r} is already registered by {existing!r}")
    _KINDS[cls.kind] = cls
    return cls


def channel_kinds() -> tuple[str, ...]:
    _load_builtin()
    return tuple(sorted(_KINDS))


def channel_class(kind: str) -> type[ChannelKind]:
    _load_builtin()
    try:
        return _KINDS[kind]
    except KeyError:
        raise UnknownChannelKind(kind) from None


def options_model(kind: str) -> type[ChannelOptions]:
    return channel_class(kind).options_model


@functools.cache
def _load_builtin() -> None:
    for module in _BUILTIN:
        importlib.import_module(module)
