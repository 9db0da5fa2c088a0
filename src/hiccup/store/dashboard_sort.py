"""The dashboard's sort orders, computed by the database so paging follows them.

Each column of the dashboard sorts by the figure it shows: the key is an SQL expression over
the monitor's own row (correlated subqueries through the same indexes the row figures use:
(monitor_key, at) for the newest result, (monitor_id, started_at) for outages), so ORDER BY
... LIMIT cuts the page after sorting every monitor the filters keep, not just the 50 shown.
Rows without a figure come last whichever way a column runs; ties fall back to name, then id,
so a page boundary never moves between two reads of the same data.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Float,
    and_,
    case,
    false,
    func,
    literal,
    not_,
    nulls_last,
    or_,
    select,
)
from sqlalchemy.sql.elements import ColumnElement, UnaryExpression

from hiccup.store.history_read import epoch_seconds
from hiccup.store.tables import monitor_states, monitors, outages
from hiccup.store.tables_results import monitor_certs, monitor_keys, results

UPTIME_SPAN = timedelta(hours=24)


class SortKey(StrEnum):
    STATUS = "status"
    NAME = "name"
    SINCE = "since"
    LATENCY = "latency"
    UPTIME = "uptime"
    CERT = "cert"
    LAST_CHECK = "last_check"
    NEXT_CHECK = "next_check"


# Ascending status is worst first: what an operator opening the console looks for.
_SEVERITY = {"down": 0, "degraded": 1, "unknown": 2, "up": 3}
_PAUSED = 4


def _status() -> ColumnElement[Any]:
    state = monitor_states.c.state
    whens = [(state == name, rank) for name, rank in _SEVERITY.items()]
    return case((not_(monitors.c.enabled), _PAUSED), *whens, else_=_SEVERITY["unknown"])


def _since() -> ColumnElement[Any]:
    """When the monitor entered its state: its newest outage's end (or start, while open),
    else its creation; as hiccup.store.monitor_figures._last_outages reads it."""
    o = outages.alias("sort_outage")
    newest = (
        select(case((o.c.ended_at.is_(None), o.c.started_at), else_=o.c.ended_at))
        .where(o.c.monitor_id == monitors.c.id, o.c.false_at.is_(None))
        .order_by(o.c.started_at.desc(), o.c.id.desc())
        .limit(1)
        .correlate(monitors)
        .scalar_subquery()
    )
    return case((monitors.c.enabled, func.coalesce(newest, monitors.c.created_at)), else_=None)


def _latency() -> ColumnElement[Any]:
    r, k = results.alias("sort_result"), monitor_keys.alias("sort_key")
    return (
        select(r.c.latency_ms)
        .select_from(r.join(k, k.c.key == r.c.monitor_key))
        .where(k.c.monitor_id == monitors.c.id)
        .order_by(r.c.at.desc())
        .limit(1)
        .correlate(monitors)
        .scalar_subquery()
    )


def _larger(a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
    # Neither SQLite's max(a, b) nor PostgreSQL's greatest(a, b) runs on both.
    return case((a > b, a), else_=b)


def _smaller(a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
    return case((a < b, a), else_=b)


def _uptime(dialect: str, now: datetime) -> ColumnElement[Any]:
    """The 24 h uptime the row shows (hiccup.core.uptime.uptime_ratio), in SQL: the down time
    inside the window over the part of the window the monitor existed. A monitor's outages
    never overlap (it is in one state at a time), so their clipped lengths simply add up."""
    hi = literal(now.timestamp(), Float)
    lo = literal((now - UPTIME_SPAN).timestamp(), Float)
    start = _larger(epoch_seconds(monitors.c.created_at, dialect), lo)
    o = outages.alias("sort_down")
    begun = _larger(epoch_seconds(o.c.started_at, dialect), start)
    ended = case(
        (o.c.ended_at.is_(None), hi), else_=_smaller(epoch_seconds(o.c.ended_at, dialect), hi)
    )
    down = (
        select(func.coalesce(func.sum(case((ended > begun, ended - begun), else_=0.0)), 0.0))
        .where(
            o.c.monitor_id == monitors.c.id,
            o.c.state == "down",
            o.c.false_at.is_(None),
            o.c.before_reached.is_(false()),
            o.c.started_at < now,
            or_(o.c.ended_at.is_(None), o.c.ended_at > now - UPTIME_SPAN),
        )
        .correlate(monitors)
        .scalar_subquery()
    )
    return case((start < hi, 1.0 - down / (hi - start)), else_=None)


def _cert() -> ColumnElement[Any]:
    """The certificate's end, for the kinds whose row shows one (tls, https)."""
    m = monitors.c
    shown = or_(m.kind == "tls", and_(m.kind == "http", func.lower(m.target).like("https:%")))
    end = (
        select(monitor_certs.c.not_after)
        .where(monitor_certs.c.monitor_id == m.id)
        .correlate(monitors)
        .scalar_subquery()
    )
    return case((shown, end), else_=None)


def _next_check(dialect: str) -> ColumnElement[Any]:
    m, last = monitors.c, monitor_states.c.last_result_at
    due = epoch_seconds(last, dialect) + m.interval_s
    scheduled = and_(m.enabled, m.kind != "heartbeat", last.is_not(None))
    return case((scheduled, due), else_=None)


def sort_expression(key: SortKey, dialect: str, now: datetime) -> ColumnElement[Any]:
    """The value rows are ordered by for `key` (NULL: no figure, always last)."""
    match key:
        case SortKey.STATUS:
            return _status()
        case SortKey.NAME:
            return monitors.c.name
        case SortKey.SINCE:
            return _since()
        case SortKey.LATENCY:
            return _latency()
        case SortKey.UPTIME:
            return _uptime(dialect, now)
        case SortKey.CERT:
            return _cert()
        case SortKey.LAST_CHECK:
            return monitor_states.c.last_result_at
        case SortKey.NEXT_CHECK:
            return _next_check(dialect)


def ordering(
    key: SortKey, descending: bool, dialect: str, now: datetime
) -> list[UnaryExpression[Any] | ColumnElement[Any]]:
    """ORDER BY for the key and direction: figureless rows last, then name and id."""
    if key is SortKey.NAME:
        # Names are never NULL: plain ORDER BY name, id walks ix_monitors_name (NULLS LAST
        # would keep SQLite from using it for the default order).
        if descending:
            return [monitors.c.name.desc(), monitors.c.id.desc()]
        return [monitors.c.name, monitors.c.id]
    value = sort_expression(key, dialect, now)
    first = nulls_last(value.desc() if descending else value.asc())
    return [first, monitors.c.name, monitors.c.id]
