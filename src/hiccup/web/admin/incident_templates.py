"""Incident templates in the admin: title, first message, impact, first status and the
affected components with their statuses, edited with the same controls as an incident."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from hiccup.auth.principal import Principal
from hiccup.auth.roles import Permission
from hiccup.core.status import ComponentStatus, IncidentImpact
from hiccup.manage import templates
from hiccup.manage.components import list_components
from hiccup.manage.errors import Conflict, Invalid
from hiccup.manage.models import TemplateIn
from hiccup.manage.validation import parse
from hiccup.web.admin.base import form_guard, guard, ops_of, redirect, render
from hiccup.web.admin.incident_choices import grouped, template_values

router = APIRouter()
OPEN_STATUSES = ("investigating", "identified", "monitoring")


async def _form(
    request: Request,
    me: Principal,
    action: str,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    found = await list_components(ops_of(request))
    return render(
        request,
        "template_form.html",
        me,
        status,
        title="Edit incident template" if action.endswith("/edit") else "New incident template",
        action=action,
        values=values,
        errors=errors,
        groups=grouped(found),
        component_statuses=[s.value for s in ComponentStatus],
        impacts=[i.value for i in IncidentImpact],
        statuses=OPEN_STATUSES,
    )


async def _read(request: Request, form: FormData) -> dict[str, Any]:
    found = await list_components(ops_of(request))
    chosen = []
    for component in found:
        status = str(form.get(f"component_{component.id}", ""))
        if status and not component.is_group:
            chosen.append({"component_id": component.id, "status": status})
    return {
        "name": str(form.get("name", "")),
        "title": str(form.get("title", "")),
        "body": str(form.get("body", "")),
        "impact": str(form.get("impact", "minor")),
        "status": str(form.get("status", "investigating")),
        "components": chosen,
    }


def _shown(data: dict[str, Any]) -> dict[str, Any]:
    """Posted data as the form shows it back (component statuses under their field names)."""
    values = {k: v for k, v in data.items() if k != "components"}
    for chosen in data["components"]:
        values[f"component_{chosen['component_id']}"] = chosen["status"]
    return values


async def _save(request: Request, item_id: str | None) -> Response:
    me, actor, form = await form_guard(request, Permission.OPERATE)
    data = await _read(request, form)
    action = "/templates/new" if item_id is None else f"/templates/{item_id}/edit"
    try:
        await templates.save_template(ops_of(request), actor, parse(TemplateIn, data), item_id)
    except Invalid as error:
        return await _form(request, me, action, _shown(data), error.fields, 422)
    return redirect("/templates")


@router.get("/templates/new")
async def new_template(request: Request) -> Response:
    me, _ = await guard(request, Permission.OPERATE)
    values = {"impact": "minor", "status": "investigating"}
    return await _form(request, me, "/templates/new", values, {})


@router.post("/templates/new")
async def create_template(request: Request) -> Response:
    return await _save(request, None)


@router.get("/templates/{item_id}/edit")
async def edit_template(request: Request, item_id: str) -> Response:
    me, _ = await guard(request, Permission.OPERATE)
    found = await templates.get_template(ops_of(request), item_id)
    if found.declared:
        raise Conflict(
            "declared_in_config", f"template {found.name!r} is declared in the config file"
        )
    values = template_values(found) | {"name": found.name, "title": found.title}
    values["body"] = found.body
    return await _form(request, me, f"/templates/{item_id}/edit", values, {})


@router.post("/templates/{item_id}/edit")
async def update_template(request: Request, item_id: str) -> Response:
    return await _save(request, item_id)


@router.post("/templates/{item_id}/delete")
async def delete_template(request: Request, item_id: str) -> Response:
    _, actor, _ = await form_guard(request, Permission.OPERATE)
    await templates.delete_template(ops_of(request), actor, item_id)
    return redirect("/templates")
