"""Webhook bodies: Statuspage's subscriber webhook shapes, and Hiccup's own operator alerts.

Subscriber webhooks copy Statuspage's "incident update" and "component update" payloads key
for key (https://support.atlassian.com/statuspage/docs/enable-webhook-notifications/), so any
receiver written for Statuspage reads Hiccup's. Maintenance goes out as an incident with the
maintenance statuses (scheduled, in_progress, completed), as Statuspage does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hiccup.core.timefmt import statuspage_time

DOCUMENTATION = "https://support.atlassian.com/statuspage/docs/enable-webhook-notifications/"

Doc = dict[str, Any]


def _time(value: str | None, tz: str) -> str | None:
    return statuspage_time(datetime.fromisoformat(value), tz) if value else None


def _meta(unsubscribe_url: str) -> Doc:
    return {"unsubscribe": unsubscribe_url, "documentation": DOCUMENTATION}


def _page(content: Doc) -> Doc:
    page = content["page"]
    return {
        "id": page["id"],
        "status_indicator": page["indicator"],
        "status_description": page["description"],
    }


def _update(notice: Doc, tz: str, at: str | None) -> Doc:
    return {
        "body": notice["body"],
        "created_at": at,
        "display_at": at,
        "status": notice["status"],
        "twitter_updated_at": None,
        "updated_at": at,
        "wants_twitter_update": False,
        "id": notice["update_id"] or notice["maintenance_id"] or notice["incident_id"],
        "incident_id": notice["incident_id"] or notice["maintenance_id"],
        "affected_components": None,
    }


def incident_payload(content: Doc, unsubscribe_url: str, sent_at: datetime) -> Doc:
    notice, tz = content["notice"], content["page"]["time_zone"]
    maintenance = notice["maintenance_id"] is not None
    now = statuspage_time(sent_at, tz)
    status = notice["status"]
    incident = {
        "backfilled": False,
        "created_at": _time(notice["created_at"], tz) or now,
        "impact": notice["impact"],
        "impact_override": None,
        "monitoring_at": now if status == "monitoring" else None,
        "postmortem_body": None,
        "postmortem_body_last_updated_at": None,
        "postmortem_ignored": False,
        "postmortem_notified_subscribers": False,
        "postmortem_notified_twitter": False,
        "postmortem_published_at": None,
        "resolved_at": _time(notice["ends_at"], tz)
        if status in ("resolved", "completed")
        else None,
        "scheduled_auto_transition": maintenance,
        "scheduled_for": _time(notice["starts_at"], tz) if maintenance else None,
        "scheduled_remind_prior": maintenance,
        "scheduled_reminded_at": now if notice["kind"] == "maintenance_reminder" else None,
        "scheduled_until": _time(notice["ends_at"], tz) if maintenance else None,
        "shortlink": content["page"]["url"],
        "status": status,
        "updated_at": now,
        "id": notice["incident_id"] or notice["maintenance_id"],
        "organization_id": content["page"]["id"],
        "incident_updates": [_update(notice, tz, now)],
        "name": notice["title"],
    }
    return {"meta": _meta(unsubscribe_url), "page": _page(content), "incident": incident}


def component_payload(content: Doc, unsubscribe_url: str, sent_at: datetime, update_id: str) -> Doc:
    notice, tz = content["notice"], content["page"]["time_zone"]
    [change] = notice["changes"][:1] or [None]
    if change is None:
        raise ValueError("a component update notice needs one status change")
    component = next(c for c in content["components"] if c["id"] == change["component_id"])
    now = statuspage_time(sent_at, tz)
    return {
        "meta": _meta(unsubscribe_url),
        "page": _page(content),
        "component_update": {
            "created_at": now,
            "new_status": change["new_status"],
            "old_status": change["old_status"],
            "id": update_id,
            "component_id": component["id"],
        },
        "component": {
            "created_at": _time(component["created_at"], tz),
            "id": component["id"],
            "name": component["name"],
            "status": change["new_status"],
        },
    }


def alert_payload(content: Doc, sent_at: datetime) -> Doc:
    """Operator alerts: Hiccup's own shape, documented in docs/notifications.md."""
    return {"type": "hiccup.alert", "sent_at": sent_at.isoformat(), **content}
