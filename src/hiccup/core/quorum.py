"""Quorum across probes: a target is down only when enough of the places that see it agree.

The cure for false alarms caused by one probe's own network: a probe that disagrees with every
other probe for long, or stops reporting, is flagged unhealthy and left out of the vote; it is
never reported as an outage of the target.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from fractions import Fraction

from hiccup.core.status import Verdict


@dataclass(frozen=True, slots=True)
class QuorumPolicy:
    share: Fraction = Fraction(1, 2)  # more than this share must agree on "down"
    inclusive: bool = False  # True: "at least this share" (quorum: 0.66, quorum: all)
    fresh_for: timedelta = timedelta(minutes=2)  # older reports are not counted
    lonely_rounds: int = 5  # disagreeing alone this many rounds in a row makes a probe unhealthy
    healing_rounds: int = 3  # agreeing this many rounds in a row makes it healthy again


@dataclass(frozen=True, slots=True)
class Report:
    probe: str
    verdict: Verdict
    at: datetime
    latency_ms: float | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: Verdict | None  # None: no healthy probe reported recently
    voters: tuple[str, ...]
    lonely: tuple[str, ...]  # probes that disagreed while every other voter agreed


@dataclass(frozen=True, slots=True)
class ProbeHealth:
    healthy: bool = True
    lonely_streak: int = 0
    agree_streak: int = 0
    reason: str | None = None


def _reaches(count: int, total: int, policy: QuorumPolicy) -> bool:
    part = Fraction(count, total)
    return count > 0 and (part >= policy.share if policy.inclusive else part > policy.share)


def _majority(votes: Sequence[Verdict], policy: QuorumPolicy) -> Verdict:
    failed = sum(v is Verdict.FAILED for v in votes)
    not_ok = sum(v is not Verdict.OK for v in votes)
    if _reaches(failed, len(votes), policy):
        return Verdict.FAILED
    if _reaches(not_ok, len(votes), policy):
        return Verdict.DEGRADED
    return Verdict.OK


def _lonely(reports: Sequence[Report]) -> tuple[str, ...]:
    """With three or more voters, one that alone differs from a unanimous rest is lonely."""
    if len(reports) < 3:
        return ()
    alone = []
    for report in reports:
        others = {r.verdict for r in reports if r is not report}
        if len(others) == 1 and report.verdict not in others:
            alone.append(report.probe)
    return tuple(alone)


def decide(
    latest: Mapping[str, Report],
    health: Mapping[str, ProbeHealth],
    now: datetime,
    policy: QuorumPolicy,
) -> Decision:
    """The verdict of the healthy probes that reported recently."""
    fresh = [r for r in latest.values() if now - r.at <= policy.fresh_for]
    voters = [r for r in fresh if health.get(r.probe, ProbeHealth()).healthy]
    lonely = _lonely(fresh)
    if not voters:
        return Decision(None, (), lonely)
    verdict = _majority([r.verdict for r in voters], policy)
    return Decision(verdict, tuple(sorted(r.probe for r in voters)), lonely)


def judge_probe(
    health: ProbeHealth,
    probe: str,
    decision: Decision,
    last_seen: datetime | None,
    now: datetime,
    policy: QuorumPolicy,
) -> ProbeHealth:
    """Update one probe's health after a round: silent or persistently lonely probes are flagged."""
    if last_seen is None or now - last_seen > policy.fresh_for:
        return ProbeHealth(False, 0, 0, "no results recently")
    if probe in decision.lonely:
        streak = health.lonely_streak + 1
        if streak >= policy.lonely_rounds:
            return ProbeHealth(False, streak, 0, "disagrees with every other probe")
        return replace(health, lonely_streak=streak, agree_streak=0)
    agree = health.agree_streak + 1
    if (
        not health.healthy
        and agree < policy.healing_rounds
        and health.reason != "no results recently"
    ):
        return replace(health, lonely_streak=0, agree_streak=agree)
    return ProbeHealth(True, 0, agree, None)


QUORUM_WORDS: dict[str, tuple[Fraction, bool]] = {
    "majority": (Fraction(1, 2), False),
    "any": (Fraction(0), False),
    "all": (Fraction(1), True),
}


def parse_quorum(text: str) -> tuple[Fraction, bool]:
    """`majority`, `any`, `all`, or a share such as `0.66` ("at least two thirds")."""
    if text in QUORUM_WORDS:
        return QUORUM_WORDS[text]
    try:
        share = Fraction(text).limit_denominator(1000)
    except (ValueError, ZeroDivisionError):
        raise ValueError(
            f"quorum must be majority, any, all or a share like 0.66, not {text!r}"
        ) from None
    if not 0 < share <= 1:
        raise ValueError(f"quorum share must be above 0 and at most 1, not {text}")
    return share, True


def policy_for(quorum: str, interval: timedelta) -> QuorumPolicy:
    """A report counts for three intervals (at least 15 s, for uploads in flight): a probe that
    missed one or two runs still votes; one silent for longer is left out and flagged."""
    share, inclusive = parse_quorum(quorum)
    return QuorumPolicy(share, inclusive, max(interval * 3, timedelta(seconds=15)))
