"""Atlassian Statuspage v2 documents (summary.json, status.json, …) rendered from a PublicState.

The shapes are copied key for key from Statuspage so its existing clients, widgets and
aggregators read a Hiccup page unchanged; add nothing here that Statuspage does not send.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from hiccup.core.public import (
    AffectedComponent,
    PublicComponent,
    PublicIncident,
    PublicMaintenance,
    PublicState,
    PublicUpdate,
)
from hiccup.core.timefmt import statuspage_time

Doc = dict[str, Any]


def dumps(doc: Doc) -> bytes:
    """Compact UTF-8 JSON, as served."""
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()


def page_object(state: PublicState) -> Doc:
    page = state.page
    return {
        "id": page.id,
        "name": page.name,
        "url": page.url,
        "time_zone": page.time_zone,
        "updated_at": statuspage_time(page.updated_at, page.time_zone),
    }


def status_object(state: PublicState) -> Doc:
    return {"indicator": state.indicator.value, "description": state.description}


def component_object(state: PublicState, component: PublicComponent) -> Doc:
    tz = state.page.time_zone
    doc: Doc = {
        "id": component.id,
        "name": component.name,
        "status": component.status.value,
        "created_at": statuspage_time(component.created_at, tz),
        "updated_at": statuspage_time(component.updated_at, tz),
        "position": component.position,
        "description": component.description,
        "showcase": True,
        "start_date": component.created_at.astimezone(ZoneInfo(tz)).date().isoformat(),
        "group_id": component.group_id,
        "page_id": state.page.id,
        "group": component.is_group,
        "only_show_if_degraded": False,
    }
    if component.is_group:
        doc["components"] = list(component.member_ids)
    return doc


def _affected_object(affected: AffectedComponent) -> Doc:
    return {
        "code": affected.id,
        "name": affected.name,
        "old_status": affected.old_status.value,
        "new_status": affected.new_status.value,
    }


def update_object(state: PublicState, incident_id: str, update: PublicUpdate) -> Doc:
    tz = state.page.time_zone
    created_at = statuspage_time(update.created_at, tz)
    return {
        "id": update.id,
        "status": update.status.value,
        "body": update.body,
        "incident_id": incident_id,
        "created_at": created_at,
        # Updates are never edited after posting here, so they were last updated when created.
        "updated_at": created_at,
        "display_at": statuspage_time(update.display_at, tz),
        "affected_components": [_affected_object(a) for a in update.affected] or None,
        "deliver_notifications": True,
        "custom_tweet": None,
        "tweet_id": None,
    }


def _shared_fields(
    state: PublicState,
    subject_id: str,
    updates: Iterable[PublicUpdate],
    component_ids: Iterable[str],
) -> Doc:
    """What incidents and scheduled maintenances have in common in Statuspage's shape."""
    by_id = {c.id: c for c in state.components}
    newest_first = sorted(updates, key=lambda u: u.display_at, reverse=True)
    return {
        "shortlink": f"{state.page.url.rstrip('/')}/incidents/{subject_id}",
        "page_id": state.page.id,
        "incident_updates": [update_object(state, subject_id, u) for u in newest_first],
        # A component deleted since is left out rather than invented.
        "components": [component_object(state, by_id[c]) for c in component_ids if c in by_id],
    }


def incident_object(state: PublicState, incident: PublicIncident) -> Doc:
    tz = state.page.time_zone
    return {
        "id": incident.id,
        "name": incident.name,
        "status": incident.status.value,
        "created_at": statuspage_time(incident.created_at, tz),
        "updated_at": statuspage_time(incident.updated_at, tz),
        "monitoring_at": statuspage_time(incident.monitoring_at, tz),
        "resolved_at": statuspage_time(incident.resolved_at, tz),
        "impact": incident.impact.value,
        "started_at": statuspage_time(incident.started_at, tz),
        **_shared_fields(state, incident.id, incident.updates, incident.component_ids),
    }


def maintenance_object(state: PublicState, maintenance: PublicMaintenance) -> Doc:
    """Statuspage's scheduled maintenance: an incident with the window and impact 'maintenance'."""
    tz = state.page.time_zone
    started = maintenance.started_at or maintenance.scheduled_for
    return {
        "id": maintenance.id,
        "name": maintenance.name,
        "status": maintenance.status.value,
        "created_at": statuspage_time(maintenance.created_at, tz),
        "updated_at": statuspage_time(maintenance.updated_at, tz),
        "monitoring_at": None,
        "resolved_at": statuspage_time(maintenance.completed_at, tz),
        "impact": "maintenance",
        "started_at": statuspage_time(started, tz),
        **_shared_fields(state, maintenance.id, maintenance.updates, maintenance.component_ids),
        "scheduled_for": statuspage_time(maintenance.scheduled_for, tz),
        "scheduled_until": statuspage_time(maintenance.scheduled_until, tz),
    }


def _maintenance_list(state: PublicState, found: Iterable[PublicMaintenance]) -> list[Doc]:
    soonest_first = sorted(found, key=lambda m: m.scheduled_for)
    return [maintenance_object(state, m) for m in soonest_first]


def scheduled_maintenances(state: PublicState) -> Doc:
    listed = _maintenance_list(state, state.maintenances)
    return {"page": page_object(state), "scheduled_maintenances": listed}


def upcoming_maintenances(state: PublicState) -> Doc:
    listed = _maintenance_list(state, state.upcoming_maintenances())
    return {"page": page_object(state), "scheduled_maintenances": listed}


def active_maintenances(state: PublicState) -> Doc:
    listed = _maintenance_list(state, state.active_maintenances())
    return {"page": page_object(state), "scheduled_maintenances": listed}


def _incident_list(state: PublicState, incidents: Iterable[PublicIncident]) -> list[Doc]:
    newest_first = sorted(incidents, key=lambda i: i.created_at, reverse=True)
    return [incident_object(state, i) for i in newest_first]


def summary(state: PublicState) -> Doc:
    return {
        "page": page_object(state),
        "components": [component_object(state, c) for c in state.components],
        "incidents": _incident_list(state, state.open_incidents),
        "scheduled_maintenances": _maintenance_list(
            state, (*state.active_maintenances(), *state.upcoming_maintenances())
        ),
        "status": status_object(state),
    }


def status(state: PublicState) -> Doc:
    return {"page": page_object(state), "status": status_object(state)}


def components(state: PublicState) -> Doc:
    return {
        "page": page_object(state),
        "components": [component_object(state, c) for c in state.components],
    }


def incidents(state: PublicState) -> Doc:
    every = (*state.open_incidents, *state.recent_incidents)
    return {"page": page_object(state), "incidents": _incident_list(state, every)}


def unresolved_incidents(state: PublicState) -> Doc:
    return {"page": page_object(state), "incidents": _incident_list(state, state.open_incidents)}
