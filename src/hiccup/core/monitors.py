"""A monitor as the engine sees it: what to check, how often, and how to judge it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from hiccup.core.detection import DetectionPolicy


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
