"""How the answering server keeps up with its checks (each server runs its own share)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from hiccup.manage.context import Actor
from hiccup.web.api.deps import ERRORS, Reader, ops_of

router = APIRouter(responses=ERRORS)


class EngineOut(BaseModel):
    running: bool
    keeping_up: bool
    monitors: int = 0
    due_per_second: float = 0.0
    behind_slots_10m: int = 0
    unreliable_runs_10m: int = 0
    worst_stall_ms: float = 0.0
    clock_skew_s: float | None = None  # several servers: this server's clock minus the database's


@router.get("/engine", tags=["engine"])
async def engine(request: Request, _actor: Actor = Reader) -> EngineOut:
    health = ops_of(request).engine_health()
    if health is None:
        return EngineOut(running=False, keeping_up=True)
    return EngineOut(
        running=True,
        keeping_up=health.keeping_up,
        monitors=health.monitors,
        due_per_second=round(health.due_per_second, 3),
        behind_slots_10m=health.behind_slots,
        unreliable_runs_10m=health.unreliable_runs,
        worst_stall_ms=round(health.worst_stall_ms, 1),
        clock_skew_s=None if health.clock_skew_s is None else round(health.clock_skew_s, 3),
    )
