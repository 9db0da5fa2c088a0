"""Reading monitors for the engine and the detector's persisted tracks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from hiccup.core.detection import DetectionPolicy, Track
from hiccup.core.monitors import MonitorSpec
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.codec import track_from_json
from hiccup.store.tables import monitor_states, monitors


def spec_from_row(row: Any) -> MonitorSpec:
    return MonitorSpec(
        id=row["id"],
        name=row["name"],
        kind=row["kind"],
        target=row["target"],
        interval=timedelta(seconds=row["interval_s"]),
        timeout=timedelta(seconds=row["timeout_s"]),
        options=dict(row["options"] or {}),
        policy=DetectionPolicy(
            failure_threshold=row["failure_threshold"],
            success_threshold=row["success_threshold"],
            degraded_latency_ms=row["degraded_latency_ms"],
        ),
        component_id=row["component_id"],
        enabled=row["enabled"],
        probes=tuple(row["probes"] or ("local",)),
        quorum=row["quorum"] or "majority",
        retry_interval=(
            timedelta(seconds=row["retry_interval_s"]) if row["retry_interval_s"] else None
        ),
    )


async def load_specs(conn: AsyncConnection) -> list[MonitorSpec]:
    rows = (await conn.execute(select(monitors).order_by(monitors.c.key))).mappings()
    return [spec_from_row(row) for row in rows]


async def load_tracks(conn: AsyncConnection) -> dict[str, Track]:
    rows = await conn.execute(select(monitor_states.c.monitor_id, monitor_states.c.track))
    return {monitor_id: track_from_json(track) for monitor_id, track in rows}
