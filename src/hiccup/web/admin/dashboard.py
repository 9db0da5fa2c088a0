"""The dashboard: every monitor, paginated, searchable, filterable by status, tag, component.

Filtering re-renders only the table (htmx swaps `#monitors`); the same URL without htmx
renders the whole page, so links and the back button keep working.
"""

from __future__ import annotations

from math import ceil
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from hiccup.auth.roles import Permission
from hiccup.manage import monitors
from hiccup.manage.components import list_components
from hiccup.manage.models import FalseIn
from hiccup.manage.validation import parse
from hiccup.store.dashboard import MonitorQuery
from hiccup.store.monitor_figures import row_figures
from hiccup.store.tags import all_tags
from hiccup.web.admin.base import form_guard, guard, ops_of, redirect, render
from hiccup.web.admin.dashboard_rows import dash_rows
from hiccup.web.query import page_number

router = APIRouter()
STATUSES = ("up", "degraded", "down", "unknown", "paused")
PER_PAGE = 50
RESULTS_SHOWN = 100


def _query(request: Request) -> MonitorQuery:
    params = request.query_params
    status = params.get("status") or None
    return MonitorQuery(
        search=params.get("q", "")[:200],
        status=status if status in STATUSES else None,
        tag=(params.get("tag") or None),
        component_id=(params.get("component") or None),
        page=page_number(params.get("page")),
        per_page=PER_PAGE,
    )


def _link(spec: MonitorQuery, page: int) -> str:
    params = {
        "q": spec.search,
        "status": spec.status or "",
        "tag": spec.tag or "",
        "component": spec.component_id or "",
        "page": str(page),
    }
    return "?" + urlencode({k: v for k, v in params.items() if v})


async def _table(request: Request, full: bool) -> Response:
    me, _ = await guard(request, Permission.READ)
    ops = ops_of(request)
    spec = _query(request)
    found = await monitors.list_monitors(ops, spec)
    now = ops.clock.now()
    async with ops.engine.connect() as conn:
        figures = await row_figures(conn, [m.id for m in found.items], now)
    pages = max(1, ceil(found.total / spec.per_page))
    context: dict[str, Any] = {
        "found": found,
        "rows": dash_rows(found.items, figures, now),
        "here": _link(spec, spec.page),
        "spec": spec,
        "pages": pages,
        "prev": _link(spec, spec.page - 1) if spec.page > 1 else None,
        "next": _link(spec, spec.page + 1) if spec.page < pages else None,
    }
    if not full:
        return render(request, "monitors_table.html", me, **context)
    async with ops.engine.connect() as conn:
        tags = await all_tags(conn)
    comps = [c for c in await list_components(ops) if not c.is_group]
    return render(
        request,
        "dashboard.html",
        me,
        title="Monitors",
        statuses=STATUSES,
        tags=tags,
        components=comps,
        health=ops.engine_health(),
        **context,
    )


@router.get("/")
async def dashboard(request: Request) -> Response:
    return await _table(request, full=request.headers.get("hx-request") != "true")


@router.get("/monitors/{monitor_id}/results")
async def monitor_results(request: Request, monitor_id: str) -> Response:
    me, _ = await guard(request, Permission.READ)
    ops = ops_of(request)
    monitor = await monitors.get_monitor(ops, monitor_id)
    found = await monitors.recent_results(ops, monitor_id, RESULTS_SHOWN)
    spans = await monitors.outages_of(ops, monitor_id, RESULTS_SHOWN)
    return render(
        request,
        "monitor_results.html",
        me,
        title=monitor.name,
        monitor=monitor,
        results=found,
        outages=spans,
    )


@router.post("/outages/{outage_id}/false")
async def mark_outage_false(request: Request, outage_id: str) -> Response:
    _, actor, form = await form_guard(request, Permission.OPERATE)
    data = parse(FalseIn, {"reason": form.get("reason", "")})
    await monitors.mark_outage_false(ops_of(request), actor, outage_id, data)
    back = str(form.get("monitor_id", ""))
    return redirect(f"/monitors/{back}" if back.isalnum() else "/")


@router.get("/monitors/table")
async def monitor_table(request: Request) -> Response:
    return await _table(request, full=False)


@router.post("/monitors/{monitor_id}/pause")
async def pause(request: Request, monitor_id: str) -> Response:
    _, actor, _ = await form_guard(request, Permission.ADMINISTER)
    await monitors.set_enabled(ops_of(request), actor, monitor_id, False)
    return redirect("/")


@router.post("/monitors/{monitor_id}/resume")
async def resume(request: Request, monitor_id: str) -> Response:
    _, actor, _ = await form_guard(request, Permission.ADMINISTER)
    await monitors.set_enabled(ops_of(request), actor, monitor_id, True)
    return redirect("/")
