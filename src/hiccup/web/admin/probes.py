"""The admin's probes page: each remote probe's region, last upload and health, the latest
health change beside it, and the recent changes of all of them below."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from hiccup.auth.roles import Permission
from hiccup.manage import probes
from hiccup.web.admin.base import form_guard, guard, ops_of, redirect, render
from hiccup.web.admin.lists import Action, Row, when

router = APIRouter()


def _health(healthy: bool, reason: str | None) -> str:
    return "healthy" if healthy else f"unhealthy: {reason}" if reason else "unhealthy"


@router.get("/probes")
async def probe_list(request: Request) -> Response:
    me, _ = await guard(request, Permission.READ)
    found = await probes.overview(ops_of(request))
    rows = []
    for probe in found.probes:
        latest = found.latest_of(probe.name)
        revoke = Action("Revoke", f"/probes/{probe.name}/delete", f"Revoke {probe.name}?")
        rows.append(
            Row(
                [
                    probe.name,
                    probe.region or "—",
                    when(probe.last_seen_at),
                    _health(probe.healthy, probe.health_reason),
                    when(latest.at) if latest else "—",
                ],
                actions=(revoke,) if me.may(Permission.ADMINISTER) else (),
            )
        )
    changes = [
        [when(e.at), e.probe, _health(e.healthy, e.reason), e.monitor_name or "—"]
        for e in found.events
    ]
    return render(
        request,
        "probes.html",
        me,
        title="Probes",
        columns=["Name", "Region", "Last upload", "Health", "Last change"],
        rows=rows,
        changes=changes,
        new_path=None,
    )


@router.post("/probes/{name}/delete")
async def revoke_probe(request: Request, name: str) -> Response:
    _, actor, _ = await form_guard(request, Permission.ADMINISTER)
    await probes.revoke(ops_of(request), actor, name)
    return redirect("/probes")
