"""A part failing over and over logs one line when it starts, one summary of its repeats per
interval shared with the other failing parts, one line when it recovers; a traceback once."""

from __future__ import annotations

import logging

import pytest

from hiccup.core.logs import QuietLog, Repeats, brief, summary_seconds_from_env

LOG = logging.getLogger("tests.quiet")


class Ticks:
    """A manual monotonic clock."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ticks() -> Ticks:
    return Ticks()


@pytest.fixture
def hub(ticks: Ticks) -> QuietLog:
    return QuietLog(60, clock=ticks)


def lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records]


def fail_every_second(parts: list[Repeats], ticks: Ticks, seconds: int) -> None:
    for _ in range(seconds):
        ticks.now += 1
        for part in parts:
            part.failed(ConnectionRefusedError(111, "Connection refused"))


def test_it_logs_the_start_with_its_traceback_and_stays_quiet_until_the_summary(
    caplog: pytest.LogCaptureFixture, ticks: Ticks, hub: QuietLog
) -> None:
    caplog.set_level(logging.INFO)
    recorder = Repeats(LOG, "could not store results", hub=hub)
    fail_every_second([recorder], ticks, 59)
    assert lines(caplog) == [
        "could not store results: ConnectionRefusedError: [Errno 111] Connection refused"
    ]
    assert caplog.records[0].exc_info is not None
    assert caplog.records[0].levelno == logging.ERROR


def test_repeats_are_summed_up_once_per_interval_for_all_failing_parts(
    caplog: pytest.LogCaptureFixture, ticks: Ticks, hub: QuietLog
) -> None:
    caplog.set_level(logging.INFO)
    parts = [Repeats(LOG, name, hub=hub) for name in ("recorder", "status", "snapshot")]
    fail_every_second(parts, ticks, 181)
    said = lines(caplog)
    summaries = [line for line in said if line.startswith("still failing")]
    assert len(said) == 3 + 3
    assert len(summaries) == 3
    assert "recorder (59 more, latest: ConnectionRefusedError" in summaries[0]
    assert "status (59 more" in summaries[0]
    assert "snapshot (59 more" in summaries[0]
    assert "recorder (60 more" in summaries[1]
    assert "snapshot (60 more" in summaries[2]


def test_a_recovery_is_one_line_and_the_next_outage_starts_without_a_traceback(
    caplog: pytest.LogCaptureFixture, ticks: Ticks, hub: QuietLog
) -> None:
    caplog.set_level(logging.INFO)
    part = Repeats(LOG, "status service could not process events", hub=hub)
    fail_every_second([part], ticks, 30)
    part.recovered()
    part.recovered()  # every good pass says so; only the first after failures is news
    fail_every_second([part], ticks, 1)
    said = lines(caplog)
    assert said[1] == "status service could not process events: recovered after 29 s (30 failures)"
    assert len(said) == 3
    assert caplog.records[2].exc_info is None, "the traceback was shown once already"


def test_an_expected_error_is_told_without_a_traceback(
    caplog: pytest.LogCaptureFixture, ticks: Ticks, hub: QuietLog
) -> None:
    caplog.set_level(logging.INFO)
    hub.expected = lambda error: isinstance(error, ConnectionError)
    refused, buggy = Repeats(LOG, "refused", hub=hub), Repeats(LOG, "buggy", hub=hub)
    refused.failed(ConnectionRefusedError(111, "Connection refused"))
    buggy.failed(KeyError("monitor"))
    assert caplog.records[0].exc_info is None
    assert caplog.records[1].exc_info is not None


def test_a_part_without_good_tries_starts_anew_after_a_quiet_interval(
    caplog: pytest.LogCaptureFixture, ticks: Ticks, hub: QuietLog
) -> None:
    caplog.set_level(logging.INFO)
    requests = Repeats(LOG, "requests failed", hub=hub, lapses=True)
    fail_every_second([requests], ticks, 30)
    ticks.now += 120  # the database came back; nothing failed for two intervals
    fail_every_second([requests], ticks, 1)
    assert (
        lines(caplog)
        == ["requests failed: ConnectionRefusedError: [Errno 111] Connection refused"] * 2
    )


def test_a_part_that_recovered_is_left_out_of_the_summary(
    caplog: pytest.LogCaptureFixture, ticks: Ticks, hub: QuietLog
) -> None:
    caplog.set_level(logging.INFO)
    recorder, status = Repeats(LOG, "recorder", hub=hub), Repeats(LOG, "status", hub=hub)
    fail_every_second([recorder, status], ticks, 10)
    status.recovered()
    fail_every_second([recorder], ticks, 55)
    [summary] = [line for line in lines(caplog) if line.startswith("still failing")]
    assert "status" not in summary
    assert "recorder (59 more" in summary


def test_the_line_count_grows_with_the_outage_over_the_interval_not_with_the_retries(
    caplog: pytest.LogCaptureFixture, ticks: Ticks
) -> None:
    caplog.set_level(logging.INFO)
    hub = QuietLog(10, clock=ticks)
    parts = [Repeats(LOG, f"part {n}", hub=hub) for n in range(8)]
    for _ in range(600):  # ten retries a second for a minute
        ticks.now += 0.1
        for part in parts:
            part.failed("database is away")
    for part in parts:
        part.recovered()
    assert len(lines(caplog)) <= 2 * len(parts) + 60 // 10 + 1


def test_errors_are_told_on_one_bounded_line() -> None:
    long = RuntimeError("x" * 1000 + "\n(Background on this error at: https://sqlalche.me/e/20)")
    assert len(brief(long)) == 300
    assert brief(OSError("disk full\nmore")) == "OSError: disk full"
    assert brief("as said") == "as said"


def test_the_summary_interval_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HICCUP_LOG_SUMMARY_SECONDS", "10")
    assert summary_seconds_from_env() == 10
    monkeypatch.setenv("HICCUP_LOG_SUMMARY_SECONDS", "0")
    with pytest.raises(ValueError, match="between 1 and 86400"):
        summary_seconds_from_env()
    monkeypatch.delenv("HICCUP_LOG_SUMMARY_SECONDS")
    assert summary_seconds_from_env() == 60
