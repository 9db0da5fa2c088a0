"""Operator channels from the admin and API: create, edit, turn off and on, delete, send a
test, read the delivery log and retry a failed delivery.

Secrets are write-only: a secret field (an Apprise URL, a webhook's signing secret) is taken
on create and edit, left as it was when sent empty, and never shown again: readers see "set".
Channels declared in hiccup.yaml are read-only here (tests and the log still work on them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from hiccup.config.channels import UnknownChannelKind, channel_kinds, options_model
from hiccup.core.ids import new_id
from hiccup.manage.context import Actor, Ops, change
from hiccup.manage.errors import Conflict, Invalid, ManageError, NotFound
from hiccup.store import channel_rows
from hiccup.store.channel_rows import ChannelRow, Delivery

KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
SET = "set"  # what a reader sees in place of a secret
SECRET = "secret"  # the signing secret's field, for kinds that take one
DELIVERIES_SHOWN = 50


@dataclass(frozen=True, slots=True)
class ChannelInput:
    key: str
    kind: str
    # The kind's own fields, as in hiccup.yaml (`to`, `url`, `secret_env`…); a secret field
    # left empty or absent on edit keeps its stored value.
    settings: dict[str, Any]
    secret: str | None = None  # a webhook's signing secret; None or "" keeps the current one


@dataclass(frozen=True, slots=True)
class ChannelView:
    """A channel as readers see it: no secret in it."""

    key: str
    kind: str
    target: str
    settings: dict[str, Any]  # the kind's fields, secrets replaced by "set"
    secret_set: bool
    enabled: bool
    disabled_reason: str | None
    declared: bool


def secret_fields(kind: str) -> tuple[str, ...]:
    try:
        return options_model(kind).secret_fields
    except UnknownChannelKind:
        return ()


def takes_secret(kind: str) -> bool:
    try:
        return options_model(kind).takes_secret
    except UnknownChannelKind:
        return False


def view(row: ChannelRow) -> ChannelView:
    hidden = secret_fields(row.kind)
    entered = dict(row.options.get("settings") or {})
    settings = {k: (SET if k in hidden else v) for k, v in entered.items()}
    target = SET if "url" in hidden else row.target
    return ChannelView(
        row.key,
        row.kind,
        target,
        settings,
        bool(row.options.get(SECRET)),
        row.enabled,
        row.disabled_reason,
        row.declared,
    )


def _checked_settings(kind: str, settings: dict[str, Any]) -> Any:
    try:
        model = options_model(kind)
    except UnknownChannelKind as error:
        raise Invalid({"kind": str(error)}) from None
    try:
        return model.model_validate(settings)
    except ValidationError as error:
        fields: dict[str, str] = {}
        for item in error.errors():
            name = ".".join(str(p) for p in item["loc"]) or "settings"
            message = str(item["msg"]).removeprefix("Value error, ")
            if item["type"] == "extra_forbidden":
                message = f"unknown field for a {kind} channel"
            fields.setdefault(name, message)
        raise Invalid(fields) from None


def _values(data: ChannelInput, current: ChannelRow | None) -> dict[str, Any]:
    """The row's kind, target and options; secrets not sent are kept from `current`."""
    hidden = secret_fields(data.kind)
    kept = dict((current.options.get("settings") or {}) if current else {})
    settings = {k: v for k, v in data.settings.items() if v not in (None, "", [])}
    same_kind = current is not None and current.kind == data.kind
    for name in hidden:
        if name not in settings and same_kind and name in kept:
            settings[name] = kept[name]
    checked = _checked_settings(data.kind, settings)
    options: dict[str, Any] = {
        **checked.stored(),
        "settings": checked.model_dump(mode="json", exclude_none=True),
    }
    if takes_secret(data.kind):
        secret = data.secret or (current.options.get(SECRET) if current else None)
        if secret:
            options[SECRET] = secret
    elif data.secret:
        raise Invalid({SECRET: f"a {data.kind} channel takes no signing secret"})
    return {"kind": data.kind, "target": checked.target(), "options": options}


def _check_key(key: str) -> None:
    if not KEY.match(key):
        raise Invalid({"key": "lowercase letters, digits, - and _ (up to 100), e.g. ops-mail"})


async def list_channels(ops: Ops) -> list[ChannelView]:
    async with ops.engine.connect() as conn:
        return [view(r) for r in await channel_rows.list_channels(conn)]


async def get(ops: Ops, key: str) -> ChannelView:
    async with ops.engine.connect() as conn:
        return view(await _found(conn, key))


async def _found(conn: Any, key: str) -> ChannelRow:
    row = await channel_rows.find_channel(conn, key)
    if row is None:
        raise NotFound("channel")
    return row


def _editable(row: ChannelRow) -> None:
    if row.declared:
        raise Conflict(
            "declared_in_config",
            f"channel {row.key!r} is declared in the config file; change it there",
        )


async def create(ops: Ops, actor: Actor, data: ChannelInput) -> ChannelView:
    _check_key(data.key)
    values = _values(data, None)
    async with change(ops, actor) as c:
        if await channel_rows.find_channel(c.conn, data.key) is not None:
            raise Conflict("key_taken", f"a channel with key {data.key!r} exists", {"key": "taken"})
        await channel_rows.insert_channel(c.conn, new_id(), data.key, values, c.now)
        await c.audit("channel.create", f"channel {data.key}", f"{data.kind}")
        return view(await _found(c.conn, data.key))


async def update(ops: Ops, actor: Actor, key: str, data: ChannelInput) -> ChannelView:
    async with change(ops, actor) as c:
        row = await _found(c.conn, key)
        _editable(row)
        if data.key != key:
            raise Invalid({"key": "a channel's key cannot change (rules name it)"})
        values = _values(data, row)
        await channel_rows.update_channel(c.conn, row.id, values, c.now)
        # Which fields changed, never their values: the audit log is readable by viewers.
        await c.audit("channel.update", f"channel {key}", ", ".join(sorted(data.settings)))
        return view(await _found(c.conn, key))


async def set_enabled(ops: Ops, actor: Actor, key: str, enabled: bool) -> ChannelView:
    async with change(ops, actor) as c:
        row = await _found(c.conn, key)
        _editable(row)
        reason = f"turned off by {actor.principal.actor}"
        await channel_rows.set_channel_enabled(c.conn, row.id, enabled, reason, c.now)
        await c.audit("channel.enable" if enabled else "channel.disable", f"channel {key}")
        return view(await _found(c.conn, key))


async def delete(ops: Ops, actor: Actor, key: str) -> None:
    async with change(ops, actor) as c:
        row = await _found(c.conn, key)
        _editable(row)
        users = [r.key for r in await channel_rows.list_rules(c.conn) if key in r.channels]
        if users:
            raise Conflict(
                "channel_in_use",
                f"alert rules send to channel {key!r}: {', '.join(users)}; change them first",
            )
        await channel_rows.delete_channel(c.conn, row.id)
        await c.audit("channel.delete", f"channel {key}")


async def send_test(ops: Ops, actor: Actor, key: str) -> str | None:
    """None when the channel accepted the test alert, else the error it gave."""
    async with ops.engine.connect() as conn:
        await _found(conn, key)
    error = await ops.notify.send_test(key, actor.principal.actor)
    async with change(ops, actor) as c:
        await c.audit("channel.test", f"channel {key}", error or "delivered")
    return error


async def deliveries(ops: Ops, key: str, limit: int = DELIVERIES_SHOWN) -> list[Delivery]:
    async with ops.engine.connect() as conn:
        row = await _found(conn, key)
        return await channel_rows.deliveries(conn, row.id, limit)


async def retry(ops: Ops, actor: Actor, key: str, delivery_id: int) -> None:
    async with change(ops, actor) as c:
        row = await _found(c.conn, key)
        if not await channel_rows.requeue_dead(c.conn, row.id, delivery_id, c.now):
            raise ManageError("only a failed delivery (dead) of this channel can be retried")
        await c.audit("channel.retry", f"channel {key}", f"delivery {delivery_id}")
    ops.notify.wake()


async def operator_channels(ops: Ops) -> int:
    """How many channels are on: none means nobody hears of an outage."""
    async with ops.engine.connect() as conn:
        return await channel_rows.count_enabled_channels(conn)


def kinds() -> tuple[str, ...]:
    return channel_kinds()
