"""Durations and windows in words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hiccup.core.timefmt import format_clock, format_moment, format_window, humanize_duration


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0, "0 seconds"),
        (1, "1 second"),
        (45, "45 seconds"),
        (60, "1 minute"),
        (24 * 60, "24 minutes"),
        (24 * 60 + 40, "24 minutes 40 seconds"),
        (3 * 60 + 40, "3 minutes 40 seconds"),
        (3900, "1 hour 5 minutes"),
        (7200, "2 hours"),
        (86400 + 3 * 3600 + 59, "1 day 3 hours"),
        (3600 + 30, "1 hour"),
    ],
)
def test_durations_read_as_words(seconds: int, words: str) -> None:
    assert humanize_duration(timedelta(seconds=seconds)) == words


def test_a_window_across_midnight_names_both_days() -> None:
    start = datetime(2026, 11, 21, 23, 50, tzinfo=UTC)
    assert (
        format_window(start, start + timedelta(minutes=20), "UTC")
        == "21 Nov 23:50 – 22 Nov 00:10 UTC"
    )


def test_moments_and_clocks_use_the_page_zone() -> None:
    moment = datetime(2026, 11, 22, 16, 10, tzinfo=UTC)
    assert format_moment(moment, "Europe/Berlin") == "22 Nov 2026, 17:10 CET"
    assert format_clock(moment, "UTC") == "16:10 UTC"
