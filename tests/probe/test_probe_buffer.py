"""The probe's disk buffer: bounded, oldest first, removed only on the server's receipt."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hiccup.probe import buffer as buffer_module
from hiccup.probe.buffer import ROW_OVERHEAD, DiskBuffer
from hiccup.probe.wire import ProbeResult

START = datetime(2026, 5, 22, 16, 10, tzinfo=UTC)


def results(count: int, first: int = 0, error: str | None = None) -> list[ProbeResult]:
    return [
        ProbeResult(
            monitor_id="m1", at=START + timedelta(seconds=i), ok=True, latency_ms=12.5, error=error
        )
        for i in range(first, first + count)
    ]


def seconds(batch: list[ProbeResult]) -> list[int]:
    return [int((result.at - START).total_seconds()) for result in batch]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "results.sqlite3"


@pytest.fixture
def opened(path: Path) -> Iterator[Callable[[int], DiskBuffer]]:
    """Open the buffer at `path` with a byte bound; closed after the test."""
    buffers: list[DiskBuffer] = []

    def open_buffer(max_bytes: int) -> DiskBuffer:
        buffers.append(DiskBuffer(path, max_bytes))
        return buffers[-1]

    yield open_buffer
    for buffer in buffers:
        buffer.close()


def test_it_hands_out_the_oldest_results_first_in_bounded_batches(
    opened: Callable[[int], DiskBuffer],
) -> None:
    buffer = opened(10**8)
    buffer.append(results(1500))
    buffer.append(results(1000, first=1500))
    first = buffer.peek(1000)
    assert seconds(first.results) == list(range(1000))
    buffer.ack(first)
    second = buffer.peek(1000)
    assert seconds(second.results) == list(range(1000, 2000))
    buffer.ack(second)
    assert seconds(buffer.peek(1000).results) == list(range(2000, 2500))
    assert len(buffer) == 500


def test_it_keeps_a_batch_until_the_server_acknowledges_it(
    opened: Callable[[int], DiskBuffer],
) -> None:
    buffer = opened(10**8)
    buffer.append(results(10))
    assert seconds(buffer.peek(4).results) == [0, 1, 2, 3]
    # No receipt (the upload failed, or the agent crashed): the same batch comes again.
    assert seconds(buffer.peek(4).results) == [0, 1, 2, 3]
    assert len(buffer) == 10


def test_it_drops_the_oldest_when_full_and_counts_them(opened: Callable[[int], DiskBuffer]) -> None:
    one = len(results(1)[0].model_dump_json()) + ROW_OVERHEAD
    buffer = opened(one * 100)
    dropped = buffer.append(results(60)) + buffer.append(results(60, first=60))
    assert dropped == 20
    assert len(buffer) == 100
    assert buffer.used_bytes <= buffer.max_bytes
    batch = buffer.peek(1000)
    assert seconds(batch.results) == list(range(20, 120))
    assert batch.dropped == 20  # told to the server with the next batch
    buffer.ack(batch)
    assert buffer.dropped == 0
    assert len(buffer) == 0


def test_drops_during_an_upload_are_reported_with_the_next_batch(
    opened: Callable[[int], DiskBuffer],
) -> None:
    one = len(results(1)[0].model_dump_json()) + ROW_OVERHEAD
    buffer = opened(one * 10)
    buffer.append(results(12))
    in_flight = buffer.peek(5)
    assert in_flight.dropped == 2
    buffer.append(results(3, first=12))  # three more dropped while the batch is on its way
    buffer.ack(in_flight)
    assert buffer.dropped == 3
    assert seconds(buffer.peek(1000).results) == [7, 8, 9, 10, 11, 12, 13, 14]


def test_a_refused_batch_is_removed_but_its_drop_count_is_sent_again(
    opened: Callable[[int], DiskBuffer],
) -> None:
    one = len(results(1)[0].model_dump_json()) + ROW_OVERHEAD
    buffer = opened(one * 10)
    buffer.append(results(11))
    refused = buffer.peek(4)
    buffer.discard(refused)
    following = buffer.peek(1000)
    assert seconds(following.results) == [5, 6, 7, 8, 9, 10]
    assert following.dropped == 1


def test_it_survives_closing_and_reopening(opened: Callable[[int], DiskBuffer]) -> None:
    one = len(results(1)[0].model_dump_json()) + ROW_OVERHEAD
    buffer = opened(one * 50)
    buffer.append(results(55))
    buffer.ack(buffer.peek(10))
    buffer.close()
    reopened = opened(one * 50)
    assert len(reopened) == 40
    assert reopened.used_bytes == 40 * one
    batch = reopened.peek(1000)
    assert seconds(batch.results) == list(range(15, 55))
    assert batch.dropped == 0  # reported with the acknowledged batch
    reopened.append(results(20, first=55))
    assert reopened.dropped == 10


def test_a_result_that_no_longer_parses_does_not_block_the_queue(
    path: Path, opened: Callable[[int], DiskBuffer]
) -> None:
    opened(10**8).append(results(2))
    raw = sqlite3.connect(path)
    raw.execute("INSERT INTO results (payload) VALUES (?)", (b'{"monitor_id": ""}',))
    raw.commit()
    raw.close()
    buffer = opened(10**8)
    buffer.append(results(2, first=2))
    batch = buffer.peek(1000)
    assert seconds(batch.results) == [0, 1, 2, 3]
    assert batch.unreadable == 1
    buffer.ack(batch)
    assert len(buffer) == 0


def test_a_batch_stays_far_below_the_servers_body_limit(
    opened: Callable[[int], DiskBuffer], monkeypatch: pytest.MonkeyPatch
) -> None:
    one = len(results(1, error="x" * 500)[0].model_dump_json())
    monkeypatch.setattr(buffer_module, "MAX_BATCH_BYTES", one * 30 + 1)
    buffer = opened(10**8)
    buffer.append(results(100, error="x" * 500))
    assert len(buffer.peek(1000).results) == 30
