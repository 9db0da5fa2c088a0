"""A monitor as the engine sees it: what to check, how often, and how to judge it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from hiccup.core.detection import DetectionPolicy

LOCAL = "local"  # the server itself, as a place that runs checks
ALL = "all"


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
    def runs_locally(self) -> bool:
        return LOCAL in self.probes or ALL in self.probes

    @property
    def voted(self) -> bool:
        """Judged by a quorum of several places rather than by one."""
        return len(self.probes) > 1 or ALL in self.probes

    def runs_in(self, region: str) -> bool:
        return region in self.probes or ALL in self.probes
