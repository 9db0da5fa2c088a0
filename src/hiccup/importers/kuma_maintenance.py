"""Uptime Kuma's maintenance → Hiccup's windows: one-off, and recurring as an RRULE.

Kuma's strategies: `single` (one window), `recurring-interval` (every N days),
`recurring-weekday`, `recurring-day-of-month`, `cron` (with a duration in minutes), and
`manual` (switched on by hand). All but `manual` map; a cron maps when it is a plain
"minute hour day-of-month * day-of-week" with single values or lists.
"""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hiccup.core.durations import format_duration
from hiccup.importers.result import ImportResult, Keys
from hiccup.importers.uptime_kuma_read import KumaData, Row

_DAYS = {0: "SU", 1: "MO", 2: "TU", 3: "WE", 4: "TH", 5: "FR", 6: "SA", 7: "SU"}


class _Unmappable(ValueError):
    pass


def _label(row: Row) -> str:
    return f"maintenance {row.get('title')!r} (id {row.get('id')})"


def _datetime(value: Any) -> datetime | None:
    if not value:
        return None
    text = str(value).strip().replace("T", " ").removesuffix("Z")
    try:
        return datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        raise _Unmappable(f"unreadable date {value!r}") from None


def _time(value: Any) -> time | None:
    if not value:
        return None
    if isinstance(value, str) and value.strip().startswith("{"):
        value = json.loads(value)
    if isinstance(value, dict):  # some 1.x versions store {"hours": 2, "minutes": 0}
        return time(int(value.get("hours", 0)), int(value.get("minutes", 0)))
    try:
        return time.fromisoformat(str(value).strip())
    except ValueError:
        raise _Unmappable(f"unreadable time {value!r}") from None


def _list(value: Any) -> list[Any]:
    if isinstance(value, str):
        value = json.loads(value or "[]")
    return list(value or [])


def _zone(row: Row) -> str | None:
    zone = str(row.get("timezone") or "SAME_AS_SERVER")
    if zone == "SAME_AS_SERVER":
        return None
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise _Unmappable(f"unknown time zone {zone!r}") from None
    return zone


def _daily_span(row: Row) -> tuple[time, timedelta]:
    start, end = _time(row.get("start_time")), _time(row.get("end_time"))
    if start is None:
        raise _Unmappable("no start time")
    minutes = row.get("duration")
    if end is None:
        if not minutes:
            raise _Unmappable("no end time")
        return start, timedelta(minutes=int(minutes))
    day = datetime(2000, 1, 1)
    span = datetime.combine(day, end) - datetime.combine(day, start)
    return start, span if span > timedelta(0) else span + timedelta(days=1)


def _until(row: Row) -> str:
    end = _datetime(row.get("end_date"))
    return f";UNTIL={end:%Y%m%d}T235959" if end else ""


def _cron_rule(cron: str) -> tuple[time, str]:
    fields = cron.split()
    if len(fields) != 5 or not (fields[0].isdigit() and fields[1].isdigit()) or fields[3] != "*":
        raise _Unmappable(f"cron {cron!r} is not a plain daily, weekly or monthly schedule")
    at = time(int(fields[1]), int(fields[0]))
    dom, dow = fields[2], fields[4]
    try:
        if dom == "*" and dow == "*":
            return at, "FREQ=DAILY"
        if dom == "*":
            return at, "FREQ=WEEKLY;BYDAY=" + ",".join(_DAYS[int(d)] for d in dow.split(","))
        if dow == "*":
            return at, "FREQ=MONTHLY;BYMONTHDAY=" + ",".join(str(int(d)) for d in dom.split(","))
    except (KeyError, ValueError):
        pass
    raise _Unmappable(f"cron {cron!r} is not a plain daily, weekly or monthly schedule")


def _recurring(row: Row, strategy: str) -> tuple[datetime, timedelta, str]:
    first = _datetime(row.get("start_date"))
    if strategy == "cron":
        at, rule = _cron_rule(str(row.get("cron") or ""))
        minutes = int(row.get("duration") or 0)
        if minutes <= 0:
            raise _Unmappable("a cron window without a duration")
        span = timedelta(minutes=minutes)
    else:
        at, span = _daily_span(row)
        if strategy == "recurring-interval":
            rule = f"FREQ=DAILY;INTERVAL={max(1, int(row.get('interval_day') or 1))}"
        elif strategy == "recurring-weekday":
            days = [_DAYS[int(d)] for d in _list(row.get("weekdays"))]
            if not days:
                raise _Unmappable("no weekdays chosen")
            rule = "FREQ=WEEKLY;BYDAY=" + ",".join(dict.fromkeys(days))
        else:
            days = [
                ("-1" if str(d).startswith("lastDay") else str(int(d)))
                for d in _list(row.get("days_of_month"))
            ]
            if not days:
                raise _Unmappable("no days of the month chosen")
            rule = "FREQ=MONTHLY;BYMONTHDAY=" + ",".join(dict.fromkeys(days))
    start = datetime.combine((first or datetime(2000, 1, 1)).date(), at)
    return start, span, rule + _until(row)


def _window(row: Row, now: datetime) -> dict[str, Any]:
    strategy = str(row.get("strategy") or "single")
    zone = _zone(row)
    item: dict[str, Any] = {}
    if strategy == "manual":
        raise _Unmappable("a manual window (switched on by hand): start one in the admin")
    if strategy == "single":
        start, end = _datetime(row.get("start_date")), _datetime(row.get("end_date"))
        if start is None or end is None or end <= start:
            raise _Unmappable("a single window needs a start before its end")
        local_now = now.astimezone(ZoneInfo(zone or "UTC")).replace(tzinfo=None)
        if end <= local_now:
            raise _Unmappable("over already")
        item.update(start=start.isoformat(), duration=format_duration(end - start))
    elif strategy in ("recurring-interval", "recurring-weekday", "recurring-day-of-month", "cron"):
        start, span, rule = _recurring(row, strategy)
        item.update(start=start.isoformat(), duration=format_duration(span), rrule=rule)
    else:
        raise _Unmappable(f"strategy {strategy!r} is unknown")
    if zone:
        item["time_zone"] = zone
    return item


def _components(
    row: Row, data: KumaData, mapped: dict[int, dict[str, Any]], pages: dict[int, list[str]]
) -> list[str]:
    found: list[str] = []
    for monitor_id in data.maintenance_monitors.get(int(row["id"]), []):
        component = (mapped.get(monitor_id) or {}).get("component")
        if component:
            found.append(component)
    for page_id in data.maintenance_pages.get(int(row["id"]), []):
        found += pages.get(page_id, [])
    return list(dict.fromkeys(found))


def windows(
    data: KumaData,
    mapped: dict[int, dict[str, Any]],
    pages: dict[int, list[str]],
    now: datetime,
    result: ImportResult,
) -> list[dict[str, Any]]:
    keys, found = Keys(), []
    for row in data.maintenance:
        title = str(row.get("title") or f"maintenance {row.get('id')}")[:300]
        if not row.get("active", 1):
            result.skip(_label(row), "inactive")
            continue
        try:
            window = _window(row, now)
        except (_Unmappable, ValueError) as error:
            result.skip(_label(row), str(error))
            continue
        components = _components(row, data, mapped, pages)
        if not components:
            result.skip(_label(row), "affects no monitor or status page that was imported")
            continue
        if _zone(row) is None:
            result.change(_label(row), "'same as server' time zone: the page's time zone is used")
        item: dict[str, Any] = {"name": title, "key": keys.make(title), "components": components}
        item.update(window)
        if row.get("description"):
            item["message"] = str(row["description"])
        found.append(item)
    return found
