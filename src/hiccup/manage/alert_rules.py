"""Alert rules from the admin and API: which channels hear of which monitors' events.

A rule is checked as hiccup.yaml's `notifications.alerts` entries are (config/notifications.py),
and its channels, monitors and components must exist. Rules declared in the file are read-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pydantic import ValidationError

from hiccup.config.notifications import AlertRuleConfig
from hiccup.core.ids import new_id
from hiccup.manage.channels import KEY
from hiccup.manage.context import Actor, Ops, change
from hiccup.manage.errors import Conflict, Invalid, NotFound
from hiccup.store import channel_rows
from hiccup.store.channel_rows import RuleRow


@dataclass(frozen=True, slots=True)
class RuleInput:
    key: str
    channels: list[str]
    monitors: list[str]  # empty: every monitor
    components: list[str]  # empty: every component
    on: list[str]  # down, degraded, recovery
    remind_every: str | None = None  # a duration ("30m"); None: no reminders


def _checked(data: RuleInput) -> AlertRuleConfig:
    if not KEY.match(data.key):
        raise Invalid({"key": "lowercase letters, digits, - and _ (up to 100), e.g. ops-down"})
    raw: dict[str, Any] = {
        "key": data.key,
        "channels": data.channels,
        "monitors": data.monitors,
        "components": data.components,
        "on": data.on,
    }
    if data.remind_every:
        raw["remind_every"] = data.remind_every
    try:
        return AlertRuleConfig.model_validate(raw)
    except ValidationError as error:
        fields: dict[str, str] = {}
        for item in error.errors():
            message = str(item["msg"]).removeprefix("Value error, ")
            # A check of the whole rule names its field first ("remind_every must be …").
            first = message.split(" ", 1)[0]
            name = str(item["loc"][0]) if item["loc"] else first if first in raw else "rule"
            fields.setdefault(name, message)
        raise Invalid(fields) from None


async def _unknown_keys(conn: Any, rule: AlertRuleConfig) -> dict[str, str]:
    channels = {c.key for c in await channel_rows.list_channels(conn)}
    monitors, components = await channel_rows.known_keys(conn)
    problems: dict[str, str] = {}
    for field, keys, known in (
        ("channels", rule.channels, channels),
        ("monitors", rule.monitors, monitors),
        ("components", rule.components, components),
    ):
        missing = [k for k in keys if k not in known]
        if missing:
            problems[field] = f"no such {field.removesuffix('s')}: {', '.join(missing)}"
    return problems


def _values(rule: AlertRuleConfig) -> dict[str, Any]:
    reminder: timedelta | None = rule.remind_every
    return {
        "channels": list(rule.channels),
        "monitors": list(rule.monitors),
        "components": list(rule.components),
        "events": list(rule.on),
        "remind_every_s": reminder.total_seconds() if reminder else None,
    }


async def list_rules(ops: Ops) -> list[RuleRow]:
    async with ops.engine.connect() as conn:
        return await channel_rows.list_rules(conn)


async def _found(conn: Any, key: str) -> RuleRow:
    row = await channel_rows.find_rule(conn, key)
    if row is None:
        raise NotFound("alert rule")
    return row


async def get(ops: Ops, key: str) -> RuleRow:
    async with ops.engine.connect() as conn:
        return await _found(conn, key)


def _editable(row: RuleRow) -> None:
    if row.declared:
        raise Conflict(
            "declared_in_config",
            f"alert rule {row.key!r} is declared in the config file; change it there",
        )


async def create(ops: Ops, actor: Actor, data: RuleInput) -> RuleRow:
    rule = _checked(data)
    async with change(ops, actor) as c:
        if problems := await _unknown_keys(c.conn, rule):
            raise Invalid(problems)
        if await channel_rows.find_rule(c.conn, data.key) is not None:
            raise Conflict("key_taken", f"an alert rule with key {data.key!r} exists")
        await channel_rows.insert_rule(c.conn, new_id(), data.key, _values(rule), c.now)
        await c.audit("alert_rule.create", f"alert rule {data.key}")
        return await _found(c.conn, data.key)


async def update(ops: Ops, actor: Actor, key: str, data: RuleInput) -> RuleRow:
    rule = _checked(data)
    async with change(ops, actor) as c:
        row = await _found(c.conn, key)
        _editable(row)
        if data.key != key:
            raise Invalid({"key": "a rule's key cannot change"})
        if problems := await _unknown_keys(c.conn, rule):
            raise Invalid(problems)
        await channel_rows.update_rule(c.conn, row.id, _values(rule), c.now)
        await c.audit("alert_rule.update", f"alert rule {key}")
        return await _found(c.conn, key)


async def set_enabled(ops: Ops, actor: Actor, key: str, enabled: bool) -> RuleRow:
    async with change(ops, actor) as c:
        row = await _found(c.conn, key)
        _editable(row)
        await channel_rows.set_rule_enabled(c.conn, row.id, enabled, c.now)
        await c.audit("alert_rule.enable" if enabled else "alert_rule.disable", f"alert rule {key}")
        return await _found(c.conn, key)


async def delete(ops: Ops, actor: Actor, key: str) -> None:
    async with change(ops, actor) as c:
        row = await _found(c.conn, key)
        _editable(row)
        await channel_rows.delete_rule(c.conn, row.id)
        await c.audit("alert_rule.delete", f"alert rule {key}")
