"""When an outage becomes a public incident: the per-component publication policy.

Operators hear of every confirmed change at once, and the component's status on the page
follows its monitors at once; but customers read an incident only about trouble that lasted
`publish_after`. A blip shorter than that stays in the uptime bars and the operator's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from hiccup.core.incidents import IncidentAction, auto_incident_action, is_trouble
from hiccup.core.status import ComponentStatus

# Long enough that a restart, a deploy or a 30-second slowdown never reaches customers; short
# enough that a real outage is on the page before most customers would have noticed it.
DEFAULT_PUBLISH_AFTER = timedelta(minutes=5)


class IncidentMode(StrEnum):
    AUTO = "auto"  # open a public incident once trouble lasted publish_after
    MANUAL = "manual"  # never: the operator writes incidents themselves


@dataclass(frozen=True, slots=True)
class PublishPolicy:
    mode: IncidentMode = IncidentMode.AUTO
    publish_after: timedelta = DEFAULT_PUBLISH_AFTER


def resolve_policy(
    page: PublishPolicy, mode: IncidentMode | None, publish_after: timedelta | None
) -> PublishPolicy:
    """A component's own settings where it has them, the page's otherwise."""
    return PublishPolicy(
        mode or page.mode, page.publish_after if publish_after is None else publish_after
    )


@dataclass(frozen=True, slots=True)
class IncidentPlan:
    """What to do with the automatic incident, and what to remember until the next change."""

    action: IncidentAction
    trouble_since: datetime | None  # when the current trouble began; None: no trouble
    publish_due_at: datetime | None  # when to open the incident if nothing changes before


def trouble_start(
    remembered: datetime | None, current: ComponentStatus, started_at: datetime
) -> datetime | None:
    """Trouble that only changes shape (degraded, then down) is one outage: it keeps its start."""
    if not is_trouble(current):
        return None
    return remembered or started_at


def plan_auto_incident(
    policy: PublishPolicy,
    *,
    has_open: bool,
    previous: ComponentStatus,
    current: ComponentStatus,
    started_at: datetime,
    remembered_since: datetime | None,
    now: datetime,
) -> IncidentPlan:
    """Decide the component's automatic incident after its status was re-derived.

    An incident already open is followed as before (updated, resolved). A new one opens only
    in `auto` mode and once the trouble lasted `publish_after`; until then the moment it would
    open is returned as a deadline, so it opens then even if no further change arrives.
    """
    since = trouble_start(remembered_since, current, started_at)
    action = auto_incident_action(has_open, previous, current)
    if action is not IncidentAction.OPEN or since is None:
        return IncidentPlan(action, since, None)
    if policy.mode is IncidentMode.MANUAL:
        return IncidentPlan(IncidentAction.NONE, since, None)
    due = since + policy.publish_after
    if now < due:
        return IncidentPlan(IncidentAction.NONE, since, due)
    return IncidentPlan(IncidentAction.OPEN, since, None)
