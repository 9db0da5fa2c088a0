"""Durations and windows in words, in the page's time zone and the language being rendered.

English keeps its own compact spelling ("22 Nov 2026, 16:10 UTC"); other languages take their
dates from Babel's locale data ("22. Nov. 2026, 16:10 UTC"). Times are 24-hour everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import overload
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton

from hiccup.core.language import current, ngettext


def _days(n: int) -> str:
    return ngettext("%(num)d day", "%(num)d days", n) % {"num": n}


def _hours(n: int) -> str:
    return ngettext("%(num)d hour", "%(num)d hours", n) % {"num": n}


def _minutes(n: int) -> str:
    return ngettext("%(num)d minute", "%(num)d minutes", n) % {"num": n}


def _seconds(n: int) -> str:
    return ngettext("%(num)d second", "%(num)d seconds", n) % {"num": n}


def humanize_duration(span: timedelta) -> str:
    """The two largest units: '45 seconds', '3 minutes 40 seconds', '1 hour 5 minutes'."""
    seconds = max(0, round(span.total_seconds()))
    if seconds == 0:
        return _seconds(0)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts: list[tuple[int, Callable[[int], str]]] = [
        (days, _days),
        (hours, _hours),
        (minutes, _minutes),
        (seconds, _seconds),
    ]
    first = next(i for i, (n, _) in enumerate(parts) if n)
    return " ".join(words(n) for n, words in parts[first : first + 2] if n)


def local_date(day: date, skeleton: str = "yMMMd") -> str:
    """'22 Nov 2026' in English, the locale's own order and month names elsewhere."""
    lang = current()
    if lang.is_source:
        english = {"yMMMd": "%-d %b %Y", "MMMd": "%-d %b", "yMMMM": "%B %Y"}[skeleton]
        return day.strftime(english)
    return format_skeleton(skeleton, day, locale=lang.locale)


def _date_and_time(local: datetime, skeleton: str) -> str:
    # The locale's own glue between date and time ("{1}, {0}" or "{1} {0}").
    glue = current().locale.datetime_formats["medium"]
    return str(glue).replace("{1}", local_date(local, skeleton)).replace("{0}", f"{local:%H:%M}")


def zone_label(moment: datetime) -> str:
    return moment.tzname() or "UTC"


def format_window(start: datetime, end: datetime, tz: str) -> str:
    """'16:10–16:34 UTC' on one day, '23 Nov 23:50 – 24 Nov 00:10 UTC' across days."""
    zone = ZoneInfo(tz)
    a, b = start.astimezone(zone), end.astimezone(zone)
    if a.date() == b.date():
        return f"{a:%H:%M}–{b:%H:%M} {zone_label(b)}"
    if current().is_source:
        return f"{a:%-d %b %H:%M} – {b:%-d %b %H:%M} {zone_label(b)}"
    return f"{_date_and_time(a, 'MMMd')} – {_date_and_time(b, 'MMMd')} {zone_label(b)}"


def format_moment(moment: datetime, tz: str) -> str:
    """'22 Nov 2026, 16:10 UTC' in the page's zone."""
    local = moment.astimezone(ZoneInfo(tz))
    if current().is_source:
        return f"{local:%-d %b %Y, %H:%M} {zone_label(local)}"
    return f"{_date_and_time(local, 'yMMMd')} {zone_label(local)}"


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
