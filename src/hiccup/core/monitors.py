"""A monitor as the engine sees it: what to check, how often, and how to judge it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from hiccup.core.detection import DetectionPolicy

LOCAL = "local"  # the server itself, as a place that runs checks
ALL = "all"

# While a monitor checked from one place fails, its confirming checks come this often unless it
# sets `retry_interval`: the default 3 failures confirm a real outage 8 s after the first
# failed check (within interval + 10 s of it starting), and a blip shorter than that passes.
DEFAULT_RETRY_INTERVAL = timedelta(seconds=4)


@dataclass(frozen=True, slots=True)
class MonitorSpec:
    id: str
    name: str
    kind: str
    target: str
    interval: timedelta
    timeout: timedelta
    options: Mapping[str, Any] = field(default_factory=dict)  # validated per kind
    policy: DetectionPolicy = field(default_factory=DetectionPolicy)
    component_id: str | None = None
    enabled: bool = True
    probes: tuple[str, ...] = (LOCAL,)  # where it runs: LOCAL, probe regions, or (ALL,)
    quorum: str = "majority"
    # While its checks fail, check it this often instead (confirm sooner, see recovery sooner).
    retry_interval: timedelta | None = None

    @property
    def retry_pace(self) -> timedelta | None:
        """How often it runs while failing: `retry_interval`, else the default for a monitor
        judged from one place whose interval is longer; None: at its interval."""
        if self.retry_interval is not None:
            return self.retry_interval
        if self.voted or self.interval <= DEFAULT_RETRY_INTERVAL:
            # A vote is taken once per interval from every place; one place hurrying skews it.
            return None
        return DEFAULT_RETRY_INTERVAL

    def timeout_weight(self) -> int:
        """How many failures one timed-out run counts for.

        A run that waited its whole timeout watched the target give no answer for that long,
        as the confirming runs would have, one retry apart: so it counts for itself and for
        every retry its timeout spans. A hanging target is then judged by its timeout rather
        than by three timeouts in a row.
        """
        pace = self.retry_pace
        if pace is None:
            return 1
        return 1 + int(self.timeout / pace)

    @property
    def runs_locally(self) -> bool:
        return LOCAL in self.probes or ALL in self.probes

    @property
    def voted(self) -> bool:
        """Judged by a quorum of several places rather than by one."""
        return len(self.probes) > 1 or ALL in self.probes

    def runs_in(self, region: str) -> bool:
        return region in self.probes or ALL in self.probes
