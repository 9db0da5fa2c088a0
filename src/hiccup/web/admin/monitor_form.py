"""The monitor form: common fields, then a field for each option of each check kind (shown for
the chosen kind), durations typed as `30s`, and "Check now", which runs the check once with
what is in the form, without saving it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from hiccup.auth.principal import Principal
from hiccup.auth.roles import Permission
from hiccup.checks.registry import check_kinds
from hiccup.manage import monitors
from hiccup.manage.check_now import CheckNow, RunBudget, check_once
from hiccup.manage.context import Ops
from hiccup.manage.errors import Invalid, ManageError, NotFound
from hiccup.manage.models import MonitorIn
from hiccup.manage.validation import parse
from hiccup.web.admin.base import form_guard, guard, ops_of, redirect, render
from hiccup.web.admin.forms import Field, errors_by_field, read_form, shown_value
from hiccup.web.admin.option_fields import form_name, option_fields, read_options, shown_options
from hiccup.web.admin.resources import NONE, component_choices

router = APIRouter()
OPTIONS = Field("options", "Options")  # where a problem with the options as a whole goes


async def monitor_fields(ops: Ops) -> Sequence[Field]:
    return [
        Field("name", "Name"),
        Field("key", "Key", optional=True, help="stable id; default: from the name"),
        Field("kind", "Kind", "select", [(k, k) for k in check_kinds()]),
        Field("target", "Target", help="URL, host:port, name, …"),
        Field("interval_s", "Interval", "duration", help="e.g. 30s, 1m, 5m"),
        Field("timeout_s", "Timeout", "duration", help="e.g. 10s"),
        Field(
            "retry_interval_s",
            "Retry interval",
            "duration",
            optional=True,
            help="while checks fail, check this often instead: confirms and recovers sooner",
        ),
        Field("failure_threshold", "Failures before down", "int"),
        Field("success_threshold", "Successes before up", "int"),
        Field("degraded_latency_ms", "Degraded above (ms)", "float", optional=True),
        Field(
            "component_id",
            "Component",
            "select",
            [NONE, *await component_choices(ops)],
            optional=True,
        ),
        Field("tags", "Tags", "tags", help="comma or space separated"),
        Field("enabled", "Enabled", "bool"),
        Field(
            "public",
            "On the status page",
            "select",
            [("", "— the kind's default —"), ("true", "yes"), ("false", "no: operator-only")],
            optional=True,
            help="operator-only monitors alert, never change the page (default: tls, heartbeat)",
        ),
    ]


def _budget(request: Request) -> RunBudget:
    state = request.app.state
    if not hasattr(state, "check_now_budget"):
        state.check_now_budget = RunBudget()
    budget: RunBudget = state.check_now_budget
    return budget


def _typed_options(form: FormData | None, stored: Mapping[str, Any], kind: str) -> dict[str, Any]:
    """Each kind's option fields as shown: as typed when the form came back, else stored."""
    shown: dict[str, Any] = {}
    for each in check_kinds():
        if form is None:
            shown[each] = shown_options(each, stored if each == kind else {})
            continue
        typed: dict[str, Any] = {}
        for field in option_fields(each):
            name = form_name(each, field)
            if field.kind == "bool":
                typed[field.name] = form.get(name) is not None
            else:
                typed[field.name] = str(form.get(name, ""))
        shown[each] = typed
    return shown


async def _page(
    request: Request,
    me: Principal,
    action: str,
    values: Mapping[str, Any],
    *,
    form: FormData | None = None,
    problems: Mapping[str, str] | None = None,
    result: CheckNow | None = None,
    status: int = 200,
    declared: bool = False,
) -> Response:
    fields = await monitor_fields(ops_of(request))
    kind = str(values.get("kind") or "http")
    errors = errors_by_field([*fields, *option_fields(kind), OPTIONS], problems or {})
    return render(
        request,
        "monitor_form.html",
        me,
        422 if problems and status == 200 else status,
        title="Edit monitor" if action.endswith("/edit") else "New monitor",
        fields=fields,
        values={f.name: shown_value(f, values.get(f.name)) for f in fields},
        kinds={k: option_fields(k) for k in check_kinds()},
        kind=kind,
        options=_typed_options(form, values.get("options") or {}, kind),
        form_name=form_name,
        errors=errors,
        action=action,
        result=result,
        declared=declared,
    )


async def _read(request: Request, form: FormData) -> tuple[dict[str, Any], dict[str, str]]:
    fields = await monitor_fields(ops_of(request))
    data, problems = read_form(fields, form)
    options, option_problems = read_options(str(form.get("kind", "")), form)
    data["options"] = options
    return data, {**problems, **option_problems}


async def _submit(request: Request, item_id: str | None) -> Response:
    me, actor, form = await form_guard(request, Permission.ADMINISTER)
    ops = ops_of(request)
    data, problems = await _read(request, form)
    action = "/monitors/new" if item_id is None else f"/monitors/{item_id}/edit"
    try:
        if problems:
            raise Invalid(problems)
        monitor = parse(MonitorIn, data)
        if item_id is None:
            await monitors.create_monitor(ops, actor, monitor)
        else:
            await monitors.update_monitor(ops, actor, item_id, monitor)
    except ManageError as error:
        found = error.fields or {"": error.message}
        return await _page(
            request, me, action, data, form=form, problems=found, status=error.status
        )
    return redirect("/")


@router.get("/monitors/new")
async def new_monitor(request: Request) -> Response:
    me, _ = await guard(request, Permission.ADMINISTER)
    defaults = {
        name: info.get_default(call_default_factory=True)
        for name, info in MonitorIn.model_fields.items()
        if not info.is_required()
    }
    return await _page(request, me, "/monitors/new", defaults | {"kind": "http"})


@router.post("/monitors/new")
async def create_monitor(request: Request) -> Response:
    return await _submit(request, None)


@router.get("/monitors/{item_id}/edit")
async def edit_monitor(request: Request, item_id: str) -> Response:
    me, _ = await guard(request, Permission.ADMINISTER)
    found = await monitors.get_monitor(ops_of(request), item_id)
    return await _page(
        request, me, f"/monitors/{item_id}/edit", found.model_dump(), declared=found.declared
    )


@router.post("/monitors/{item_id}/edit")
async def save_monitor(request: Request, item_id: str) -> Response:
    return await _submit(request, item_id)


@router.post("/monitors/{item_id}/delete")
async def delete_monitor(request: Request, item_id: str) -> Response:
    _, actor, _ = await form_guard(request, Permission.ADMINISTER)
    await monitors.delete_monitor(ops_of(request), actor, item_id)
    return redirect("/")


@router.post("/monitors/check")
async def check_now(request: Request) -> Response:
    """Run the check once with the form's values; the form comes back as it was, with the
    verdict and phases under it (nothing is saved)."""
    me, _, form = await form_guard(request, Permission.ADMINISTER)
    data, problems = await _read(request, form)
    action, declared = await _where_from(request, str(form.get("action", "")))
    wait = _budget(request).wait(me.user_id, ops_of(request).clock.now())
    if wait is not None:
        seconds = max(1, int(wait.total_seconds()) + 1)
        message = f"too many checks in a minute; try again in {seconds} s"
        page = await _page(request, me, action, data, form=form, problems={"": message}, status=429)
        page.headers["retry-after"] = str(seconds)
        return page
    try:
        if problems:
            raise Invalid(problems)
        result = await check_once(parse(MonitorIn, data))
    except ManageError as error:
        found = error.fields or {"": error.message}
        return await _page(
            request,
            me,
            action,
            data,
            form=form,
            problems=found,
            status=error.status,
            declared=declared,
        )
    return await _page(request, me, action, data, form=form, result=result, declared=declared)


async def _where_from(request: Request, action: str) -> tuple[str, bool]:
    """The form Check now came from (new, or a monitor's edit) and whether that monitor is
    declared in the config file (its form stays read-only)."""
    found = re.fullmatch(r"/monitors/([A-Za-z0-9]{1,12})/edit", action)
    if found is None:
        return "/monitors/new", False
    try:
        monitor = await monitors.get_monitor(ops_of(request), found.group(1))
    except NotFound:
        return "/monitors/new", False
    return action, monitor.declared
