"""Rounds of probe reports: one detector step per round, lonely and silent probes flagged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hiccup.core.quorum import QuorumPolicy, Report, policy_for
from hiccup.core.rounds import Outcome, Votes, vote
from hiccup.core.status import Verdict

START = datetime(2026, 11, 4, 16, 10, tzinfo=UTC)
INTERVAL = timedelta(seconds=10)
POLICY = policy_for("majority", INTERVAL)
OK, BAD = Verdict.OK, Verdict.FAILED
OFFSETS = {"eu": 1.0, "us": 4.0, "ap": 7.0}  # each probe's stable place in the interval


def run(
    rounds: int, verdict_of: dict[str, Verdict], silent_from: dict[str, int] | None = None
) -> tuple[Votes, list[Outcome]]:
    votes, outcomes = Votes(), list[Outcome]()
    for n in range(rounds):
        for probe, offset in OFFSETS.items():
            if n >= (silent_from or {}).get(probe, rounds):
                continue
            at = START + n * INTERVAL + timedelta(seconds=offset)
            outcome = vote(votes, Report(probe, verdict_of[probe], at), INTERVAL, POLICY)
            votes = outcome.votes
            outcomes.append(outcome)
    return votes, outcomes


def steps(outcomes: list[Outcome]) -> list[tuple[Verdict, datetime]]:
    return [s for o in outcomes for s in o.steps]


def test_one_step_per_round_when_every_probe_reports() -> None:
    _, outcomes = run(6, {"eu": BAD, "us": BAD, "ap": BAD})
    assert [v for v, _ in steps(outcomes)] == [BAD] * 6
    # The first round is closed by the next; later ones as soon as their last probe reported.
    assert steps(outcomes)[0][1] == START + timedelta(seconds=7)
    assert steps(outcomes)[1][1] == START + INTERVAL + timedelta(seconds=7)


def test_a_lonely_probe_outvoted_and_then_flagged() -> None:
    votes, outcomes = run(8, {"eu": BAD, "us": OK, "ap": OK})
    assert {v for v, _ in steps(outcomes)} == {OK}
    changes = [c for o in outcomes for c in o.changes]
    assert [(c.probe, c.health.healthy) for c in changes] == [("eu", False)]
    assert changes[0].health.reason == "disagrees with every other probe"
    assert not votes.health["eu"].healthy


def test_a_silent_probe_does_not_hold_rounds_back_and_is_flagged() -> None:
    _, outcomes = run(12, {"eu": OK, "us": OK, "ap": OK}, silent_from={"ap": 3})
    assert len(steps(outcomes)) >= 11  # every round still decided
    changes = [c for o in outcomes for c in o.changes]
    assert [(c.probe, c.health.reason) for c in changes] == [("ap", "no results recently")]


def test_a_retried_report_changes_nothing() -> None:
    report = Report("eu", BAD, START)
    first = vote(Votes(), report, INTERVAL, POLICY)
    again = vote(first.votes, report, INTERVAL, POLICY)
    assert again.steps == ()
    assert again.votes == first.votes


def test_quorum_all_needs_every_voter() -> None:
    policy = policy_for("all", INTERVAL)
    votes, taken = Votes(), list[Verdict]()
    for n in range(3):
        for probe, verdict in (("eu", BAD), ("us", BAD), ("ap", OK)):
            at = START + n * INTERVAL + timedelta(seconds=OFFSETS[probe])
            outcome = vote(votes, Report(probe, verdict, at), INTERVAL, policy)
            votes, taken = outcome.votes, taken + [v for v, _ in outcome.steps]
    assert taken == [OK, OK, OK]
    majority = policy_for("majority", INTERVAL)
    assert vote(Votes(), Report("eu", BAD, START), INTERVAL, majority).steps == ()


@given(
    st.lists(
        st.tuples(st.sampled_from(["eu", "us", "ap"]), st.integers(0, 600), st.booleans()),
        max_size=60,
    )
)
def test_steps_never_go_back_in_time_and_rounds_step_at_most_once(
    reports: list[tuple[str, int, bool]],
) -> None:
    votes, taken = Votes(), list[tuple[Verdict, datetime]]()
    policy = QuorumPolicy(fresh_for=timedelta(seconds=30))
    for probe, second, good in reports:
        at = START + timedelta(seconds=second)
        outcome = vote(votes, Report(probe, OK if good else BAD, at), INTERVAL, policy)
        votes = outcome.votes
        taken.extend(outcome.steps)
    times = [at for _, at in taken]
    assert times == sorted(times)
    rounds = [(at - START) // INTERVAL for at in times]
    assert len(rounds) == len(set(rounds))
