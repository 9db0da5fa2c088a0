"""A real server that loses its database logs one line per failing part, a shared summary of
the repeats per interval and one line per recovery: the log grows with the outage's length over
the summary interval, never with the retries (it was 75,000 lines for three minutes)."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.support.outage_helpers import serve_on_postgres

pytestmark = pytest.mark.postgres

OUTAGE = 15.0  # seconds the database is stopped
EVERY = 2.5  # HICCUP_LOG_SUMMARY_SECONDS for this server
# Lines that do not grow with the outage: each failing part's first line and its recovery,
# duties stopped and started again. A refused connection gets no traceback.
FIXED = 45
DEFAULT_EVERY, THREE_MINUTES = 60.0, 180.0


def bound(outage: float, every: float) -> float:
    """The most lines an outage of `outage` seconds may write."""
    return FIXED + outage / every + 1


def fresh_page(base: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while "Showing the last known status" in httpx.get(base + "/").text:
        assert time.monotonic() < deadline, "the page did not come back"
        time.sleep(0.5)


def test_a_database_outage_logs_lines_per_summary_interval_not_per_retry(
    tmp_path: Path,
) -> None:
    with serve_on_postgres(tmp_path, HICCUP_LOG_SUMMARY_SECONDS=str(EVERY)) as served:
        time.sleep(2)  # the first checks stored: a running server, not one starting up
        before = served.log_size()
        served.database.stop()
        time.sleep(OUTAGE)
        served.database.start()
        fresh_page(served.base)
        time.sleep(5)  # every loop's next try succeeds and says it recovered
        lines = served.log_since(before)
    summaries = [line for line in lines if "still failing: " in line]
    report = "\n".join(lines)
    assert OUTAGE / EVERY - 2 <= len(summaries) <= OUTAGE / EVERY + 1, report
    assert len(lines) - len(summaries) <= FIXED, report
    assert len(lines) <= bound(OUTAGE, EVERY), report
    assert not [line for line in lines if line.startswith("Traceback")], report
    assert bound(THREE_MINUTES, DEFAULT_EVERY) < 50
