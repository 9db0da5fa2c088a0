"""Raw result rows (epoch milliseconds, verdict codes) folded into hourly and daily partials.

The same sums as core.rollup.fold_hourly and fold_daily, keyed by whole milliseconds until the
end (a bucket's datetime is made once per bucket, not once per result), a chunk of rows at a
time with the loop let go in between.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from hiccup.core.rollup import Key, Rollup
from hiccup.store.results import VERDICTS, from_ms

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
FOLD_CHUNK = 2000  # rows folded between two turns of the loop


async def fold_rows(rows: Sequence[Any]) -> dict[Key, Rollup]:
    """The rollup of each (monitor, hour) of rows (monitor_id, at ms, verdict code,
    latency ms, reliable, ...)."""
    hours: dict[tuple[str, int], Rollup] = {}
    for start in range(0, len(rows), FOLD_CHUNK):
        if start:
            await asyncio.sleep(0)
        for row in rows[start : start + FOLD_CHUNK]:
            monitor_id, at, verdict, latency_ms, reliable = row[:5]
            key = (monitor_id, at - at % HOUR_MS)
            rollup = hours.get(key)
            if rollup is None:
                rollup = hours[key] = Rollup()
            latency = None if latency_ms is None else float(latency_ms)
            rollup.add(VERDICTS[verdict], latency, reliable=bool(reliable))
    return _keyed(hours.items())


def _keyed(items: Iterable[tuple[tuple[str, int], Rollup]]) -> dict[Key, Rollup]:
    moments: dict[int, Any] = {}
    keyed: dict[Key, Rollup] = {}
    for (monitor_id, ms), rollup in items:
        moment = moments.get(ms)
        if moment is None:
            moment = moments[ms] = from_ms(ms)
        keyed[(monitor_id, moment)] = rollup
    return keyed


def daily_partials(hours: Mapping[Key, Rollup]) -> dict[Key, Rollup]:
    """Hourly partials summed into (monitor, UTC day) partials. A day with one hour shares
    that hour's rollup (a window of a pass holds one or two hours): callers only read them."""
    days: dict[Key, Rollup] = {}
    summed: set[Key] = set()  # days holding a rollup of their own, safe to add to
    for (monitor_id, hour), rollup in hours.items():
        key = (monitor_id, hour.replace(hour=0))
        found = days.get(key)
        if found is None:
            days[key] = rollup
            continue
        if key not in summed:
            found = days[key] = _copy(found)
            summed.add(key)
        found.merge(rollup)
    return days


def _copy(rollup: Rollup) -> Rollup:
    copy = Rollup()
    copy.merge(rollup)
    return copy
