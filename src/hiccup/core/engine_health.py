"""How well this process keeps up with its checks, as the admin and the API show it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class EngineHealth:
    monitors: int
    due_per_second: float
    behind_slots: int  # skipped in the last ten minutes: the previous run never got a slot
    unreliable_runs: int  # in the last ten minutes: Hiccup itself was late or stalled
    worst_stall_ms: float  # the longest the event loop stalled since start
    # Several servers: this server's clock minus the database's (None: one server).
    clock_skew_s: float | None = None

    @property
    def keeping_up(self) -> bool:
        return self.behind_slots == 0 and self.unreliable_runs == 0
