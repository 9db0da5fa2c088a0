"""The probe's on-disk queue of results: append-only, bounded, oldest first, removed on receipt.

A small SQLite file (stdlib sqlite3), not JSON-lines segments, because what the queue needs is
exactly what SQLite gives for free: a batch of appends is one atomic transaction (a crash never
leaves half a line), removing an acknowledged batch or the oldest rows is one `DELETE ... WHERE
id <= ?` rather than rewriting segment files, and the rowid keeps insertion order across
restarts. WAL with synchronous=NORMAL survives a killed process; a power cut may lose the last
transaction, which the design allows (at most the last second of results).

The class is synchronous and not thread-safe: `Spool` calls it from one worker thread.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from hiccup.probe.wire import MAX_RESULTS_PER_BATCH, ProbeResult

log = logging.getLogger(__name__)

# Per-row bytes counted on top of the payload: rowid, record header, b-tree cell.
ROW_OVERHEAD = 16
# Far below the server's body limit, so a full batch is never refused for its size.
MAX_BATCH_BYTES = 1024 * 1024

_SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    payload BLOB NOT NULL  -- a ProbeResult as UTF-8 JSON; LENGTH() counts its bytes
);
CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class Batch:
    """The oldest results, up to `last_id`; `dropped` is the overflow count to report with them."""

    last_id: int
    results: list[ProbeResult]
    dropped: int
    unreadable: int = 0  # rows that no longer parse; removed with the batch

    @property
    def empty(self) -> bool:
        return not self.results and not self.dropped and not self.unreadable


class DiskBuffer:
    def __init__(self, path: Path, max_bytes: int) -> None:
        if max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        self.path, self.max_bytes = path, max_bytes
        # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE ... COMMIT).
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        # The WAL is checkpointed every 1000 pages; this keeps the file itself near that size.
        self._db.execute("PRAGMA journal_size_limit=4194304")
        self._db.executescript(_SCHEMA)
        self._count, self._bytes = self._totals()

    def __len__(self) -> int:
        return self._count

    @property
    def used_bytes(self) -> int:
        return self._bytes

    @property
    def dropped(self) -> int:
        """Results discarded for room and not yet reported to a server."""
        return self._counter("dropped")

    def append(self, results: list[ProbeResult]) -> int:
        """Store results after the others; returns how many oldest ones were dropped for room."""
        rows = [(result.model_dump_json().encode(),) for result in results]
        added = sum(len(payload) + ROW_OVERHEAD for (payload,) in rows)
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.executemany("INSERT INTO results (payload) VALUES (?)", rows)
            self._count += len(rows)
            self._bytes += added
            dropped = self._drop_oldest_over_limit()
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            self._count, self._bytes = self._totals()
            raise
        return dropped

    def peek(self, max_results: int = MAX_RESULTS_PER_BATCH) -> Batch:
        """The oldest results (at most `max_results` and about MAX_BATCH_BYTES), not removed."""
        rows = self._db.execute(
            "SELECT id, payload FROM results ORDER BY id LIMIT ?", (max_results,)
        ).fetchall()
        results: list[ProbeResult] = []
        last_id, size, unreadable = 0, 0, 0
        for row_id, payload in rows:
            size += len(payload)
            if results and size > MAX_BATCH_BYTES:
                break
            last_id = row_id
            try:
                results.append(ProbeResult.model_validate_json(payload))
            except ValidationError:
                # Written by another version, or damaged: it can never be sent, so it must not
                # block the results behind it.
                unreadable += 1
        return Batch(last_id, results, self.dropped, unreadable)

    def ack(self, batch: Batch) -> None:
        """The server stored `batch`: remove it and the overflow count it reported."""
        self._remove(batch, reported_dropped=batch.dropped)

    def discard(self, batch: Batch) -> None:
        """The server refused `batch` for good: remove it; its overflow count is sent again."""
        self._remove(batch, reported_dropped=0)

    def close(self) -> None:
        self._db.close()

    def _remove(self, batch: Batch, reported_dropped: int) -> None:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            # Only the removed rows are read: a rowid range, not a scan of the whole queue.
            count, size = self._db.execute(
                "SELECT COUNT(*), COALESCE(SUM(LENGTH(payload)), 0) FROM results WHERE id <= ?",
                (batch.last_id,),
            ).fetchone()
            self._db.execute("DELETE FROM results WHERE id <= ?", (batch.last_id,))
            if reported_dropped:
                self._db.execute(
                    "UPDATE counters SET value = MAX(value - ?, 0) WHERE name = 'dropped'",
                    (reported_dropped,),
                )
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._count -= count
        self._bytes -= size + ROW_OVERHEAD * count

    def _drop_oldest_over_limit(self) -> int:
        excess = self._bytes - self.max_bytes
        if excess <= 0:
            return 0
        cutoff, freed, dropped = 0, 0, 0
        cursor = self._db.execute("SELECT id, LENGTH(payload) FROM results ORDER BY id")
        for row_id, size in cursor:
            cutoff, freed, dropped = row_id, freed + size + ROW_OVERHEAD, dropped + 1
            if freed >= excess:
                break
        cursor.close()
        self._db.execute("DELETE FROM results WHERE id <= ?", (cutoff,))
        self._db.execute(
            "INSERT INTO counters (name, value) VALUES ('dropped', ?) "
            "ON CONFLICT (name) DO UPDATE SET value = value + excluded.value",
            (dropped,),
        )
        self._count -= dropped
        self._bytes -= freed
        return dropped

    def _counter(self, name: str) -> int:
        row = self._db.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
        return int(row[0]) if row else 0

    def _totals(self) -> tuple[int, int]:
        count, size = self._db.execute(
            "SELECT COUNT(*), COALESCE(SUM(LENGTH(payload)), 0) FROM results"
        ).fetchone()
        return int(count), int(size) + ROW_OVERHEAD * int(count)
