"""Remote probes as operators see them: region, last upload, health and its recent changes.
Tokens are made with `hiccup probes add` (the secret never passes through this API)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from hiccup.config.isotime import UtcOutput
from hiccup.manage import probes as manage_probes
from hiccup.manage.context import Actor
from hiccup.store.probe_health import recent_events
from hiccup.store.probes import list_probes
from hiccup.web.api.deps import ERRORS, Administrator, Reader, ops_of

router = APIRouter(responses=ERRORS)


class ProbeOut(BaseModel):
    name: str
    region: str | None
    last_seen_at: UtcOutput | None
    healthy: bool
    health_reason: str | None


class ProbeEventOut(BaseModel):
    probe: str
    healthy: bool
    reason: str | None
    monitor: str | None
    at: UtcOutput


@router.get("/probes", tags=["probes"])
async def probes(request: Request, _actor: Actor = Reader) -> list[ProbeOut]:
    async with ops_of(request).engine.connect() as conn:
        found = await list_probes(conn)
    return [
        ProbeOut(
            name=p.name,
            region=p.region,
            last_seen_at=p.last_seen_at,
            healthy=p.healthy,
            health_reason=p.health_reason,
        )
        for p in found
    ]


@router.get("/probes/events", tags=["probes"])
async def probe_events(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    _actor: Actor = Reader,
) -> list[ProbeEventOut]:
    async with ops_of(request).engine.connect() as conn:
        found = await recent_events(conn, limit)
    return [
        ProbeEventOut(
            probe=e.probe, healthy=e.healthy, reason=e.reason, monitor=e.monitor_name, at=e.at
        )
        for e in found
    ]


@router.delete("/probes/{name}", status_code=204, tags=["probes"])
async def revoke_probe(request: Request, name: str, actor: Actor = Administrator) -> Response:
    await manage_probes.revoke(ops_of(request), actor, name)
    return Response(status_code=204)
