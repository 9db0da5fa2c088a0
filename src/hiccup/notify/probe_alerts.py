"""Alerts about the probes themselves: one when a probe as a whole turns unhealthy (its results
are left out of the vote) and one when it recovers."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from hiccup.core.rounds import HealthChange
from hiccup.notify.alert_store import enqueue_alert
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.probe_health import ProbeFlip


async def alert_probe_flips(
    conn: AsyncConnection, flipped: Sequence[ProbeFlip], now: datetime
) -> None:
    """Queue one operator alert per flip, in the caller's transaction (once: the key names
    the flip)."""
    for flip in flipped:
        change, on = flip.change, flip.monitor_name
        headline, summary = _wording(change.probe, flip.region, change, on)
        content = {
            "event": "probe_healthy" if change.health.healthy else "probe_unhealthy",
            "headline": headline,
            "summary": summary,
            "probe": change.probe,
            "region": flip.region,
            "reason": change.health.reason,
            "since": change.at.isoformat(),
            "page_name": flip.page_name,
            "page_url": flip.page_url,
            "time_zone": "UTC",
        }
        await enqueue_alert(conn, f"probe:{change.probe}:{flip.flips}", content, None, now)


def _wording(probe: str, region: str | None, change: HealthChange, on: str) -> tuple[str, str]:
    where = f"probe {probe}" + (f" ({region})" if region else "")
    if change.health.healthy:
        return f"Probe {probe} healthy again", f"{where} agrees with the others again; it votes."
    return (
        f"Probe {probe} unhealthy",
        f"{where} unhealthy: {change.health.reason} ({on}). Its results are left out of the "
        f"vote until it recovers; {on} is not reported down because of it.",
    )
