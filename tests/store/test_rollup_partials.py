"""Raw rows folded into partials: the same sums as core.rollup, keyed by whole milliseconds."""

from __future__ import annotations

from hiccup.core.rollup import fold_daily, fold_hourly
from hiccup.store.results import VERDICT_CODES, to_ms
from hiccup.store.rollup_partials import daily_partials, fold_rows
from tests.support.history_helpers import assert_same, samples
from tests.support.store_helpers import START


async def test_rows_fold_into_the_same_hours_and_days_as_samples() -> None:
    raw = samples(["a", "b", "c"], START, 10 * 60)  # 16:00 to 02:00: two UTC days
    rows = [(m, to_ms(at), VERDICT_CODES[v], lat, ok) for m, at, v, lat, ok in raw]
    hours = await fold_rows(rows)
    assert_same(hours, fold_hourly(raw))
    assert_same(daily_partials(hours), fold_daily(fold_hourly(raw)))


async def test_summing_days_leaves_the_hours_as_they_were() -> None:
    raw = samples(["a"], START, 3 * 60)  # three hours of one day
    rows = [(m, to_ms(at), VERDICT_CODES[v], lat, ok) for m, at, v, lat, ok in raw]
    hours = await fold_rows(rows)
    days = daily_partials(hours)
    assert_same(hours, fold_hourly(raw))
    assert [day.total for day in days.values()] == [180]
    one_hour = await fold_rows(rows[:60])
    assert next(iter(daily_partials(one_hour).values())) is one_hour[("a", START)]
