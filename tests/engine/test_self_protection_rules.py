"""Which runs are trusted, how stalls are measured, and which host a target names."""

from __future__ import annotations

import pytest

from hiccup.engine.looplag import LoopLag
from hiccup.engine.scheduler import host_key, trustworthy


class FakeMono:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_run_launched_on_time_on_a_free_loop_is_trusted() -> None:
    assert trustworthy(0.05, 0.0, timeout=10, max_lateness=1.0)


def test_a_run_launched_more_than_a_second_late_is_not_trusted() -> None:
    assert not trustworthy(1.5, 0.0, timeout=10, max_lateness=1.0)


def test_a_short_timeout_lowers_the_budget_to_half_of_it() -> None:
    assert trustworthy(0.4, 0.4, timeout=1, max_lateness=1.0)
    assert not trustworthy(0.0, 0.6, timeout=1, max_lateness=1.0)
    assert not trustworthy(0.6, 0.0, timeout=1, max_lateness=1.0)


def test_stalls_count_only_where_they_overlap_the_run() -> None:
    mono = FakeMono()
    lag = LoopLag(mono_clock=mono)
    lag._note(100.0, 100.5)  # stalled 0.5 s
    lag._note(102.0, 102.01)  # within the floor: ordinary timer jitter
    lag._note(103.0, 104.0)
    assert lag.stalled(100.2, 103.5) == pytest.approx(0.3 + 0.5)
    assert lag.stalled(104.5, 110.0) == 0.0
    assert lag.worst == pytest.approx(1.0)


def test_a_stall_still_going_on_when_the_run_ends_counts() -> None:
    mono = FakeMono()
    lag = LoopLag(mono_clock=mono)
    lag._due = 100.1  # the ticking task should have woken here and has not yet
    assert lag.stalled(100.0, 100.9) == pytest.approx(0.8)
    assert lag.stalled(100.0, 100.11) == 0.0  # overdue by less than the floor


@pytest.mark.parametrize(
    ("target", "host"),
    [
        ("https://API.example.net:8443/health?x=1", "api.example.net"),
        ("http://127.0.0.1:8080/", "127.0.0.1"),
        ("mail.example.net:25", "mail.example.net"),
        ("[::1]:53", "::1"),
        ("example.net", "example.net"),
        ("http://[bad", "http://[bad"),
    ],
)
def test_the_host_key_is_the_host_the_target_names(target: str, host: str) -> None:
    assert host_key(target) == host
