"""The dashboard's rows: a monitor from the list joined with its figures, in words and with
each cell's figure in `data-sort` (what its column is sorted by: the database sorts the same
figures, hiccup.store.dashboard_sort, so paging follows the order)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from markupsafe import Markup

from hiccup.manage.models import MonitorOut
from hiccup.snapshot.charts import ms_text, sparkline
from hiccup.store.codec import utc
from hiccup.store.monitor_figures import RowFigures

_NO_FIGURES = RowFigures(None, None, None, (), None)


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    key: str  # what the column sorts by: a number, or text


@dataclass(frozen=True, slots=True)
class DashRow:
    monitor: MonitorOut
    since: Cell
    latency: Cell
    uptime: Cell
    spark: Markup
    cert: Cell
    last_check: Cell
    next_check: Cell


def span_words(seconds: float) -> str:
    """A span in one short unit: 40 s, 12 min, 5 h, 3 d."""
    seconds = abs(seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} d"


def _ago(moment: datetime | None, now: datetime) -> Cell:
    if moment is None:
        return Cell("—", "")
    return Cell(f"{span_words((now - moment).total_seconds())} ago", f"{moment.timestamp():.0f}")


def uptime_text(ratio: float | None) -> str:
    if ratio is None:
        return "—"
    # Floor, not round: 99.996 % must not read as 100 % while there was downtime.
    return "100 %" if ratio >= 1 else f"{int(ratio * 10000) / 100:.2f} %"


def _cert(monitor: MonitorOut, figures: RowFigures, now: datetime) -> Cell:
    is_https = monitor.kind == "http" and monitor.target.lower().startswith("https:")
    if not (monitor.kind == "tls" or is_https) or figures.cert_not_after is None:
        return Cell("—", "")
    days = (figures.cert_not_after - now) / timedelta(days=1)
    text = f"{days:.0f} d" if days >= 0 else "expired"
    return Cell(text, f"{days:.2f}")


def _next(monitor: MonitorOut, now: datetime) -> Cell:
    if not monitor.enabled or monitor.kind == "heartbeat" or monitor.last_result_at is None:
        return Cell("—", "")
    due = utc(monitor.last_result_at) + timedelta(seconds=monitor.interval_s)
    left = (due - now).total_seconds()
    return Cell("due" if left <= 0 else f"in {span_words(left)}", f"{due.timestamp():.0f}")


def dash_row(monitor: MonitorOut, figures: RowFigures, now: datetime) -> DashRow:
    latency = figures.last_latency_ms
    label = f"{monitor.name}: mean latency per hour, last 24 hours"
    return DashRow(
        monitor=monitor,
        since=_ago(figures.since, now) if monitor.enabled else Cell("—", ""),
        latency=Cell(ms_text(latency), f"{latency:.3f}") if latency is not None else Cell("—", ""),
        uptime=Cell(
            uptime_text(figures.uptime_24h),
            "" if figures.uptime_24h is None else f"{figures.uptime_24h:.6f}",
        ),
        spark=sparkline(figures.spark, label),
        cert=_cert(monitor, figures, now),
        last_check=_ago(utc(monitor.last_result_at) if monitor.last_result_at else None, now),
        next_check=_next(monitor, now),
    )


def dash_rows(
    items: Sequence[MonitorOut], figures: dict[str, RowFigures], now: datetime
) -> list[DashRow]:
    return [dash_row(m, figures.get(m.id, _NO_FIGURES), now) for m in items]
