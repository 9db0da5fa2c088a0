"""While results cannot be written the page shows the recorder's own decisions; a monitor
never reached moves it no more there than through the status service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hiccup.checks.base import CheckResult
from hiccup.core.clock import ManualClock
from hiccup.core.detection import DetectionPolicy, Track
from hiccup.core.monitors import MonitorSpec
from hiccup.core.reach import REACHED_BEFORE
from hiccup.core.status import ComponentStatus
from hiccup.engine.recorder import Recorder
from hiccup.server.memory import memory_status
from hiccup.store.asyncio_engine import create_async_engine

NOW = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)


def _spec(monitor_id: str, component_id: str) -> MonitorSpec:
    return MonitorSpec(
        id=monitor_id,
        name=monitor_id,
        kind="tcp",
        target="127.0.0.1:9",
        interval=timedelta(seconds=30),
        timeout=timedelta(seconds=5),
        policy=DetectionPolicy(failure_threshold=1),
        component_id=component_id,
    )


def test_only_a_monitor_reached_before_moves_the_page_from_memory() -> None:
    clock = ManualClock(NOW)
    engine = create_async_engine("sqlite+aiosqlite://")  # never reached: nothing is written
    fresh, known = _spec("fresh", "new-api"), _spec("known", "old-api")
    tracks = {"known": Track(reached_for=REACHED_BEFORE)}
    recorder = Recorder(engine, clock, tracks, lambda: None)
    for spec in (fresh, known):
        recorder.submit(spec, CheckResult(ok=False, error="connection refused"), NOW)
    recorder.unwritten_since = NOW  # the database is away
    shown = memory_status(recorder, [fresh, known], lambda _: True)
    assert shown is not None
    assert shown.statuses.get("old-api") is ComponentStatus.MAJOR_OUTAGE
    assert shown.statuses.get("new-api", ComponentStatus.OPERATIONAL) is (
        ComponentStatus.OPERATIONAL
    )
