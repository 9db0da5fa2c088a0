"""The quorum of each monitor that runs in several places, between reports and the detector.

Every report (the server's own check, a probe's upload) is a vote; each decided round becomes
one detector step. Votes and probe-health changes are written with the recorder's batch, in the
same transaction as the steps they caused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from hiccup.core.monitors import MonitorSpec
from hiccup.core.quorum import Report, policy_for
from hiccup.core.rounds import HealthChange, Votes, vote
from hiccup.core.status import Verdict
from hiccup.notify.probe_alerts import alert_probe_flips
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.probe_health import record_health_changes
from hiccup.store.probe_results import save_votes


@dataclass
class Unsaved:
    monitors: set[str] = field(default_factory=set)
    changes: list[tuple[str, HealthChange]] = field(default_factory=list)

    def only(self, allowed: set[str]) -> Unsaved:
        """What concerns these monitors (the ones this server still holds the lease of)."""
        kept = [(m, change) for m, change in self.changes if m in allowed]
        return Unsaved(self.monitors & allowed, kept)


class Quorums:
    def __init__(self, votes: dict[str, Votes] | None = None) -> None:
        self._votes: dict[str, Votes] = votes or {}
        self._regions: dict[str, str] = {}
        self._unsaved = Unsaved()

    def adopt(self, votes: dict[str, Votes]) -> None:
        """Continue from the stored memory of monitors this server has just taken over."""
        self._votes.update(votes)

    def votes_of(self, monitor_id: str) -> Votes:
        return self._votes.get(monitor_id, Votes())

    def report(
        self, spec: MonitorSpec, report: Report, region: str
    ) -> tuple[tuple[Verdict, datetime], ...]:
        """Count one vote; returns the detector steps it decided (usually none or one)."""
        policy = policy_for(spec.quorum, spec.interval)
        outcome = vote(self.votes_of(spec.id), report, spec.interval, policy)
        if outcome.votes is self.votes_of(spec.id):
            return ()
        self._votes[spec.id] = outcome.votes
        self._regions[report.probe] = region
        self._unsaved.monitors.add(spec.id)
        self._unsaved.changes.extend((spec.id, change) for change in outcome.changes)
        return outcome.steps

    def has_unsaved(self) -> bool:
        return bool(self._unsaved.monitors)

    def take(self) -> Unsaved:
        unsaved, self._unsaved = self._unsaved, Unsaved()
        return unsaved

    def put_back(self, unsaved: Unsaved) -> None:
        """The batch did not commit: write these with the next one."""
        self._unsaved.monitors |= unsaved.monitors
        self._unsaved.changes[:0] = unsaved.changes

    async def write(self, conn: AsyncConnection, unsaved: Unsaved, now: datetime) -> None:
        changed = [(m, self._votes[m]) for m in unsaved.monitors if m in self._votes]
        await save_votes(conn, changed, self._regions)
        await alert_probe_flips(conn, await record_health_changes(conn, unsaved.changes), now)
