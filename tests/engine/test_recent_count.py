from __future__ import annotations

from hiccup.engine.recent import BUCKET, RecentCount


def test_it_counts_the_last_ten_minutes_and_forgets_older() -> None:
    recent = RecentCount()
    recent.add(0.0)
    recent.add(30.0, 4)
    recent.add(5 * BUCKET)
    assert recent.last_minutes(5 * BUCKET) == 6
    assert recent.last_minutes(10 * BUCKET) == 1, "the first minute's five have left the window"
    assert recent.last_minutes(16 * BUCKET) == 0
    assert recent.total == 6


def test_it_keeps_ten_buckets_however_long_it_runs() -> None:
    recent = RecentCount()
    for minute in range(1000):
        recent.add(minute * BUCKET)
    assert recent.last_minutes(999 * BUCKET) == 10
    assert recent.total == 1000
