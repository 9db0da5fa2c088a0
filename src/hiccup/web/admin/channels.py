"""The admin's alert channels: the list with the alert rules, a form per channel kind (its
fields read from the kind's options model), a page per channel with "Send test" and its
delivery log, and the banner shown when no operator channel is on."""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from hiccup.auth.principal import Principal
from hiccup.auth.roles import Permission
from hiccup.config.channels import UnknownChannelKind, options_model
from hiccup.manage import alert_rules, channels
from hiccup.manage.errors import Invalid, ManageError, NotFound
from hiccup.web.admin.base import HEADERS, form_guard, guard, ops_of, redirect, render
from hiccup.web.admin.forms import Field, errors_by_field, read_form, shown_value

router = APIRouter()


def _is_list(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _is_list(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return any(_is_list(a) for a in typing.get_args(annotation))
    return origin is list


def kind_fields(kind: str, editing: bool) -> list[Field]:
    """The form of a kind: one field per option of its model, a secret as a password field."""
    try:
        model = options_model(kind)
    except UnknownChannelKind:
        raise NotFound("channel kind") from None
    keep = "Leave empty to keep the current value." if editing else ""
    fields = [Field("key", "Key", help="e.g. ops-mail; rules name the channel by it")]
    for name, info in model.model_fields.items():
        secret = name in model.secret_fields
        listed = _is_list(info.annotation)
        fields.append(
            Field(
                name,
                name.replace("_", " ").capitalize(),
                "password" if secret else "tags" if listed else "text",
                optional=not info.is_required(),
                help=" ".join(
                    part
                    for part in (
                        "Several, separated by commas." if listed else "",
                        "Write-only: never shown again." if secret else "",
                        keep if secret else "",
                    )
                    if part
                ),
            )
        )
    if model.takes_secret:
        fields.append(
            Field(
                "secret",
                "Signing secret",
                "password",
                optional=True,
                help="HMAC-SHA256 signature of each request; write-only. " + keep,
            )
        )
    return fields


def _form(
    request: Request,
    me: Principal,
    kind: str,
    action: str,
    values: dict[str, Any],
    problems: dict[str, str] | None = None,
    editing: bool = False,
) -> HTMLResponse:
    fields = kind_fields(kind, editing)
    shown = {f.name: shown_value(f, values.get(f.name)) for f in fields if f.kind != "password"}
    return render(
        request,
        "channel_form.html",
        me,
        422 if problems else 200,
        title=f"{'Edit' if editing else 'New'} {kind} channel",
        fields=fields,
        values=shown,
        errors=errors_by_field(fields, problems or {}),
        action=action,
        editing=editing,
        secrets_set=values.get("_secrets_set", {}),
    )


def _input(kind: str, form: FormData, editing: bool) -> channels.ChannelInput:
    fields = kind_fields(kind, editing)
    data, problems = read_form(fields, form)
    if problems:
        raise Invalid(problems)
    key = str(data.pop("key", "") or "")
    secret = data.pop("secret", None)
    return channels.ChannelInput(key, kind, data, str(secret) if secret else None)


@router.get("/channels")
async def channel_list(request: Request) -> Response:
    me, _ = await guard(request, Permission.READ)
    ops = ops_of(request)
    return render(
        request,
        "channels.html",
        me,
        title="Alert channels",
        channels=await channels.list_channels(ops),
        rules=await alert_rules.list_rules(ops),
        kinds=channels.kinds(),
        can_edit=me.may(Permission.ADMINISTER),
    )


@router.get("/channels/banner")
async def banner(request: Request) -> Response:
    """Loaded by every admin page: a warning when no operator channel is on, else nothing."""
    me, _ = await guard(request, Permission.READ)
    if await channels.operator_channels(ops_of(request)):
        return HTMLResponse("", 200, HEADERS)
    return render(request, "_channel_banner.html", me)


@router.get("/channels/new/{kind}")
async def new_channel(request: Request, kind: str) -> Response:
    me, _ = await guard(request, Permission.ADMINISTER)
    return _form(request, me, kind, f"/channels/new/{kind}", {})


@router.post("/channels/new/{kind}")
async def create_channel(request: Request, kind: str) -> Response:
    me, actor, form = await form_guard(request, Permission.ADMINISTER)
    try:
        data = _input(kind, form, editing=False)
        created = await channels.create(ops_of(request), actor, data)
    except ManageError as error:
        if not error.fields:
            raise
        values = {k: v for k, v in form.items() if k != "csrf_token"}
        return _form(request, me, kind, f"/channels/new/{kind}", values, error.fields)
    return redirect(f"/channels/{created.key}")


async def _channel_page(
    request: Request, me: Principal, key: str, test: tuple[bool, str | None] | None = None
) -> HTMLResponse:
    ops = ops_of(request)
    channel = await channels.get(ops, key)
    return render(
        request,
        "channel.html",
        me,
        title=f"Channel {key}",
        channel=channel,
        deliveries=await channels.deliveries(ops, key),
        can_edit=me.may(Permission.ADMINISTER),
        test=test,
    )


@router.get("/channels/{key}")
async def channel_page(request: Request, key: str) -> Response:
    me, _ = await guard(request, Permission.READ)
    return await _channel_page(request, me, key)


@router.get("/channels/{key}/edit")
async def edit_channel(request: Request, key: str) -> Response:
    me, _ = await guard(request, Permission.ADMINISTER)
    channel = await channels.get(ops_of(request), key)
    if channel.declared:
        raise ManageError(f"channel {key!r} is declared in the config file; change it there")
    values = _shown_settings(channel)
    return _form(request, me, channel.kind, f"/channels/{key}/edit", values, editing=True)


def _shown_settings(channel: channels.ChannelView) -> dict[str, Any]:
    values: dict[str, Any] = {"key": channel.key}
    values.update({k: v for k, v in channel.settings.items() if v != channels.SET})
    values["_secrets_set"] = {
        **{k: True for k, v in channel.settings.items() if v == channels.SET},
        "secret": channel.secret_set,
    }
    return values


@router.post("/channels/{key}/edit")
async def update_channel(request: Request, key: str) -> Response:
    me, actor, form = await form_guard(request, Permission.ADMINISTER)
    ops = ops_of(request)
    channel = await channels.get(ops, key)
    try:
        data = _input(channel.kind, form, editing=True)
        await channels.update(ops, actor, key, data)
    except ManageError as error:
        if not error.fields:
            raise
        values = {k: v for k, v in form.items() if k != "csrf_token"}
        action = f"/channels/{key}/edit"
        return _form(request, me, channel.kind, action, values, error.fields, editing=True)
    return redirect(f"/channels/{key}")


@router.post("/channels/{key}/test")
async def send_test(request: Request, key: str) -> Response:
    me, actor, _ = await form_guard(request, Permission.ADMINISTER)
    error = await channels.send_test(ops_of(request), actor, key)
    return await _channel_page(request, me, key, test=(error is None, error))


@router.post("/channels/{key}/enable")
async def enable(request: Request, key: str) -> Response:
    _, actor, _ = await form_guard(request, Permission.ADMINISTER)
    await channels.set_enabled(ops_of(request), actor, key, True)
    return redirect(f"/channels/{key}")


@router.post("/channels/{key}/disable")
async def disable(request: Request, key: str) -> Response:
    _, actor, _ = await form_guard(request, Permission.ADMINISTER)
    await channels.set_enabled(ops_of(request), actor, key, False)
    return redirect(f"/channels/{key}")


@router.post("/channels/{key}/delete")
async def delete(request: Request, key: str) -> Response:
    _, actor, _ = await form_guard(request, Permission.ADMINISTER)
    await channels.delete(ops_of(request), actor, key)
    return redirect("/channels")


@router.post("/channels/{key}/deliveries/{delivery_id}/retry")
async def retry(request: Request, key: str, delivery_id: str) -> Response:
    _, actor, _ = await form_guard(request, Permission.ADMINISTER)
    if not (delivery_id.isascii() and delivery_id.isdigit() and len(delivery_id) < 19):
        raise NotFound("delivery")  # read after the guard: strangers learn nothing
    await channels.retry(ops_of(request), actor, key, int(delivery_id))
    return redirect(f"/channels/{key}")


# Alert rules ---------------------------------------------------------------------------------


async def _rule_fields(request: Request) -> Sequence[Field]:
    keys = [c.key for c in await channels.list_channels(ops_of(request))]
    events = [("down", "down"), ("degraded", "degraded"), ("recovery", "recovery")]
    return [
        Field("key", "Key", help="e.g. ops-down"),
        Field("channels", "Channels", "multi", choices=[(k, k) for k in keys]),
        Field("monitors", "Monitors", "tags", help="monitor keys; empty: every monitor"),
        Field("components", "Components", "tags", help="component keys; empty: every one"),
        Field("on", "On", "multi", choices=events),
        Field("remind_every", "Remind every", optional=True, help="e.g. 30m; empty: never"),
    ]


async def _rule_form(
    request: Request,
    me: Principal,
    action: str,
    values: dict[str, Any],
    problems: dict[str, str] | None = None,
) -> HTMLResponse:
    fields = await _rule_fields(request)
    return render(
        request,
        "channel_form.html",
        me,
        422 if problems else 200,
        title="Edit alert rule" if action.endswith("/edit") else "New alert rule",
        fields=fields,
        values={f.name: shown_value(f, values.get(f.name)) for f in fields},
        errors=errors_by_field(fields, problems or {}),
        action=action,
        editing=action.endswith("/edit"),
        secrets_set={},
    )


def _rule_input(data: dict[str, Any]) -> alert_rules.RuleInput:
    return alert_rules.RuleInput(
        str(data.get("key") or ""),
        list(data.get("channels") or []),
        list(data.get("monitors") or []),
        list(data.get("components") or []),
        list(data.get("on") or []),
        data.get("remind_every") or None,
    )


@router.get("/alert-rules/new")
async def new_rule(request: Request) -> Response:
    me, _ = await guard(request, Permission.ADMINISTER)
    return await _rule_form(request, me, "/alert-rules/new", {"on": ["down", "recovery"]})


@router.post("/alert-rules/new")
async def create_rule(request: Request) -> Response:
    me, actor, form = await form_guard(request, Permission.ADMINISTER)
    data, problems = read_form(await _rule_fields(request), form)
    try:
        if problems:
            raise Invalid(problems)
        await alert_rules.create(ops_of(request), actor, _rule_input(data))
    except ManageError as error:
        if not error.fields:
            raise
        return await _rule_form(request, me, "/alert-rules/new", data, error.fields)
    return redirect("/channels")


@router.get("/alert-rules/{key}/edit")
async def edit_rule(request: Request, key: str) -> Response:
    me, _ = await guard(request, Permission.ADMINISTER)
    rule = await alert_rules.get(ops_of(request), key)
    if rule.declared:
        raise ManageError(f"alert rule {key!r} is declared in the config file; change it there")
    every = rule.remind_every_s
    values = {
        "key": rule.key,
        "channels": rule.channels,
        "monitors": rule.monitors,
        "components": rule.components,
        "on": rule.events,
        "remind_every": f"{int(every // 60)}m" if every else None,
    }
    return await _rule_form(request, me, f"/alert-rules/{key}/edit", values)


@router.post("/alert-rules/{key}/edit")
async def update_rule(request: Request, key: str) -> Response:
    me, actor, form = await form_guard(request, Permission.ADMINISTER)
    data, problems = read_form(await _rule_fields(request), form)
    try:
        if problems:
            raise Invalid(problems)
        await alert_rules.update(ops_of(request), actor, key, _rule_input(data))
    except ManageError as error:
        if not error.fields:
            raise
        return await _rule_form(request, me, f"/alert-rules/{key}/edit", data, error.fields)
    return redirect("/channels")


@router.post("/alert-rules/{key}/enable")
async def enable_rule(request: Request, key: str) -> Response:
    _, actor, _ = await form_guard(request, Permission.ADMINISTER)
    await alert_rules.set_enabled(ops_of(request), actor, key, True)
    return redirect("/channels")


@router.post("/alert-rules/{key}/disable")
async def disable_rule(request: Request, key: str) -> Response:
    _, actor, _ = await form_guard(request, Permission.ADMINISTER)
    await alert_rules.set_enabled(ops_of(request), actor, key, False)
    return redirect("/channels")


@router.post("/alert-rules/{key}/delete")
async def delete_rule(request: Request, key: str) -> Response:
    _, actor, _ = await form_guard(request, Permission.ADMINISTER)
    await alert_rules.delete(ops_of(request), actor, key)
    return redirect("/channels")
