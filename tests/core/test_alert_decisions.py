"""Alert rules, pure: fire once per trouble, remember it, remind on a deadline, fold children
of a down parent, and say it in one line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hiccup.core.alert_rules import (
    AlertEvent,
    Parent,
    Phase,
    Rule,
    Triggered,
    decide,
    on_deadline,
    wording,
)
from hiccup.core.status import MonitorState

NOW = datetime(2026, 11, 4, 16, 10, tzinfo=UTC)
RULE = Rule("r1", ("ops",), frozenset({"down", "recovery"}), timedelta(minutes=30))
DOWN, UP, DEGRADED = MonitorState.DOWN, MonitorState.UP, MonitorState.DEGRADED


def test_it_fires_on_down_and_schedules_the_first_reminder() -> None:
    decision = decide(RULE, None, DOWN, None, NOW)
    assert decision.send is AlertEvent.DOWN
    assert decision.state == Triggered(DOWN, Phase.SENT, NOW, due_at=NOW + timedelta(minutes=30))


def test_it_does_not_fire_twice_for_the_same_trouble() -> None:
    held = decide(RULE, None, DOWN, None, NOW).state
    again = decide(RULE, held, DOWN, None, NOW + timedelta(seconds=5))
    assert again.send is None
    assert again.state == held


def test_it_ignores_events_the_rule_does_not_ask_for() -> None:
    assert decide(RULE, None, DEGRADED, None, NOW).send is None
    assert decide(RULE, None, DEGRADED, None, NOW).state is None


def test_recovery_is_sent_only_after_trouble_was_told() -> None:
    assert decide(RULE, None, UP, None, NOW).send is None
    held = decide(RULE, None, DOWN, None, NOW).state
    recovered = decide(RULE, held, UP, None, NOW)
    assert recovered.send is AlertEvent.RECOVERY
    assert recovered.state is None


def test_a_child_of_a_down_parent_is_held_not_sent() -> None:
    decision = decide(RULE, None, DOWN, Parent("flexo", down=True), NOW)
    assert decision.send is None
    assert decision.state is not None
    assert decision.state.phase is Phase.HELD
    assert decision.state.held_by == "flexo"
    assert decision.state.due_at is None


def test_a_child_of_a_failing_parent_waits_until_the_parents_deadline() -> None:
    until = NOW + timedelta(minutes=2)
    decision = decide(RULE, None, DOWN, Parent("flexo", down=False, suspect_until=until), NOW)
    assert decision.send is None
    assert decision.state is not None
    assert decision.state.due_at == until
    released = on_deadline(RULE, decision.state, parent_down=False, now=until)
    assert released.send is AlertEvent.DOWN
    assert released.state is not None
    assert released.state.phase is Phase.SENT
    folded = on_deadline(RULE, decision.state, parent_down=True, now=until)
    assert folded.send is None
    assert folded.state is not None
    assert folded.state.due_at is None


def test_a_told_child_recovering_under_a_down_parent_is_folded() -> None:
    held = decide(RULE, None, DOWN, None, NOW).state
    decision = decide(RULE, held, UP, Parent("flexo", down=True), NOW)
    assert decision.send is None
    assert decision.state is not None
    assert decision.state.phase is Phase.FOLDED_UP


def test_a_reminder_counts_and_moves_the_deadline() -> None:
    held = decide(RULE, None, DOWN, None, NOW).state
    assert held is not None
    assert held.due_at is not None
    reminded = on_deadline(RULE, held, parent_down=False, now=held.due_at)
    assert reminded.send is AlertEvent.REMINDER
    assert reminded.state is not None
    assert reminded.state.reminders == 1
    assert reminded.state.due_at == held.due_at + timedelta(minutes=30)


def test_the_parents_alert_names_the_children() -> None:
    headline, summary = wording(
        AlertEvent.DOWN,
        "flexo",
        DOWN,
        also_affected=["flexo website", "flexo mail"],
        also_recovered=[],
        still_down=[],
    )
    assert summary == "flexo is down — also affected: flexo website, flexo mail"
    assert headline == "DOWN: flexo — also affected: flexo website, flexo mail"


def test_recovery_and_reminders_say_for_how_long() -> None:
    _, up = wording(
        AlertEvent.RECOVERY,
        "flexo",
        UP,
        also_affected=[],
        also_recovered=[],
        still_down=[],
        lasted=timedelta(minutes=24),
    )
    assert up == "flexo is up again after 24 minutes"
    headline, still = wording(
        AlertEvent.REMINDER,
        "flexo",
        DOWN,
        also_affected=[],
        also_recovered=[],
        still_down=[],
        lasted=timedelta(minutes=30),
    )
    assert headline == "STILL DOWN: flexo"
    assert still == "flexo is still down for 30 minutes"
