"""Operator alerts decided in memory, for when the database is away.

A copy of what `alerts.on_transition` reads (rules, enabled channels, monitors, dependencies,
triggered states), refreshed from the database while it answers. With it the alert spool
decides a confirmed transition's alert as the outbox path would, under the same message key,
so the two agree on what was said and the database path can tell it was said already.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from hiccup.checks.registry import trouble_kind
from hiccup.core.alert_rules import AlertEvent, Parent, Phase, Triggered, decide, wording
from hiccup.core.detection import Track
from hiccup.core.status import MonitorState
from hiccup.core.wording import never_reached_words
from hiccup.notify.alert_store import MonitorInfo, info_of_row, rule_from, selects, triggered_from
from hiccup.store.alert_book import AlertRows
from hiccup.store.recording import TrackChange

# As in alert_store: slack past a failing parent's expected confirmation.
_SUSPECT_SLACK = timedelta(seconds=3)
_TROUBLE = (MonitorState.DOWN, MonitorState.DEGRADED)


@dataclass(frozen=True, slots=True)
class DecidedAlert:
    """One alert to send: the outbox's message key and content, and its channels' rows."""

    key: str
    content: dict[str, Any]
    channels: list[dict[str, Any]]


def alert_key(monitor_id: str, event: AlertEvent, since: datetime) -> str:
    """The message key `alerts.on_transition` gives the same transition's alert."""
    return f"alert:{monitor_id}:{event.value}:{since.isoformat()}"


StateKey = tuple[str, str]  # (monitor id, rule id)


def states_of_rows(rows: list[dict[str, Any]]) -> dict[StateKey, Triggered]:
    return {(s["monitor_id"], s["rule_id"]): triggered_from(s) for s in rows}


@dataclass
class AlertBook:
    rules: list[dict[str, Any]] = field(default_factory=list)
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    infos: dict[str, MonitorInfo] = field(default_factory=dict)
    timing: dict[str, tuple[float, float, int]] = field(default_factory=dict)
    parents: dict[str, str] = field(default_factory=dict)
    states: dict[StateKey, Triggered] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: AlertRows) -> AlertBook:
        channels = {c["key"]: {**c, "options": dict(c["options"] or {})} for c in rows.channels}
        return cls(
            rules=rows.rules,
            channels=channels,
            infos={m["id"]: info_of_row(m, rows.first_page) for m in rows.monitors},
            timing={
                m["id"]: (m["interval_s"], m["timeout_s"], m["failure_threshold"])
                for m in rows.monitors
            },
            parents=rows.parents,
            states=states_of_rows(rows.states),
        )

    def _parent(self, monitor_id: str, tracks: Mapping[str, Track], now: datetime) -> Parent | None:
        parent_id = self.parents.get(monitor_id)
        if parent_id is None:
            return None
        track = tracks.get(parent_id, Track())
        if track.state is MonitorState.DOWN:
            return Parent(parent_id, down=True)
        if track.failed_streak == 0 or parent_id not in self.timing:
            return Parent(parent_id, down=False)
        interval, timeout, threshold = self.timing[parent_id]
        remaining = max(threshold - track.failed_streak, 1)
        wait = timedelta(seconds=interval * remaining + timeout) + _SUSPECT_SLACK
        return Parent(parent_id, down=False, suspect_until=now + wait)

    def _children(self, parent_id: str, tracks: Mapping[str, Track]) -> list[tuple[str, str]]:
        found = [
            (self.infos[child].name, child)
            for child, parent in self.parents.items()
            if parent == parent_id and child in self.infos
        ]
        return sorted(found)

    def _fold(
        self, parent_id: str, current: MonitorState, tracks: Mapping[str, Track]
    ) -> dict[str, list[str]]:
        """The parent's side of folding, as `alerts._fold_children` does it in the database."""
        told: dict[str, list[str]] = {"also_affected": [], "also_recovered": [], "still_down": []}
        for name, child in self._children(parent_id, tracks):
            state = tracks.get(child, Track()).state
            if current is MonitorState.DOWN and state in _TROUBLE:
                told["also_affected"].append(name)
            if current is not MonitorState.UP:
                continue
            for (monitor_id, rule_id), held in list(self.states.items()):
                if monitor_id != child or held.held_by != parent_id:
                    continue
                if held.phase is Phase.HELD and state in _TROUBLE:
                    told["still_down"].append(name)
                    self.states[(child, rule_id)] = replace(
                        held, phase=Phase.SENT, held_by=None, due_at=None
                    )
                else:
                    told["also_recovered"].append(name)
                    del self.states[(child, rule_id)]
        return {k: sorted(set(v)) for k, v in told.items()}

    def decide(
        self,
        change: TrackChange,
        tracks: Mapping[str, Track],
        reason: str | None,
        now: datetime,
    ) -> DecidedAlert | None:
        """Apply every matching rule to one confirmed transition, in memory; the alert to
        send, if any (a transition yields at most one event: its new state, or recovery)."""
        info, transition = self.infos.get(change.monitor_id), change.transition
        if info is None or transition is None:
            return None
        current, since = transition.current, transition.started_at
        told = self._fold(info.id, current, tracks)
        parent = self._parent(info.id, tracks, now)
        event: AlertEvent | None = None
        channel_keys: set[str] = set()
        began = since
        for row in self.rules:
            if not selects(row, info):
                continue
            rule = rule_from(row)
            held = self.states.get((info.id, rule.id))
            decision = decide(rule, held, current, parent, now, since)
            self._remember(info.id, rule.id, decision.state)
            if decision.send is not None:
                event, began = decision.send, held.triggered_at if held else since
                channel_keys.update(rule.channels)
        channels = [self.channels[k] for k in sorted(channel_keys) if k in self.channels]
        if event is None or not channels:
            return None
        times = (began, since) if event is AlertEvent.RECOVERY else (since, None)
        content = _content(info, event, current, told, times, reason, change.reached)
        return DecidedAlert(alert_key(info.id, event, since), content, channels)

    def _remember(self, monitor_id: str, rule_id: str, state: Triggered | None) -> None:
        if state is None:
            self.states.pop((monitor_id, rule_id), None)
        else:
            self.states[(monitor_id, rule_id)] = state


def _content(
    info: MonitorInfo,
    event: AlertEvent,
    state: MonitorState,
    told: dict[str, list[str]],
    times: tuple[datetime, datetime | None],
    reason: str | None,
    reached: bool = True,
) -> dict[str, Any]:
    """The same fields `alerts._content` writes, so every channel renders it the same way."""
    since, until = times
    lasted = (until - since) if until and until > since else None
    headline, summary = wording(event, info.name, state, lasted=lasted, **told)
    if not reached and event is AlertEvent.DOWN:
        headline, summary = never_reached_words(trouble_kind(info.kind), info.name, reason)
    return {
        "event": event.value,
        "headline": headline,
        "summary": summary,
        "monitor": {"id": info.id, "key": info.key, "name": info.name, "target": info.target},
        "component": info.component_name,
        "state": state.value,
        "since": since.isoformat(),
        "reason": reason if event is not AlertEvent.RECOVERY else None,
        **told,
        "page_name": info.page_name,
        "page_url": info.page_url,
        "time_zone": info.time_zone,
    }
