"""The monitor state machine: confirm outages and recoveries before anyone is told.

A blip is not an outage: a monitor goes DOWN only after `failure_threshold` consecutive failed
results, and comes back UP only after `success_threshold` consecutive good ones. The measured
window of an outage starts at the first failed check of the confirming streak and ends at the
first good check of the recovering streak, so the page states when it really began and ended.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from hiccup.core.status import MonitorState, Verdict


@dataclass(frozen=True, slots=True)
class DetectionPolicy:
    failure_threshold: int = 3
    success_threshold: int = 2
    degraded_latency_ms: float | None = None

    def __post_init__(self) -> None:
        if self.failure_threshold < 1 or self.success_threshold < 1:
            raise ValueError("thresholds must be at least 1")


@dataclass(frozen=True, slots=True)
class Track:
    """What the detector remembers of one monitor between results (persisted)."""

    state: MonitorState = MonitorState.UNKNOWN
    failed_streak: int = 0
    not_ok_streak: int = 0
    ok_streak: int = 0
    not_failed_streak: int = 0
    bad_since: datetime | None = None
    failed_since: datetime | None = None
    good_since: datetime | None = None
    not_failed_since: datetime | None = None
    changed_at: datetime | None = None
    # The check (kind and target, hiccup.core.reach) that has answered once; None: never.
    reached_for: str | None = None


@dataclass(frozen=True, slots=True)
class Transition:
    """A confirmed change of state; `started_at` is when the confirmed condition really began."""

    previous: MonitorState
    current: MonitorState
    started_at: datetime
    confirmed_at: datetime


def classify(
    ok: bool, latency_ms: float | None, policy: DetectionPolicy, *, degraded: bool = False
) -> Verdict:
    """A successful check that says so itself, or is slower than the policy's threshold,
    counts as degraded."""
    if not ok:
        return Verdict.FAILED
    if degraded:
        return Verdict.DEGRADED
    limit = policy.degraded_latency_ms
    if limit is not None and latency_ms is not None and latency_ms > limit:
        return Verdict.DEGRADED
    return Verdict.OK


def _count(track: Track, verdict: Verdict, at: datetime, weight: int) -> Track:
    failed = verdict is Verdict.FAILED
    ok = verdict is Verdict.OK
    bad = weight if failed else 1  # only a failure weighs more than one
    return replace(
        track,
        failed_streak=track.failed_streak + bad if failed else 0,
        not_ok_streak=track.not_ok_streak + bad if not ok else 0,
        ok_streak=track.ok_streak + 1 if ok else 0,
        not_failed_streak=track.not_failed_streak + 1 if not failed else 0,
        failed_since=(track.failed_since or at) if failed else None,
        bad_since=(track.bad_since or at) if not ok else None,
        good_since=(track.good_since or at) if ok else None,
        not_failed_since=(track.not_failed_since or at) if not failed else None,
    )


def _target(track: Track, policy: DetectionPolicy) -> tuple[MonitorState, datetime | None]:
    """The state the streaks now confirm, with when that condition began."""
    if track.failed_streak >= policy.failure_threshold:
        return MonitorState.DOWN, track.failed_since
    if track.state is MonitorState.UNKNOWN and track.ok_streak >= 1:
        return MonitorState.UP, track.good_since
    if track.ok_streak >= policy.success_threshold:
        return MonitorState.UP, track.good_since
    if track.state is MonitorState.UP and track.not_ok_streak >= policy.failure_threshold:
        return MonitorState.DEGRADED, track.bad_since
    if track.state is MonitorState.DOWN and track.not_failed_streak >= policy.success_threshold:
        return MonitorState.DEGRADED, track.not_failed_since
    if track.state is MonitorState.UNKNOWN and track.not_failed_streak >= policy.success_threshold:
        return MonitorState.DEGRADED, track.not_failed_since
    return track.state, None


def step(
    track: Track, verdict: Verdict, at: datetime, policy: DetectionPolicy, weight: int = 1
) -> tuple[Track, Transition | None]:
    """Feed one result to a monitor's track; returns the new track and any confirmed change.

    A failure counts `weight` times (a run that timed out watched the target for as long as
    several runs would have; see MonitorSpec.timeout_weight)."""
    if weight < 1:
        raise ValueError("weight must be at least 1")
    counted = _count(track, verdict, at, weight)
    target, began = _target(counted, policy)
    if target is counted.state or began is None:
        return counted, None
    transition = Transition(counted.state, target, began, at)
    return replace(counted, state=target, changed_at=began), transition
