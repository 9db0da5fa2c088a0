"""Each day's incident names, found by bisecting the days, are those asking each day would find."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hiccup.core.bars import Spell, names_per_day

T0 = datetime(2026, 11, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)

spells = st.lists(
    st.tuples(
        st.integers(-48, 24 * 7),
        st.one_of(st.none(), st.integers(0, 24 * 3)),
        st.sampled_from(["API down", "Cache purge", "DDoS"]),
    ),
    max_size=8,
).map(
    lambda items: [
        (T0 + h * HOUR, None if n is None else T0 + (h + n) * HOUR, name) for h, n, name in items
    ]
)


def asking_each_day(
    found: list[Spell], bounds: list[tuple[datetime, datetime]]
) -> list[tuple[str, ...]]:
    return [
        tuple(dict.fromkeys(n for s, e, n in found if s < hi and (e is None or e > lo)))
        for lo, hi in bounds
    ]


@given(found=spells, days=st.integers(1, 6))
def test_bisecting_the_days_finds_what_asking_each_day_finds(found: list[Spell], days: int) -> None:
    bounds = [(T0 + k * 24 * HOUR, T0 + (k + 1) * 24 * HOUR) for k in range(days)]
    assert list(names_per_day(found, bounds)) == asking_each_day(found, bounds)


def test_an_incident_names_every_day_it_was_open_once_and_in_order() -> None:
    bounds = [(T0 + k * 24 * HOUR, T0 + (k + 1) * 24 * HOUR) for k in range(4)]
    found: list[Spell] = [
        (T0 + 30 * HOUR, T0 + 50 * HOUR, "API down"),
        (T0 + 70 * HOUR, None, "DDoS"),
        (T0 + 31 * HOUR, T0 + 32 * HOUR, "API down"),
        (T0 + 10 * HOUR, T0 + 24 * HOUR, "Cache purge"),  # ends as day 1 begins: not on it
    ]
    assert names_per_day(found, bounds) == (
        ("Cache purge",),
        ("API down",),
        ("API down", "DDoS"),
        ("DDoS",),
    )
