"""Monitors, components (and groups) and pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from hiccup.manage import components as comps
from hiccup.manage import monitors as mons
from hiccup.manage.context import Actor
from hiccup.manage.models import (
    ComponentIn,
    ComponentOut,
    MonitorFilter,
    MonitorIn,
    MonitorOut,
    OutageOut,
    Paged,
    PageIn,
    PageOut,
    ResultOut,
)
from hiccup.store.dashboard import MonitorQuery
from hiccup.web.api.deps import ERRORS, Administrator, Reader, ops_of
from hiccup.web.query import Page, PerPage

router = APIRouter(responses=ERRORS)


@router.get("/monitors", tags=["monitors"])
async def list_monitors(
    request: Request,
    q: Annotated[str, Query(max_length=200, description="search name, key, target")] = "",
    status: MonitorFilter | None = None,
    tag: Annotated[str | None, Query(max_length=50)] = None,
    component_id: Annotated[str | None, Query(max_length=12)] = None,
    page: Page = 1,
    per_page: PerPage = 50,
    _actor: Actor = Reader,
) -> Paged[MonitorOut]:
    spec = MonitorQuery(q, status, tag, component_id, page, per_page)
    return await mons.list_monitors(ops_of(request), spec)


@router.post("/monitors", status_code=201, tags=["monitors"])
async def create_monitor(
    request: Request, body: MonitorIn, actor: Actor = Administrator
) -> MonitorOut:
    return await mons.create_monitor(ops_of(request), actor, body)


@router.get("/monitors/{monitor_id}", tags=["monitors"])
async def get_monitor(request: Request, monitor_id: str, _actor: Actor = Reader) -> MonitorOut:
    return await mons.get_monitor(ops_of(request), monitor_id)


@router.get("/monitors/{monitor_id}/results", tags=["monitors"])
async def monitor_results(
    request: Request,
    monitor_id: str,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    _actor: Actor = Reader,
) -> list[ResultOut]:
    return await mons.recent_results(ops_of(request), monitor_id, limit)


@router.get("/monitors/{monitor_id}/outages", tags=["monitors"])
async def monitor_outages(
    request: Request,
    monitor_id: str,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    _actor: Actor = Reader,
) -> list[OutageOut]:
    return await mons.outages_of(ops_of(request), monitor_id, limit)


@router.put("/monitors/{monitor_id}", tags=["monitors"])
async def update_monitor(
    request: Request, monitor_id: str, body: MonitorIn, actor: Actor = Administrator
) -> MonitorOut:
    return await mons.update_monitor(ops_of(request), actor, monitor_id, body)


@router.post("/monitors/{monitor_id}/pause", tags=["monitors"])
async def pause_monitor(
    request: Request, monitor_id: str, actor: Actor = Administrator
) -> MonitorOut:
    return await mons.set_enabled(ops_of(request), actor, monitor_id, False)


@router.post("/monitors/{monitor_id}/resume", tags=["monitors"])
async def resume_monitor(
    request: Request, monitor_id: str, actor: Actor = Administrator
) -> MonitorOut:
    return await mons.set_enabled(ops_of(request), actor, monitor_id, True)


@router.delete("/monitors/{monitor_id}", status_code=204, tags=["monitors"])
async def delete_monitor(
    request: Request, monitor_id: str, actor: Actor = Administrator
) -> Response:
    await mons.delete_monitor(ops_of(request), actor, monitor_id)
    return Response(status_code=204)


@router.get("/components", tags=["components"])
async def list_components(request: Request, _actor: Actor = Reader) -> list[ComponentOut]:
    return await comps.list_components(ops_of(request))


@router.post("/components", status_code=201, tags=["components"])
async def create_component(
    request: Request, body: ComponentIn, actor: Actor = Administrator
) -> ComponentOut:
    return await comps.save_component(ops_of(request), actor, body)


@router.get("/components/{component_id}", tags=["components"])
async def get_component(
    request: Request, component_id: str, _actor: Actor = Reader
) -> ComponentOut:
    return await comps.get_component(ops_of(request), component_id)


@router.put("/components/{component_id}", tags=["components"])
async def update_component(
    request: Request, component_id: str, body: ComponentIn, actor: Actor = Administrator
) -> ComponentOut:
    return await comps.save_component(ops_of(request), actor, body, component_id)


@router.delete("/components/{component_id}", status_code=204, tags=["components"])
async def delete_component(
    request: Request, component_id: str, actor: Actor = Administrator
) -> Response:
    await comps.delete_component(ops_of(request), actor, component_id)
    return Response(status_code=204)


@router.get("/pages", tags=["pages"])
async def list_pages(request: Request, _actor: Actor = Reader) -> list[PageOut]:
    return await comps.list_pages(ops_of(request))


@router.post("/pages", status_code=201, tags=["pages"])
async def create_page(request: Request, body: PageIn, actor: Actor = Administrator) -> PageOut:
    return await comps.save_page(ops_of(request), actor, body)


@router.get("/pages/{page_id}", tags=["pages"])
async def get_page(request: Request, page_id: str, _actor: Actor = Reader) -> PageOut:
    return await comps.get_page(ops_of(request), page_id)


@router.put("/pages/{page_id}", tags=["pages"])
async def update_page(
    request: Request, page_id: str, body: PageIn, actor: Actor = Administrator
) -> PageOut:
    return await comps.save_page(ops_of(request), actor, body, page_id)


@router.delete("/pages/{page_id}", status_code=204, tags=["pages"])
async def delete_page(request: Request, page_id: str, actor: Actor = Administrator) -> Response:
    await comps.delete_page(ops_of(request), actor, page_id)
    return Response(status_code=204)
