"""The Prometheus text of one scrape, built by prometheus_client from the running parts' memory.
Its own module so prometheus_client is imported on the first scrape, not by every server:
/metrics is closed by default, and the counters it reads are Hiccup's own (CheckStats, the
scheduler's), kept whether or not anyone scrapes.
"""

from __future__ import annotations

import platform
from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import accumulate
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    InfoMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from hiccup import __version__
from hiccup.core.detection import Track
from hiccup.core.status import MonitorState
from hiccup.engine.check_stats import LATENCY_BUCKETS
from hiccup.store.outbox_figures import OutboxFigure

if TYPE_CHECKING:
    from hiccup.server.metrics_sources import Sources

LATENESS_QUANTILES = (0.5, 0.9, 0.99, 1.0)
MONITOR_LABELS = ["monitor_id", "monitor"]


def exposition(sources: Sources, outbox: list[OutboxFigure] | None, now: datetime) -> bytes:
    """The text exposition of everything, for one scrape."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(Scrape(sources, outbox, now))
    return generate_latest(registry)


class Scrape(Collector):
    def __init__(self, sources: Sources, outbox: list[OutboxFigure] | None, now: datetime) -> None:
        self._s, self._outbox, self._now = sources, outbox, now

    def collect(self) -> Iterable[Metric]:
        yield _build_info()
        yield from self._monitors()
        yield from self._scheduler()
        yield from self._outbox_metrics()
        yield from self._snapshot()
        yield CounterMetricFamily(
            "hiccup_database_errors",
            "Failed database statements and connection attempts since start.",
            value=self._s.db_errors.total,
        )

    def _monitors(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "hiccup_monitor_up",
            "1 while the monitor is confirmed up or degraded, 0 while down (absent: unknown).",
            labels=MONITOR_LABELS,
        )
        state = GaugeMetricFamily(
            "hiccup_monitor_state",
            "The monitor's confirmed state.",
            labels=[*MONITOR_LABELS, "state"],
        )
        for spec in self._s.monitors():
            current = (self._s.tracks(spec.id) or Track()).state
            labels = [spec.id, spec.name]
            if current is not MonitorState.UNKNOWN:
                up.add_metric(labels, 0 if current is MonitorState.DOWN else 1)
            for each in MonitorState:
                state.add_metric([*labels, each.value], 1 if each is current else 0)
        yield up
        yield state
        yield from self._check_counts()

    def _check_counts(self) -> Iterator[Metric]:
        checks = CounterMetricFamily(
            "hiccup_checks", "Checks this server ran, by monitor.", labels=MONITOR_LABELS
        )
        failures = CounterMetricFamily(
            "hiccup_check_failures", "Checks that failed, by monitor.", labels=MONITOR_LABELS
        )
        latency = HistogramMetricFamily(
            "hiccup_check_latency_seconds",
            "How long checks took, by monitor.",
            labels=MONITOR_LABELS,
        )
        bounds = [str(b) for b in LATENCY_BUCKETS] + ["+Inf"]
        for spec in self._s.monitors():
            counts = self._s.checks.monitors.get(spec.id)
            if counts is None:
                continue
            labels = [spec.id, spec.name]
            checks.add_metric(labels, counts.checks)
            failures.add_metric(labels, counts.failures)
            cumulative = list(zip(bounds, accumulate(counts.buckets), strict=True))
            latency.add_metric(labels, cumulative, sum_value=counts.latency_sum)
        yield from (checks, failures, latency)

    def _scheduler(self) -> Iterator[Metric]:
        scheduler = self._s.scheduler()
        if scheduler is None:  # not started yet (database unreachable at start)
            return
        yield _lateness(scheduler.lateness_ms())
        yield CounterMetricFamily(
            "hiccup_scheduler_skipped_slots",
            "Check slots skipped since start: the previous run never got a free slot.",
            value=scheduler.behind_slots,
        )
        yield CounterMetricFamily(
            "hiccup_scheduler_unreliable_results",
            "Results marked unreliable since start: Hiccup itself ran late or stalled.",
            value=scheduler.unreliable_runs,
        )
        health = scheduler.health()
        yield GaugeMetricFamily(
            "hiccup_scheduler_monitors", "Monitors this server schedules.", value=health.monitors
        )
        yield GaugeMetricFamily(
            "hiccup_scheduler_due_per_second",
            "Checks due per second by the scheduled monitors' intervals.",
            value=health.due_per_second,
        )
        yield GaugeMetricFamily(
            "hiccup_event_loop_worst_stall_seconds",
            "The longest the event loop stalled since start.",
            value=scheduler.loop_lag.worst,
        )

    def _outbox_metrics(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "hiccup_outbox_readable",
            "1 when this scrape could read the outbox from the database in time, else 0.",
            value=0 if self._outbox is None else 1,
        )
        pending = GaugeMetricFamily(
            "hiccup_outbox_pending", "Deliveries waiting, by transport.", labels=["kind"]
        )
        oldest = GaugeMetricFamily(
            "hiccup_outbox_oldest_age_seconds",
            "Age of the oldest waiting delivery, by transport.",
            labels=["kind"],
        )
        for figure in self._outbox or ():
            pending.add_metric([figure.transport], figure.pending)
            age = (self._now - figure.oldest).total_seconds()
            oldest.add_metric([figure.transport], max(0.0, age))
        yield from (pending, oldest)

    def _snapshot(self) -> Iterator[Metric]:
        snapshot = self._s.holder.current
        if snapshot is None:
            return
        yield GaugeMetricFamily(
            "hiccup_snapshot_age_seconds",
            "Seconds since the public snapshot was built.",
            value=max(0.0, (self._now - snapshot.generated_at).total_seconds()),
        )
        yield GaugeMetricFamily(
            "hiccup_snapshot_stale",
            "1 while the page serves the last good snapshot because the database is gone.",
            value=1 if snapshot.stale_since is not None else 0,
        )


def _build_info() -> Metric:
    info = InfoMetricFamily("hiccup_build", "The running Hiccup's version.")
    info.add_metric([], {"version": __version__, "python": platform.python_version()})
    return info


def _lateness(samples_ms: list[float]) -> Metric:
    """Quantiles of the recent check starts' lateness (the scheduler keeps the last few)."""
    gauge = GaugeMetricFamily(
        "hiccup_scheduler_lateness_seconds",
        "How late recent checks started after their slot, as quantiles.",
        labels=["quantile"],
    )
    ordered = sorted(samples_ms)
    for q in LATENESS_QUANTILES if ordered else ():
        index = min(len(ordered) - 1, int(q * len(ordered)))
        gauge.add_metric([str(q)], ordered[index] / 1000)
    return gauge
