"""The dashboard: every monitor, paginated, searchable, filterable by status, tag, component.

Filtering re-renders only the table (htmx swaps `#monitors`); the same URL without htmx
renders the whole page, so links and the back button keep working.
"""

from __future__ import annotations

from math import ceil
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from hiccup.auth.roles import Permission
from hiccup.manage import monitors
from hiccup.manage.components import list_components
from hiccup.manage.models import FalseIn
from hiccup.manage.validation import parse
from hiccup.store.monitor_figures import row_figures
from hiccup.store.tags import all_tags
from hiccup.web.admin.base import form_guard, guard, ops_of, redirect, render
from hiccup.web.admin.dashboard_links import STATUSES, headings, link, parse_query
from hiccup.web.admin.dashboard_rows import dash_rows

router = APIRouter()
RESULTS_SHOWN = 100


async def _table(request: Request, full: bool) -> Response:
    me, _ = await guard(request, Permission.READ)
    ops = ops_of(request)
    spec = parse_query(request.query_params)
    now = ops.clock.now()
    found = await monitors.list_monitors(ops, spec, now)
    async with ops.engine.connect() as conn:
        figures = await row_figures(conn, [m.id for m in found.items], now)
    pages = max(1, ceil(found.total / spec.per_page))
    context: dict[str, Any] = {
        "found": found,
        "rows": dash_rows(found.items, figures, now),
        "here": link(spec, spec.page),
        "spec": spec,
        "headings": headings(spec),
        "pages": pages,
        "prev": link(spec, spec.page - 1) if spec.page > 1 else None,
        "next": link(spec, spec.page + 1) if spec.page < pages else None,
    }
    if not full:
        table = render(request, "monitors_table.html", me, **context)
        # The address bar follows the table (filters, sort, page) without a history entry
        # per refresh: a reload or a copied link shows these rows again.
        table.headers["hx-replace-url"] = "/admin/" + context["here"]
        return table
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
