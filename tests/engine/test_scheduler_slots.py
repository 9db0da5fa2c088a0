"""Scheduling arithmetic: where a monitor's first run falls and which slot comes next."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from hiccup.engine.scheduler import jitter_offset, next_slot

intervals = st.floats(min_value=0.001, max_value=86_400, allow_nan=False)


@given(monitor_id=st.text(), interval=intervals)
def test_the_jitter_offset_falls_within_one_interval(monitor_id: str, interval: float) -> None:
    assert 0 <= jitter_offset(monitor_id, interval) < interval


def test_the_jitter_offset_is_stable_for_a_monitor() -> None:
    # Fixed across processes too: a digest, not the salted hash().
    assert jitter_offset("api-health", 60) == jitter_offset("api-health", 60)
    assert math.isclose(jitter_offset("api-health", 60), 0.5 * jitter_offset("api-health", 120))


def test_the_jitter_offset_spreads_monitors_across_the_interval() -> None:
    offsets = [jitter_offset(f"monitor-{n}", 60) for n in range(1000)]
    per_tenth = [sum(1 for o in offsets if k * 6 <= o < (k + 1) * 6) for k in range(10)]
    assert min(per_tenth) > 60  # about 100 in each tenth of the minute


def test_the_next_slot_follows_the_grid_when_on_time() -> None:
    assert next_slot(due=100.0, interval=30.0, now=100.2) == 130.0


def test_the_next_slot_skips_missed_slots_instead_of_bursting() -> None:
    assert next_slot(due=100.0, interval=30.0, now=175.0) == 190.0


@given(
    due=st.floats(min_value=0, max_value=1e6),
    interval=intervals,
    late=st.floats(min_value=0, max_value=1e5),
)
def test_the_next_slot_is_the_first_grid_point_after_now(
    due: float, interval: float, late: float
) -> None:
    now = due + late
    slot = next_slot(due, interval, now)
    assert slot > now
    steps = (slot - due) / interval
    assert math.isclose(steps, round(steps), abs_tol=1e-6 * max(1.0, steps))
    assert slot - interval <= now + 1e-9 * max(1.0, abs(now))
