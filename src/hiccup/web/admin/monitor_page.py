"""A page per monitor (`/admin/monitors/<id>`): response time over a chosen range, uptime over
five spans, outages with their measured windows, the latest results with their phases (a
heartbeat's: its ping log), latency per probe and the certificate the newest check read.

Registered after the CRUD routes, so `/monitors/new` stays the form.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import APIRouter
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from hiccup.auth.roles import Permission
from hiccup.manage import monitors
from hiccup.manage.models import OutageOut, ResultOut
from hiccup.snapshot.charts import latency_chart, ms_text, phase_bar
from hiccup.store.monitor_figures import (
    last_certificate,
    latency_by_region,
    latency_series,
    uptimes,
)
from hiccup.web.admin.base import guard, ops_of, render
from hiccup.web.admin.dashboard_rows import span_words, uptime_text

router = APIRouter()
RANGES: dict[str, timedelta] = {
    "1h": timedelta(hours=1),
    "24h": timedelta(hours=24),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "90d": timedelta(days=90),
}
DEFAULT_RANGE = "24h"
UPTIME_SPANS: dict[str, timedelta] = {
    "24 h": timedelta(hours=24),
    "7 d": timedelta(days=7),
    "30 d": timedelta(days=30),
    "90 d": timedelta(days=90),
    "1 y": timedelta(days=365),
}
DAY = timedelta(days=1)
RESULTS_SHOWN = 30
OUTAGES_SHOWN = 50


@dataclass(frozen=True, slots=True)
class ResultRow:
    result: ResultOut
    bar: Markup


@dataclass(frozen=True, slots=True)
class OutageRow:
    outage: OutageOut
    lasted: str  # the measured window, in words; "ongoing" adds how long so far


def spaced_hex(value: str | None) -> str | None:
    """A fingerprint as browsers show it: pairs of hex digits joined by colons."""
    if value is None:
        return None
    return ":".join(value[i : i + 2] for i in range(0, len(value), 2))


def _range(request: Request) -> str:
    chosen = request.query_params.get("range", DEFAULT_RANGE)
    return chosen if chosen in RANGES else DEFAULT_RANGE


async def chart_for(
    request: Request, monitor_id: str, name: str, key: str, now: datetime
) -> Markup:
    """The response-time chart of one monitor over the named range, ending at `now`."""
    lo = now - RANGES[key]
    async with ops_of(request).engine.connect() as conn:
        grain, points = await latency_series(conn, monitor_id, lo, now)
    bucket = {
        "raw": "each result",
        "hourly": "p50, p95, p99 per hour",
        "daily": "p50, p95, p99 per day",
    }
    label = f"{name}: response time over the last {key} ({bucket[grain]})"
    return latency_chart(points, lo, now, label, raw=grain == "raw")


def _result_rows(found: list[ResultOut]) -> list[ResultRow]:
    widest = max((r.phases.get("total") or r.latency_ms or 0.0 for r in found), default=0.0)
    return [ResultRow(r, phase_bar(r.phases, widest)) for r in found]


def _outage_rows(found: list[OutageOut], now: datetime) -> list[OutageRow]:
    rows = []
    for outage in found:
        end = outage.ended_at or now
        words = span_words((end - outage.started_at).total_seconds())
        rows.append(OutageRow(outage, words if outage.ended_at else f"ongoing, {words} so far"))
    return rows


@router.get("/monitors/{monitor_id}")
async def monitor_page(request: Request, monitor_id: str) -> Response:
    me, _ = await guard(request, Permission.READ)
    ops = ops_of(request)
    monitor = await monitors.get_monitor(ops, monitor_id)  # NotFound for an unknown id
    now, key = ops.clock.now(), _range(request)
    chart = await chart_for(request, monitor_id, monitor.name, key, now)
    found = await monitors.recent_results(ops, monitor_id, RESULTS_SHOWN)
    spans = await monitors.outages_of(ops, monitor_id, OUTAGES_SHOWN)
    async with ops.engine.connect() as conn:
        ratios = await uptimes(conn, monitor_id, list(UPTIME_SPANS.values()), now)
        regions = await latency_by_region(conn, monitor_id, now - timedelta(hours=24))
        certificate = await last_certificate(conn, monitor_id)
    return render(
        request,
        "monitor_page.html",
        me,
        title=monitor.name,
        monitor=monitor,
        ranges=list(RANGES),
        range_key=key,
        chart=chart,
        uptimes=[(name, uptime_text(ratios[span])) for name, span in UPTIME_SPANS.items()],
        results=_result_rows(found),
        outages=_outage_rows(spans, now),
        regions=regions,
        cert=certificate,
        cert_days=None if certificate is None else (certificate.not_after - now) / DAY,
        fingerprint=None if certificate is None else spaced_hex(certificate.fingerprint),
        ms_text=ms_text,
    )
