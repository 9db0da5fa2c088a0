"""When a heartbeat is due, and what to say when it is late: pure functions of time.

A heartbeat monitor expects a ping every `period`, or at each time of a cron expression in a
time zone, and allows `grace` on top. Its deadline ("due") is the next expected ping plus the
grace. When a deadline passes without a ping, the next one is the first slot of the same grid
that still lies ahead, so a silent job fails once per expected run, not in a burst after a
long gap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hiccup.core.durations import format_duration


@dataclass(frozen=True, slots=True)
class HeartbeatSchedule:
    period: timedelta | None = None
    cron: str | None = None
    grace: timedelta = timedelta(minutes=1)
    time_zone: str = "UTC"

    def __post_init__(self) -> None:
        if (self.period is None) == (self.cron is None):
            raise ValueError("a heartbeat needs exactly one of period and cron")
        if self.period is not None and self.period <= timedelta(0):
            raise ValueError("period must be more than 0s")
        if self.grace < timedelta(0):
            raise ValueError("grace must not be negative")

    def next_expected(self, after: datetime) -> datetime:
        """The first time a ping is expected after `after`."""
        if self.period is not None:
            return after + self.period
        assert self.cron is not None
        from croniter import croniter  # on use: few servers watch a cron heartbeat (memory)

        local = after.astimezone(ZoneInfo(self.time_zone))
        upcoming: datetime = croniter(self.cron, local).get_next(datetime)
        return upcoming.astimezone(after.tzinfo)

    def due_after_ping(self, pinged_at: datetime) -> datetime:
        return self.next_expected(pinged_at) + self.grace

    def due_after_miss(self, due: datetime, now: datetime) -> datetime:
        """The next deadline once `due` passed unpinged: the first on the grid after `now`."""
        if self.period is not None:
            # Arithmetic, not a loop: after a long outage there may be millions of slots.
            missed = max(0, math.floor((now - due) / self.period))
            following = due + (missed + 1) * self.period
            return following if following > now else following + self.period
        return self.next_expected(max(due, now) - self.grace) + self.grace

    def describe(self) -> str:
        """'every 5m + 1m grace' or "cron '0 3 * * *' (Europe/Berlin) + 1h grace"."""
        if self.period is not None:
            expected = f"every {format_duration(self.period)}"
        else:
            expected = f"cron '{self.cron}' ({self.time_zone})"
        return f"{expected} + {format_duration(self.grace)} grace"


def lateness_message(
    last_ping_at: datetime | None,
    now: datetime,
    schedule: HeartbeatSchedule,
    due: datetime,
    page_zone: str = "UTC",
) -> str:
    """'missed its 17:15 CET run (expected every 5m + 1m grace); no ping since 17:10 CET'.

    `due` is the deadline that passed: the run it stands for is that minus the grace. A job
    is late for a run, not "unavailable": the operator wants to know which run it missed.
    Times are in `page_zone`, the zone every other time on the page is shown in.
    """
    expected = f"(expected {schedule.describe()})"
    run = _clock(due - schedule.grace, now, page_zone)
    heard = (
        "no ping yet"
        if last_ping_at is None
        else f"no ping since {_clock(last_ping_at, now, page_zone)}"
    )
    return f"missed its {run} run {expected}; {heard}"


def _clock(moment: datetime, now: datetime, time_zone: str) -> str:
    """'16:10 UTC', with the date too when it is not today."""
    zone = ZoneInfo(time_zone)
    local, today = moment.astimezone(zone), now.astimezone(zone).date()
    label = local.tzname() or time_zone
    return f"{local:%H:%M} {label}" if local.date() == today else f"{local:%Y-%m-%d %H:%M} {label}"
