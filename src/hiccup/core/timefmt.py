"""Durations and windows in words, in the page's time zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import overload
from zoneinfo import ZoneInfo


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def humanize_duration(span: timedelta) -> str:
    """The two largest units: '45 seconds', '3 minutes 40 seconds', '1 hour 5 minutes'."""
    seconds = max(0, round(span.total_seconds()))
    if seconds == 0:
        return "0 seconds"
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute"), (seconds, "second")]
    first = next(i for i, (n, _) in enumerate(parts) if n)
    return " ".join(_plural(n, unit) for n, unit in parts[first : first + 2] if n)


def zone_label(moment: datetime) -> str:
    return moment.tzname() or "UTC"


def format_window(start: datetime, end: datetime, tz: str) -> str:
    """'16:10–16:34 UTC' on one day, '23 Nov 23:50 – 24 Nov 00:10 UTC' across days."""
    zone = ZoneInfo(tz)
    a, b = start.astimezone(zone), end.astimezone(zone)
    if a.date() == b.date():
        return f"{a:%H:%M}–{b:%H:%M} {zone_label(b)}"
    return f"{a:%-d %b %H:%M} – {b:%-d %b %H:%M} {zone_label(b)}"


def format_moment(moment: datetime, tz: str) -> str:
    """'22 Nov 2026, 16:10 UTC' in the page's zone."""
    local = moment.astimezone(ZoneInfo(tz))
    return f"{local:%-d %b %Y, %H:%M} {zone_label(local)}"


def format_clock(moment: datetime, tz: str) -> str:
    """'16:10 UTC' in the page's zone."""
    local = moment.astimezone(ZoneInfo(tz))
    return f"{local:%H:%M} {zone_label(local)}"


@overload
def statuspage_time(dt: datetime, tz: str) -> str: ...
@overload
def statuspage_time(dt: None, tz: str) -> None: ...
def statuspage_time(dt: datetime | None, tz: str) -> str | None:
    """'2021-10-28T11:39:27.351Z' in a zero-offset zone, '2017-06-21T04:47:44.745-07:00' else."""
    if dt is None:
        return None
    local = dt.astimezone(ZoneInfo(tz))
    text = local.isoformat(timespec="milliseconds")
    # Statuspage writes a zero offset as "Z", never "+00:00".
    return text[:-6] + "Z" if local.utcoffset() == timedelta(0) else text
