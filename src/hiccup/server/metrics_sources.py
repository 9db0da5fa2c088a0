"""The running parts a /metrics scrape reads: shared by the scrape (metrics.py) and the text
it is turned into (prometheus_text.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hiccup.core.clock import Clock
from hiccup.core.detection import Track
from hiccup.core.monitors import MonitorSpec
from hiccup.engine.check_stats import CheckStats
from hiccup.engine.scheduler import Scheduler
from hiccup.snapshot.builder import SnapshotHolder
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.errors import DatabaseErrors


@dataclass(frozen=True)
class Sources:
    """The running parts a scrape reads; the scheduler and tracks exist once started."""

    engine: AsyncEngine
    clock: Clock
    holder: SnapshotHolder
    checks: CheckStats
    db_errors: DatabaseErrors
    monitors: Callable[[], list[MonitorSpec]]  # those this server judges
    tracks: Callable[[str], Track | None]
    scheduler: Callable[[], Scheduler | None]
