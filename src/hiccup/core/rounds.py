"""Rounds of reports from several probes, and the one detector step each round yields.

Each probe runs a monitor once per interval, at its own offset. A round is one interval-long
bucket of reports: it is decided as soon as every probe expected to vote has reported in it, or
when the first report of a later round shows it is over (the laggards are left out). Stepping
the detector once per round, not once per report, keeps `failure_threshold` meaning "rounds",
whatever the number of probes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from hiccup.core.quorum import Decision, ProbeHealth, QuorumPolicy, Report, decide, judge_probe
from hiccup.core.status import Verdict

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Votes:
    """What one monitor's quorum remembers: the latest report and the health of each probe,
    and the round being collected (kept in memory only; a restart just starts a new round)."""

    latest: Mapping[str, Report] = field(default_factory=dict)
    health: Mapping[str, ProbeHealth] = field(default_factory=dict)
    round: int | None = None
    round_probes: frozenset[str] = frozenset()
    round_at: datetime | None = None  # the newest report of the open round
    decided: int | None = None


@dataclass(frozen=True, slots=True)
class HealthChange:
    probe: str
    health: ProbeHealth
    at: datetime


@dataclass(frozen=True, slots=True)
class Outcome:
    votes: Votes
    steps: tuple[tuple[Verdict, datetime], ...] = ()  # verdicts for the detector, in order
    changes: tuple[HealthChange, ...] = ()  # probes that turned healthy or unhealthy


def bucket(at: datetime, interval: timedelta) -> int:
    return (at - _EPOCH) // interval


def _expected(votes: Votes, now: datetime, policy: QuorumPolicy) -> set[str]:
    return {
        probe
        for probe, report in votes.latest.items()
        if now - report.at <= policy.fresh_for and votes.health.get(probe, ProbeHealth()).healthy
    }


def _judge(votes: Votes, decision: Decision, now: datetime, policy: QuorumPolicy) -> Outcome:
    health, changes = dict(votes.health), []
    for probe, report in votes.latest.items():
        before = votes.health.get(probe, ProbeHealth())
        after = judge_probe(before, probe, decision, report.at, now, policy)
        health[probe] = after
        if after.healthy != before.healthy:
            changes.append(HealthChange(probe, after, now))
    steps = () if decision.verdict is None else ((decision.verdict, now),)
    return Outcome(replace(votes, health=health), steps, tuple(changes))


def _close(votes: Votes, now: datetime, policy: QuorumPolicy) -> Outcome:
    """Decide the open round with the latest reports as they stand at `now`."""
    decision = decide(votes.latest, votes.health, now, policy)
    outcome = _judge(votes, decision, now, policy)
    closed = replace(
        outcome.votes, decided=votes.round, round=None, round_probes=frozenset(), round_at=None
    )
    return replace(outcome, votes=closed)


def _merge(first: Outcome, second: Outcome) -> Outcome:
    return Outcome(second.votes, first.steps + second.steps, first.changes + second.changes)


def vote(votes: Votes, report: Report, interval: timedelta, policy: QuorumPolicy) -> Outcome:
    """Take one report; returns the new memory and any decided steps and health changes."""
    current = votes.latest.get(report.probe)
    if current is not None and current.at >= report.at:
        return Outcome(votes)  # a retried or out-of-order upload: history only
    number = bucket(report.at, interval)
    done = Outcome(votes)
    if votes.round is not None and number > votes.round:
        assert votes.round_at is not None
        done = _close(votes, votes.round_at, policy)  # without the next round's report
    votes = replace(done.votes, latest={**done.votes.latest, report.probe: report})
    if votes.decided is not None and number <= votes.decided:
        return replace(done, votes=votes)  # a laggard of a round already decided
    if votes.round is None:
        votes = replace(votes, round=number, round_probes=frozenset(), round_at=None)
    at = max(report.at, votes.round_at or report.at)
    votes = replace(votes, round_probes=votes.round_probes | {report.probe}, round_at=at)
    done = replace(done, votes=votes)
    # The very first round waits for the next one: until then, who votes is not known yet.
    if votes.decided is not None and _expected(votes, at, policy) <= votes.round_probes:
        done = _merge(done, _close(votes, at, policy))
    return done
