"""Alert decisions, pure: given a rule, what was already said (the persisted triggered state),
the monitor's new state and its parent's, decide what to send and what to remember.

gatus' lessons: a triggered alert stays triggered until recovery, so a restart or a repeated
event never re-fires; reminders come from a stored deadline. Parent/child folding: while the
parent ("flexo") is down, its children's alerts are held and listed in the parent's alert.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from hiccup.core.status import MonitorState
from hiccup.core.timefmt import humanize_duration


class Phase(StrEnum):
    SENT = "sent"  # the operator was told; reminders may follow
    HELD = "held"  # folded into the parent's alert (or waiting to see if the parent falls)
    FOLDED_UP = "folded_up"  # told down, recovered while the parent was down: said with it


class AlertEvent(StrEnum):
    DOWN = "down"
    DEGRADED = "degraded"
    RECOVERY = "recovery"
    REMINDER = "reminder"
    CHANNEL_DISABLED = "channel_disabled"


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    channels: tuple[str, ...]  # channel keys
    events: frozenset[str]
    remind_every: timedelta | None = None


@dataclass(frozen=True, slots=True)
class Triggered:
    state: MonitorState
    phase: Phase
    triggered_at: datetime
    held_by: str | None = None
    due_at: datetime | None = None
    reminders: int = 0


@dataclass(frozen=True, slots=True)
class Parent:
    id: str
    down: bool
    # Failing but not yet confirmed: a child confirmed first waits until this deadline.
    suspect_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    send: AlertEvent | None
    state: Triggered | None  # None: forget the alert (recovered)


def _first_reminder(rule: Rule, now: datetime) -> datetime | None:
    return now + rule.remind_every if rule.remind_every else None


def _trouble(
    rule: Rule,
    held: Triggered | None,
    current: MonitorState,
    parent: Parent | None,
    now: datetime,
    since: datetime,
) -> Decision:
    event = AlertEvent(current.value)
    if held is not None:
        if held.state is current or held.phase is not Phase.SENT or event not in rule.events:
            return Decision(None, held)
        # Down → degraded (or back): still triggered, say what it is now.
        return Decision(event, replace(held, state=current, due_at=_first_reminder(rule, now)))
    if event not in rule.events:
        return Decision(None, None)
    if parent is not None and parent.down:
        return Decision(None, Triggered(current, Phase.HELD, since, held_by=parent.id))
    if parent is not None and parent.suspect_until is not None:
        waiting = Triggered(
            current, Phase.HELD, since, held_by=parent.id, due_at=parent.suspect_until
        )
        return Decision(None, waiting)
    return Decision(event, Triggered(current, Phase.SENT, since, due_at=_first_reminder(rule, now)))


def _recovered(rule: Rule, held: Triggered | None, parent: Parent | None) -> Decision:
    if held is None:
        return Decision(None, None)
    if parent is not None and parent.down:
        # Remembered so the parent's recovery can say "also recovered: …".
        return Decision(None, replace(held, phase=Phase.FOLDED_UP, held_by=parent.id, due_at=None))
    if held.phase is Phase.HELD:
        return Decision(None, None)  # never told, so nothing to take back
    return Decision(AlertEvent.RECOVERY if "recovery" in rule.events else None, None)


def decide(
    rule: Rule,
    held: Triggered | None,
    current: MonitorState,
    parent: Parent | None,
    now: datetime,
    since: datetime | None = None,
) -> Decision:
    """What one rule does about a monitor that was just confirmed `current` (the condition
    began at `since`, defaulting to now)."""
    if current in (MonitorState.DOWN, MonitorState.DEGRADED):
        return _trouble(rule, held, current, parent, now, since or now)
    if current is MonitorState.UP:
        return _recovered(rule, held, parent)
    return Decision(None, held)


def on_deadline(rule: Rule, held: Triggered, parent_down: bool, now: datetime) -> Decision:
    """A stored deadline passed: release or fold a held child, or remind."""
    if held.phase is Phase.HELD:
        if parent_down:
            return Decision(None, replace(held, due_at=None))
        released = replace(held, phase=Phase.SENT, held_by=None, due_at=_first_reminder(rule, now))
        return Decision(AlertEvent(held.state.value), released)
    if held.phase is Phase.SENT and rule.remind_every:
        reminded = replace(held, due_at=now + rule.remind_every, reminders=held.reminders + 1)
        return Decision(AlertEvent.REMINDER, reminded)
    return Decision(None, replace(held, due_at=None))


def _names(label: str, names: list[str]) -> str:
    return f" — {label}: {', '.join(names)}" if names else ""


def wording(
    event: AlertEvent,
    name: str,
    state: MonitorState,
    *,
    also_affected: list[str],
    also_recovered: list[str],
    still_down: list[str],
    lasted: timedelta | None = None,
) -> tuple[str, str]:
    """(headline, summary): 'DOWN: flexo — also affected: …', 'flexo is down — also …'."""
    extra = (
        _names("also affected", also_affected)
        + _names("also recovered", also_recovered)
        + _names("still down", still_down)
    )
    for_how_long = f" for {humanize_duration(lasted)}" if lasted else ""
    if event is AlertEvent.RECOVERY:
        after = f" after {humanize_duration(lasted)}" if lasted else ""
        return f"UP: {name}{extra}", f"{name} is up again{after}{extra}"
    if event is AlertEvent.REMINDER:
        return (
            f"STILL {state.value.upper()}: {name}{extra}",
            f"{name} is still {state.value}{for_how_long}{extra}",
        )
    return f"{event.value.upper()}: {name}{extra}", f"{name} is {event.value}{extra}"
