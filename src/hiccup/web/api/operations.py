"""Incidents, their updates and postmortems, incident templates and maintenance."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response

from hiccup.core.text import render_markdown
from hiccup.manage import incidents, maintenance, monitors, templates
from hiccup.manage.context import Actor
from hiccup.manage.models import (
    FalseIn,
    IncidentIn,
    IncidentOut,
    IncidentUpdateIn,
    MaintenanceIn,
    MaintenanceOut,
    Paged,
    PostmortemIn,
    PreviewIn,
    PreviewOut,
    TemplateIn,
    TemplateOut,
)
from hiccup.web.api.deps import ERRORS, Operator, Reader, ops_of
from hiccup.web.query import Page, PerPage

router = APIRouter(responses=ERRORS)


@router.get("/incidents", tags=["incidents"])
async def list_incidents(
    request: Request,
    state: Literal["open", "resolved", "all"] = "all",
    page: Page = 1,
    per_page: PerPage = 50,
    _actor: Actor = Reader,
) -> Paged[IncidentOut]:
    return await incidents.list_incidents(ops_of(request), state, page, per_page)


@router.post("/incidents", status_code=201, tags=["incidents"])
async def open_incident(request: Request, body: IncidentIn, actor: Actor = Operator) -> IncidentOut:
    return await incidents.open_manual(ops_of(request), actor, body)


@router.get("/incidents/{incident_id}", tags=["incidents"])
async def get_incident(request: Request, incident_id: str, _actor: Actor = Reader) -> IncidentOut:
    return await incidents.get_incident(ops_of(request), incident_id)


@router.post("/incidents/{incident_id}/updates", status_code=201, tags=["incidents"])
async def post_update(
    request: Request, incident_id: str, body: IncidentUpdateIn, actor: Actor = Operator
) -> IncidentOut:
    return await incidents.post(ops_of(request), actor, incident_id, body)


@router.put("/incidents/{incident_id}/postmortem", tags=["incidents"])
async def write_postmortem(
    request: Request, incident_id: str, body: PostmortemIn, actor: Actor = Operator
) -> IncidentOut:
    return await incidents.write_postmortem(ops_of(request), actor, incident_id, body)


@router.post("/incidents/{incident_id}/false", tags=["incidents"])
async def mark_false(
    request: Request, incident_id: str, body: FalseIn, actor: Actor = Operator
) -> IncidentOut:
    """Mark an automatic incident false (a misconfigured monitor, a probe fault): it and the
    outages behind it leave the public page, history and uptime; the audit log keeps it."""
    return await incidents.mark_false(ops_of(request), actor, incident_id, body)


@router.post("/outages/{outage_id}/false", status_code=204, tags=["incidents"])
async def mark_outage_false(
    request: Request, outage_id: str, body: FalseIn, actor: Actor = Operator
) -> Response:
    """Mark one confirmed outage false (see GET /monitors/{id}/outages): it leaves the public
    uptime bars and SLA reports; the audit log keeps it."""
    await monitors.mark_outage_false(ops_of(request), actor, outage_id, body)
    return Response(status_code=204)


@router.post("/markdown/preview", tags=["incidents"])
async def preview(body: PreviewIn, _actor: Actor = Operator) -> PreviewOut:
    """The HTML the public page will show for this Markdown (sanitized)."""
    return PreviewOut(html=str(render_markdown(body.body)))


@router.get("/templates", tags=["templates"])
async def list_templates(request: Request, _actor: Actor = Reader) -> list[TemplateOut]:
    return await templates.list_templates(ops_of(request))


@router.post("/templates", status_code=201, tags=["templates"])
async def create_template(
    request: Request, body: TemplateIn, actor: Actor = Operator
) -> TemplateOut:
    return await templates.save_template(ops_of(request), actor, body)


@router.get("/templates/{template_id}", tags=["templates"])
async def get_template(request: Request, template_id: str, _actor: Actor = Reader) -> TemplateOut:
    return await templates.get_template(ops_of(request), template_id)


@router.put("/templates/{template_id}", tags=["templates"])
async def update_template(
    request: Request, template_id: str, body: TemplateIn, actor: Actor = Operator
) -> TemplateOut:
    return await templates.save_template(ops_of(request), actor, body, template_id)


@router.delete("/templates/{template_id}", status_code=204, tags=["templates"])
async def delete_template(request: Request, template_id: str, actor: Actor = Operator) -> Response:
    await templates.delete_template(ops_of(request), actor, template_id)
    return Response(status_code=204)


@router.get("/maintenance", tags=["maintenance"])
async def list_maintenance(request: Request, _actor: Actor = Reader) -> list[MaintenanceOut]:
    return await maintenance.list_maintenance(ops_of(request))


@router.post("/maintenance", status_code=201, tags=["maintenance"])
async def schedule_maintenance(
    request: Request, body: MaintenanceIn, actor: Actor = Operator
) -> MaintenanceOut:
    return await maintenance.schedule(ops_of(request), actor, body)


@router.get("/maintenance/{maintenance_id}", tags=["maintenance"])
async def get_maintenance(
    request: Request, maintenance_id: str, _actor: Actor = Reader
) -> MaintenanceOut:
    return await maintenance.get_maintenance(ops_of(request), maintenance_id)


@router.put("/maintenance/{maintenance_id}", tags=["maintenance"])
async def reschedule_maintenance(
    request: Request, maintenance_id: str, body: MaintenanceIn, actor: Actor = Operator
) -> MaintenanceOut:
    return await maintenance.reschedule(ops_of(request), actor, maintenance_id, body)


@router.delete("/maintenance/{maintenance_id}", status_code=204, tags=["maintenance"])
async def cancel_maintenance(
    request: Request, maintenance_id: str, actor: Actor = Operator
) -> Response:
    await maintenance.cancel(ops_of(request), actor, maintenance_id)
    return Response(status_code=204)
