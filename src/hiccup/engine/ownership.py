"""Which monitors this server runs and judges.

With one server (SQLite, or PostgreSQL without peers) it owns every monitor. With several
servers on PostgreSQL each owns the monitors whose lease it holds; results that arrive at a
server for a monitor it does not own (a heartbeat ping, a probe upload) are handed to the owner
through the database, so each monitor's detector steps in exactly one place.
"""

from __future__ import annotations

from typing import Protocol


class Ownership(Protocol):
    def holds(self, monitor_id: str) -> bool: ...


class OwnsEverything:
    """The single-server case."""

    def holds(self, monitor_id: str) -> bool:
        return True
