"""Operator alert channels and alert rules: create, edit, turn off, delete, send a test, and
each channel's delivery log with a retry for a failed delivery. Secrets are write-only."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field

from hiccup.config.isotime import UtcOutput
from hiccup.manage import alert_rules, channels
from hiccup.manage.context import Actor
from hiccup.manage.models import In
from hiccup.store.channel_rows import RuleRow
from hiccup.web.api.deps import ERRORS, Administrator, Reader, ops_of

router = APIRouter(responses=ERRORS)

KEY = r"^[a-z0-9][a-z0-9_-]{0,99}$"
Key = Annotated[str, Path(pattern=KEY)]


class ChannelIn(In):
    key: str = Field(pattern=KEY)
    kind: str = Field(min_length=1, max_length=16, description="email, webhook, apprise")
    settings: dict[str, Any] = Field(
        default_factory=dict,
        description="the kind's fields as in hiccup.yaml (email: `to`; webhook: `url`, "
        "`secret_env`; apprise: `url`); a secret field left out on edit keeps its value",
    )
    secret: str | None = Field(
        default=None,
        max_length=500,
        description="webhook signing secret; write-only, left out on edit keeps the current one",
    )


class ChannelOut(BaseModel):
    key: str
    kind: str
    target: str = Field(description='where alerts go; "set" when the address is a secret')
    settings: dict[str, Any] = Field(description='the fields; secrets read "set"')
    secret_set: bool
    enabled: bool
    disabled_reason: str | None
    declared: bool = Field(description="from hiccup.yaml: read-only here")


class EnabledIn(In):
    enabled: bool


class TestSentOut(BaseModel):
    delivered: bool
    error: str | None


class AttemptOut(BaseModel):
    at: UtcOutput
    duration_ms: float
    error: str | None
    permanent: bool


class DeliveryOut(BaseModel):
    id: int
    created_at: UtcOutput
    state: Literal["pending", "delivered", "dead"]
    message: str
    last_error: str | None
    delivered_at: UtcOutput | None
    attempts: list[AttemptOut]


Event = Literal["down", "degraded", "recovery"]


def _default_events() -> list[Event]:
    return ["down", "recovery"]


class RuleIn(In):
    key: str = Field(pattern=KEY)
    channels: list[str] = Field(min_length=1, max_length=50)
    monitors: list[str] = Field(default_factory=list, max_length=1000)
    components: list[str] = Field(default_factory=list, max_length=1000)
    on: list[Event] = Field(default_factory=_default_events)
    remind_every: str | None = Field(default=None, max_length=32, description='e.g. "30m"')


class RuleOut(BaseModel):
    key: str
    channels: list[str]
    monitors: list[str]
    components: list[str]
    on: list[str]
    remind_every_s: float | None
    enabled: bool
    declared: bool


def _channel_out(view: channels.ChannelView) -> ChannelOut:
    return ChannelOut(
        key=view.key,
        kind=view.kind,
        target=view.target,
        settings=view.settings,
        secret_set=view.secret_set,
        enabled=view.enabled,
        disabled_reason=view.disabled_reason,
        declared=view.declared,
    )


def _channel_input(body: ChannelIn) -> channels.ChannelInput:
    return channels.ChannelInput(body.key, body.kind, dict(body.settings), body.secret)


@router.get("/channels", tags=["channels"])
async def list_channels(request: Request, _actor: Actor = Reader) -> list[ChannelOut]:
    return [_channel_out(v) for v in await channels.list_channels(ops_of(request))]


@router.post("/channels", status_code=201, tags=["channels"])
async def create_channel(
    request: Request, body: ChannelIn, actor: Actor = Administrator
) -> ChannelOut:
    return _channel_out(await channels.create(ops_of(request), actor, _channel_input(body)))


@router.get("/channels/{key}", tags=["channels"])
async def get_channel(request: Request, key: Key, _actor: Actor = Reader) -> ChannelOut:
    return _channel_out(await channels.get(ops_of(request), key))


@router.put("/channels/{key}", tags=["channels"])
async def update_channel(
    request: Request, key: Key, body: ChannelIn, actor: Actor = Administrator
) -> ChannelOut:
    updated = await channels.update(ops_of(request), actor, key, _channel_input(body))
    return _channel_out(updated)


@router.put("/channels/{key}/enabled", tags=["channels"])
async def enable_channel(
    request: Request, key: Key, body: EnabledIn, actor: Actor = Administrator
) -> ChannelOut:
    """Turn a channel off (alerts skip it) or back on."""
    return _channel_out(await channels.set_enabled(ops_of(request), actor, key, body.enabled))


@router.delete("/channels/{key}", status_code=204, tags=["channels"])
async def delete_channel(request: Request, key: Key, actor: Actor = Administrator) -> Response:
    await channels.delete(ops_of(request), actor, key)
    return Response(status_code=204)


@router.post("/channels/{key}/test", tags=["channels"])
async def send_test_alert(request: Request, key: Key, actor: Actor = Administrator) -> TestSentOut:
    """Send a test alert through the channel now and answer with what its receiver said;
    the attempt is in the delivery log too."""
    error = await channels.send_test(ops_of(request), actor, key)
    return TestSentOut(delivered=error is None, error=error)


@router.get("/channels/{key}/deliveries", tags=["channels"])
async def channel_deliveries(
    request: Request,
    key: Key,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    _actor: Actor = Reader,
) -> list[DeliveryOut]:
    """The channel's latest deliveries, newest first, each with its attempts and errors."""
    found = await channels.deliveries(ops_of(request), key, limit)
    return [
        DeliveryOut(
            id=d.id,
            created_at=d.created_at,
            state=d.state,
            message=d.headline,
            last_error=d.last_error,
            delivered_at=d.delivered_at,
            attempts=[
                AttemptOut(at=a.at, duration_ms=a.duration_ms, error=a.error, permanent=a.permanent)
                for a in d.attempts
            ],
        )
        for d in found
    ]


@router.post("/channels/{key}/deliveries/{delivery_id}/retry", status_code=204, tags=["channels"])
async def retry_delivery(
    request: Request,
    key: Key,
    delivery_id: Annotated[int, Path(ge=1, le=2**62)],
    actor: Actor = Administrator,
) -> Response:
    """Queue a failed (dead) delivery again, due now."""
    await channels.retry(ops_of(request), actor, key, delivery_id)
    return Response(status_code=204)


def _rule_out(row: RuleRow) -> RuleOut:
    return RuleOut(
        key=row.key,
        channels=row.channels,
        monitors=row.monitors,
        components=row.components,
        on=row.events,
        remind_every_s=row.remind_every_s,
        enabled=row.enabled,
        declared=row.declared,
    )


def _rule_input(body: RuleIn) -> alert_rules.RuleInput:
    return alert_rules.RuleInput(
        body.key,
        list(body.channels),
        list(body.monitors),
        list(body.components),
        list(body.on),
        body.remind_every,
    )


@router.get("/alert-rules", tags=["channels"])
async def list_rules(request: Request, _actor: Actor = Reader) -> list[RuleOut]:
    return [_rule_out(r) for r in await alert_rules.list_rules(ops_of(request))]


@router.post("/alert-rules", status_code=201, tags=["channels"])
async def create_rule(request: Request, body: RuleIn, actor: Actor = Administrator) -> RuleOut:
    return _rule_out(await alert_rules.create(ops_of(request), actor, _rule_input(body)))


@router.get("/alert-rules/{key}", tags=["channels"])
async def get_rule(request: Request, key: Key, _actor: Actor = Reader) -> RuleOut:
    return _rule_out(await alert_rules.get(ops_of(request), key))


@router.put("/alert-rules/{key}", tags=["channels"])
async def update_rule(
    request: Request, key: Key, body: RuleIn, actor: Actor = Administrator
) -> RuleOut:
    return _rule_out(await alert_rules.update(ops_of(request), actor, key, _rule_input(body)))


@router.put("/alert-rules/{key}/enabled", tags=["channels"])
async def enable_rule(
    request: Request, key: Key, body: EnabledIn, actor: Actor = Administrator
) -> RuleOut:
    """Turn a rule off (it sends nothing and forgets its triggered alerts) or back on."""
    return _rule_out(await alert_rules.set_enabled(ops_of(request), actor, key, body.enabled))


@router.delete("/alert-rules/{key}", status_code=204, tags=["channels"])
async def delete_rule(request: Request, key: Key, actor: Actor = Administrator) -> Response:
    await alert_rules.delete(ops_of(request), actor, key)
    return Response(status_code=204)
