"""Monitors of the tests' `fake` check kind (it touches no network), for scheduler tests."""

from __future__ import annotations

from datetime import timedelta

from hiccup.core.monitors import MonitorSpec


def fake_spec(
    monitor_id: str = "m",
    interval: float = 0.2,
    *,
    timeout: float = 1.0,
    target: str | None = None,
    enabled: bool = True,
) -> MonitorSpec:
    """Seconds for `interval` and `timeout`; each monitor on a host of its own unless `target`
    says otherwise (the scheduler limits checks per host)."""
    return MonitorSpec(
        id=monitor_id,
        name=monitor_id,
        kind="fake",
        target=target or f"{monitor_id}.example",
        interval=timedelta(seconds=interval),
        timeout=timedelta(seconds=timeout),
        enabled=enabled,
    )
