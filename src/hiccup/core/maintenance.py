"""Maintenance windows: occurrences (one-off or RRULE, time-zone aware), lifecycle, wording.

A window's checks still run and are stored, but outages inside it open no incident and send no
alert; the affected components show "under maintenance"; afterwards the downtime measured inside
the window is stated ("completed; 3 minutes 40 seconds of downtime measured").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from hiccup.core.language import _
from hiccup.core.timefmt import humanize_duration
from hiccup.core.uptime import Interval, covered


class MaintenanceStatus(StrEnum):
    """Statuspage's scheduled-maintenance statuses."""

    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    VERIFYING = "verifying"
    COMPLETED = "completed"


@dataclass(frozen=True, slots=True)
class Window:
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a maintenance happens: a local start time in its zone, a duration, an optional RRULE."""

    start_local: datetime  # naive, in `time_zone`
    duration: timedelta
    time_zone: str
    rrule: str | None = None


def _localize(naive: datetime, zone: ZoneInfo) -> datetime:
    # In UTC from here on: stores and comparisons want one zone, and a duration added to a
    # zone-aware datetime is wall-clock arithmetic (a 2 h window over a DST change is not 2 h).
    return naive.replace(tzinfo=zone).astimezone(UTC)


def occurrences(schedule: Schedule, lo: datetime, hi: datetime, limit: int = 100) -> list[Window]:
    """Windows of the schedule that end after `lo` and start before `hi`, in UTC-aware times.

    Recurrences are expanded in local time, so "every Sunday 22:00 Berlin" stays 22:00 across
    daylight-saving changes.
    """
    zone = ZoneInfo(schedule.time_zone)
    if schedule.rrule is None:
        starts = [_localize(schedule.start_local, zone)]
    else:
        from dateutil.rrule import rrulestr  # only recurring windows need dateutil

        rule = rrulestr(schedule.rrule, dtstart=schedule.start_local, ignoretz=True)
        lo_local = (lo - schedule.duration).astimezone(zone).replace(tzinfo=None)
        hi_local = hi.astimezone(zone).replace(tzinfo=None)
        starts = [_localize(s, zone) for s in rule.between(lo_local, hi_local, inc=True)[:limit]]
    windows = [Window(s, s + schedule.duration) for s in starts]
    return [w for w in windows if w.end > lo and w.start < hi]


def status_at(window: Window, now: datetime) -> MaintenanceStatus:
    if now < window.start:
        return MaintenanceStatus.SCHEDULED
    if now < window.end:
        return MaintenanceStatus.IN_PROGRESS
    return MaintenanceStatus.COMPLETED


def downtime_within(window: Window, outages: Sequence[Interval]) -> timedelta:
    return covered(outages, window.start, window.end)


def started_body(components: Sequence[str]) -> str:
    names = ", ".join(components)
    return _("Scheduled maintenance is in progress on %(names)s.") % {"names": names}


def completed_body(downtime: timedelta) -> str:
    if downtime <= timedelta(0):
        return _("The scheduled maintenance has been completed; no downtime was measured.")
    message = _("The scheduled maintenance has been completed; %(duration)s of downtime measured.")
    return message % {"duration": humanize_duration(downtime)}


def scheduled_body(message: str) -> str:
    """The first update of a window: the operator's words. The window itself is shown beside
    it on the page, in mails and in chat, so the body does not say it again."""
    return message or _("This maintenance is scheduled.")
