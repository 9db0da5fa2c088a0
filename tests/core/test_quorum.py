"""Quorum across probes and the health of each probe."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hiccup.core.quorum import (
    Decision,
    ProbeHealth,
    QuorumPolicy,
    Report,
    decide,
    judge_probe,
)
from hiccup.core.status import Verdict

NOW = datetime(2026, 11, 4, 16, 10, tzinfo=UTC)
POLICY = QuorumPolicy()
OK, BAD, SLOW = Verdict.OK, Verdict.FAILED, Verdict.DEGRADED


def reports(**verdicts: Verdict) -> dict[str, Report]:
    return {probe: Report(probe, v, NOW) for probe, v in verdicts.items()}


def test_a_target_down_for_every_probe_is_down() -> None:
    assert decide(reports(eu=BAD, us=BAD, ap=BAD), {}, NOW, POLICY).verdict is BAD


def test_one_probe_of_three_seeing_it_down_is_not_an_outage() -> None:
    decision = decide(reports(eu=BAD, us=OK, ap=OK), {}, NOW, POLICY)
    assert decision.verdict is OK
    assert decision.lonely == ("eu",)


def test_two_of_three_down_is_a_majority() -> None:
    assert decide(reports(eu=BAD, us=BAD, ap=OK), {}, NOW, POLICY).verdict is BAD


def test_slow_answers_from_a_majority_are_degraded() -> None:
    assert decide(reports(eu=SLOW, us=BAD, ap=OK), {}, NOW, POLICY).verdict is SLOW


def test_stale_reports_do_not_vote() -> None:
    latest = reports(eu=BAD, us=OK)
    latest["eu"] = Report("eu", BAD, NOW - timedelta(minutes=5))
    decision = decide(latest, {}, NOW, POLICY)
    assert decision.voters == ("us",)
    assert decision.verdict is OK


def test_nobody_reporting_decides_nothing() -> None:
    assert decide({}, {}, NOW, POLICY) == Decision(None, (), ())


def test_a_persistently_lonely_probe_is_flagged_and_heals_after_agreeing() -> None:
    health, lonely = ProbeHealth(), Decision(OK, ("ap", "eu", "us"), ("eu",))
    for _ in range(POLICY.lonely_rounds):
        health = judge_probe(health, "eu", lonely, NOW, NOW, POLICY)
    assert not health.healthy
    assert health.reason == "disagrees with every other probe"
    agreeing = Decision(OK, ("ap", "us"), ())
    for _ in range(POLICY.healing_rounds - 1):
        health = judge_probe(health, "eu", agreeing, NOW, NOW, POLICY)
        assert not health.healthy
    assert judge_probe(health, "eu", agreeing, NOW, NOW, POLICY).healthy


def test_a_silent_probe_is_flagged() -> None:
    quiet = judge_probe(
        ProbeHealth(), "eu", Decision(OK, (), ()), NOW - timedelta(minutes=10), NOW, POLICY
    )
    assert quiet == ProbeHealth(False, 0, 0, "no results recently")


def test_an_unhealthy_probe_does_not_vote() -> None:
    health = {"eu": ProbeHealth(healthy=False, reason="disagrees with every other probe")}
    assert decide(reports(eu=BAD, us=OK), health, NOW, POLICY).voters == ("us",)


votes = st.dictionaries(
    st.sampled_from(["a", "b", "c", "d", "e"]), st.sampled_from(list(Verdict)), min_size=1
)


@given(votes)
def test_down_needs_more_than_half_of_the_voters(verdicts: dict[str, Verdict]) -> None:
    decision = decide(reports(**verdicts), {}, NOW, POLICY)
    failed = sum(v is BAD for v in verdicts.values())
    assert (decision.verdict is BAD) == (failed * 2 > len(verdicts))


@given(votes)
def test_a_unanimous_vote_is_never_lonely(verdicts: dict[str, Verdict]) -> None:
    same = dict.fromkeys(verdicts, next(iter(verdicts.values())))
    decision = decide(reports(**same), {}, NOW, POLICY)
    assert decision.lonely == ()
    assert decision.verdict is next(iter(same.values()))
