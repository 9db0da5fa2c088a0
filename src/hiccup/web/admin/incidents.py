"""Running an incident: open it in a few keystrokes, post updates, resolve, postmortem."""

from __future__ import annotations

import contextlib
from typing import Any

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from hiccup.auth.principal import Principal
from hiccup.auth.roles import Permission
from hiccup.core.incidents import next_status
from hiccup.core.status import ComponentStatus, IncidentImpact
from hiccup.core.text import render_markdown
from hiccup.manage import incidents, templates
from hiccup.manage.components import get_page, list_components
from hiccup.manage.errors import Conflict, Invalid, NotFound
from hiccup.manage.models import FalseIn, IncidentIn, IncidentUpdateIn, PostmortemIn
from hiccup.manage.validation import parse
from hiccup.web.admin.base import HEADERS, form_guard, guard, ops_of, redirect, render
from hiccup.web.admin.incident_choices import grouped, public_address, template_values

router = APIRouter()
OPEN_STATUSES = ("investigating", "identified", "monitoring")
UPDATE_STATUSES = (*OPEN_STATUSES, "resolved")


def _component_statuses(form: FormData, component_ids: list[str]) -> list[dict[str, str]]:
    chosen = []
    for component_id in component_ids:
        status = str(form.get(f"component_{component_id}", ""))
        if status:
            chosen.append({"component_id": component_id, "status": status})
    return chosen


def _utc(value: Any) -> str | None:
    """datetime-local inputs carry no zone: the admin asks for UTC."""
    text = str(value or "").strip()
    return f"{text}:00+00:00" if len(text) == 16 else (text or None)


async def _choices(request: Request) -> dict[str, Any]:
    ops = ops_of(request)
    found = await list_components(ops)
    return {
        "components": [c for c in found if not c.is_group],
        "groups": grouped(found),
        "component_statuses": [s.value for s in ComponentStatus],
        "impacts": [i.value for i in IncidentImpact],
        "templates": await templates.list_templates(ops),
    }


async def _new_form(
    request: Request, me: Principal, values: dict[str, Any], errors: dict[str, str], status: int
) -> Response:
    return render(
        request,
        "incident_new.html",
        me,
        status,
        title="Open an incident",
        values=values,
        errors=errors,
        statuses=OPEN_STATUSES,
        **await _choices(request),
    )


@router.get("/incidents")
async def incident_list(request: Request) -> Response:
    me, _ = await guard(request, Permission.READ)
    ops = ops_of(request)
    open_ = await incidents.list_incidents(ops, "open", 1, 200)
    recent = await incidents.list_incidents(ops, "resolved", 1, 50)
    return render(
        request, "incidents.html", me, title="Incidents", open=open_.items, recent=recent.items
    )


@router.get("/incidents/new")
async def new_incident(request: Request) -> Response:
    me, _ = await guard(request, Permission.OPERATE)
    values: dict[str, Any] = {"impact": "minor", "status": "investigating", "notify": True}
    template_id = request.query_params.get("template")
    if template_id:
        with contextlib.suppress(NotFound):
            values |= template_values(await templates.get_template(ops_of(request), template_id))
    return await _new_form(request, me, values, {}, 200)


@router.post("/incidents/new")
async def open_incident(request: Request) -> Response:
    me, actor, form = await form_guard(request, Permission.OPERATE)
    comps = [c.id for c in await list_components(ops_of(request))]
    chosen = _component_statuses(form, comps)
    data: dict[str, Any] = {
        "name": form.get("name", ""),
        "impact": form.get("impact", "minor"),
        "status": form.get("status", "investigating"),
        "message": form.get("message", ""),
        "notify": form.get("notify") == "on",
        "components": chosen,
        "started_at": _utc(form.get("started_at")),
        "resolved_at": _utc(form.get("resolved_at")),
    }
    try:
        opened = await incidents.open_manual(ops_of(request), actor, parse(IncidentIn, data))
    except Invalid as error:
        values = {
            **data,
            **{f"component_{c['component_id']}": c["status"] for c in chosen},
        }
        return await _new_form(request, me, values, error.fields, 422)
    return redirect(f"/incidents/{opened.id}")


async def _detail(
    request: Request,
    me: Principal,
    incident_id: str,
    errors: dict[str, str],
    status: int = 200,
    values: dict[str, Any] | None = None,
) -> Response:
    ops = ops_of(request)
    incident = await incidents.get_incident(ops, incident_id)
    public = public_address(incident, await get_page(ops, incident.page_id), ops.default_page_slug)
    # The update form proposes the next step (investigating -> identified -> ...).
    step = next_status(incident.status).value
    return render(
        request,
        "incident.html",
        me,
        status,
        title=incident.name,
        incident=incident,
        public=public,
        errors=errors,
        values=values or {"notify": True, "status": step},
        statuses=UPDATE_STATUSES,
        **await _choices(request),
    )


@router.get("/incidents/{incident_id}")
async def incident_detail(request: Request, incident_id: str) -> Response:
    me, _ = await guard(request, Permission.READ)
    return await _detail(request, me, incident_id, {})


@router.post("/incidents/{incident_id}/updates")
async def post_update(request: Request, incident_id: str) -> Response:
    me, actor, form = await form_guard(request, Permission.OPERATE)
    comps = [c.id for c in await list_components(ops_of(request))]
    data: dict[str, Any] = {
        "status": form.get("status", ""),
        "message": form.get("message", ""),
        "notify": form.get("notify") == "on",
        "components": _component_statuses(form, comps),
    }
    if form.get("impact"):
        data["impact"] = form.get("impact")
    try:
        await incidents.post(ops_of(request), actor, incident_id, parse(IncidentUpdateIn, data))
    except (Invalid, Conflict) as error:
        problems = error.fields or {"status": error.message}
        return await _detail(request, me, incident_id, problems, 422, data)
    return redirect(f"/incidents/{incident_id}")


@router.post("/incidents/{incident_id}/postmortem")
async def postmortem(request: Request, incident_id: str) -> Response:
    me, actor, form = await form_guard(request, Permission.OPERATE)
    data = {"body": form.get("body", "")}
    try:
        await incidents.write_postmortem(
            ops_of(request), actor, incident_id, parse(PostmortemIn, data)
        )
    except (Invalid, Conflict) as error:
        problems = {"body": next(iter(error.fields.values()), error.message)}
        return await _detail(request, me, incident_id, problems, 422, {"postmortem": data["body"]})
    return redirect(f"/incidents/{incident_id}")


@router.post("/incidents/{incident_id}/false")
async def mark_false(request: Request, incident_id: str) -> Response:
    me, actor, form = await form_guard(request, Permission.OPERATE)
    data = {"reason": form.get("reason", "")}
    try:
        await incidents.mark_false(ops_of(request), actor, incident_id, parse(FalseIn, data))
    except (Invalid, Conflict) as error:
        problems = {"reason": next(iter(error.fields.values()), error.message)}
        return await _detail(request, me, incident_id, problems, 422)
    return redirect(f"/incidents/{incident_id}")


@router.post("/markdown/preview")
async def preview(request: Request) -> Response:
    _, _, form = await form_guard(request, Permission.OPERATE)
    body = str(form.get("body", ""))[:100000]
    return HTMLResponse(str(render_markdown(body)), 200, HEADERS)
