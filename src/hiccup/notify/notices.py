"""What subscribers are told: incident and maintenance notices, component updates.

`enqueue_notice` is the one entry point for every part of Hiccup that has news for subscribers
(incidents here, maintenance windows elsewhere). It runs inside the caller's transaction: the
notice and one outbox row per matching confirmed subscriber commit together with the change
that caused them, or not at all.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import String, and_, exists, insert, literal, or_, select

from hiccup.core.audience import Audience
from hiccup.core.status import (
    ComponentStatus,
    IncidentImpact,
    indicator_description,
    page_indicator,
)
from hiccup.notify.outbox import OutboxState, mark_enqueued, store_message
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.codec import utc, utc_or_none
from hiccup.store.site_pages import audiences
from hiccup.store.tables import (
    components,
    incident_components,
    incident_updates,
    incidents,
    pages,
)
from hiccup.store.tables_notify import outbox, subscriber_components, subscribers


class NoticeKind(StrEnum):
    INCIDENT_OPENED = "incident_opened"
    INCIDENT_UPDATED = "incident_updated"
    INCIDENT_RESOLVED = "incident_resolved"
    MAINTENANCE_SCHEDULED = "maintenance_scheduled"
    MAINTENANCE_REMINDER = "maintenance_reminder"
    MAINTENANCE_STARTED = "maintenance_started"
    MAINTENANCE_COMPLETED = "maintenance_completed"
    COMPONENT_UPDATED = "component_updated"


# Statuspage reports maintenance as incidents with these statuses.
MAINTENANCE_STATUS = {
    NoticeKind.MAINTENANCE_SCHEDULED: "scheduled",
    NoticeKind.MAINTENANCE_REMINDER: "scheduled",
    NoticeKind.MAINTENANCE_STARTED: "in_progress",
    NoticeKind.MAINTENANCE_COMPLETED: "completed",
}

# Statuspage sends component updates to webhooks only; people get the incident instead.
_TRANSPORTS = {NoticeKind.COMPONENT_UPDATED: ("webhook",)}
_ALL_TRANSPORTS = ("email", "webhook", "apprise")


@dataclass(frozen=True, slots=True)
class StatusChange:
    component_id: str
    old_status: ComponentStatus
    new_status: ComponentStatus


@dataclass(frozen=True, slots=True)
class Notice:
    """One piece of news for subscribers. `body` is Markdown. `status` is the incident's or
    maintenance's status after this notice (derived from the kind for maintenance if empty).
    Enqueueing the same notice twice (same kind, incident/maintenance id and update id) sends
    it once."""

    kind: NoticeKind
    page_id: str
    title: str
    body: str
    component_ids: tuple[str, ...] = ()
    incident_id: str | None = None
    maintenance_id: str | None = None
    update_id: str | None = None
    notify: bool = True
    status: str = ""
    impact: IncidentImpact = IncidentImpact.NONE
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    created_at: datetime | None = None
    changes: tuple[StatusChange, ...] = field(default=())

    def key(self, now: datetime) -> str:
        subject = self.incident_id or self.maintenance_id or ""
        if self.kind is NoticeKind.COMPONENT_UPDATED:
            moved = ",".join(f"{c.component_id}>{c.new_status.value}" for c in self.changes)
            return f"notice:{self.kind.value}:{moved}:{now.isoformat()}"[:200]
        return f"notice:{self.kind.value}:{subject}:{self.update_id or ''}"[:200]

    @property
    def effective_status(self) -> str:
        return self.status or MAINTENANCE_STATUS.get(self.kind, "")

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("starts_at", "ends_at", "created_at"):
            data[name] = data[name].isoformat() if data[name] else None
        data["kind"], data["impact"] = self.kind.value, self.impact.value
        data["status"] = self.effective_status
        data["component_ids"] = list(self.component_ids)
        data["changes"] = [
            {
                "component_id": c.component_id,
                "old_status": c.old_status.value,
                "new_status": c.new_status.value,
            }
            for c in self.changes
        ]
        return data


async def _page_context(conn: AsyncConnection, page_id: str, audience: Audience) -> dict[str, Any]:
    """The page as this audience knows it: its name, address and overall status."""
    page = (await conn.execute(select(pages).where(pages.c.id == page_id))).mappings().one()
    listed = await conn.execute(
        select(components.c.id, components.c.status).where(components.c.page_id == page_id)
    )
    statuses = [ComponentStatus(r.status) for r in listed if audience.offers(r.id)]
    indicator = page_indicator(statuses, await _open_impacts(conn, page_id, audience))
    return {
        "id": audience.public_id,
        "name": audience.name,
        "url": audience.url,
        "prefix": audience.prefix,
        "time_zone": page["time_zone"],
        "indicator": indicator.value,
        "description": indicator_description(indicator),
    }


async def _open_impacts(
    conn: AsyncConnection, page_id: str, audience: Audience
) -> list[IncidentImpact]:
    query = (
        select(incidents.c.id, incidents.c.impact, incident_components.c.component_id)
        .outerjoin(incident_components, incident_components.c.incident_id == incidents.c.id)
        .where(incidents.c.page_id == page_id, incidents.c.resolved_at.is_(None))
    )
    impacts: dict[str, IncidentImpact] = {}
    touched: dict[str, list[str]] = {}
    for row in await conn.execute(query):
        impacts[row.id] = IncidentImpact(row.impact)
        if row.component_id is not None:
            touched.setdefault(row.id, []).append(row.component_id)
    return [i for key, i in impacts.items() if audience.narrow(touched.get(key, [])) is not None]


async def _components(conn: AsyncConnection, ids: tuple[str, ...]) -> list[dict[str, Any]]:
    if not ids:
        return []
    query = select(
        components.c.id,
        components.c.name,
        components.c.status,
        components.c.group_id,
        components.c.created_at,
    ).where(components.c.id.in_(ids))
    rows = {r["id"]: r for r in (await conn.execute(query)).mappings()}
    return [
        {
            "id": i,
            "name": rows[i]["name"],
            "status": rows[i]["status"],
            "group_id": rows[i]["group_id"],
            "created_at": utc(rows[i]["created_at"]).isoformat(),
        }
        for i in ids
        if i in rows
    ]


def _matching_subscribers(notice: Notice, audience: Audience, component_ids: set[str]) -> Any:
    """Confirmed, active subscribers of this page who chose these components (or all)."""
    chose = exists().where(
        subscriber_components.c.subscriber_id == subscribers.c.id,
        subscriber_components.c.component_id.in_(component_ids),
    )
    condition = and_(
        subscribers.c.page_id == notice.page_id,
        subscribers.c.site_page == audience.slug,
        subscribers.c.confirmed_at.is_not(None),
        subscribers.c.unsubscribed_at.is_(None),
        subscribers.c.disabled_reason.is_(None),
        subscribers.c.kind.in_(_TRANSPORTS.get(notice.kind, _ALL_TRANSPORTS)),
    )
    if component_ids:
        condition = and_(condition, or_(subscribers.c.all_components, chose))
    return condition


_OUTBOX_COLUMNS = [
    "message_id",
    "idempotency_key",
    "transport",
    "subscriber_id",
    "state",
    "attempts",
    "next_attempt_at",
    "created_at",
]


async def enqueue_notice(conn: AsyncConnection, notice: Notice, now: datetime) -> int:
    """Queue `notice` for every matching confirmed subscriber, in the caller's transaction:
    per page of the site that shows what it touches, cut to that page's components.

    Returns the number of outbox rows written: 0 when `notice.notify` is false, nobody
    matches, or this notice was enqueued before.
    """
    if not notice.notify:
        return 0
    written = 0
    for audience in await audiences(conn, notice.page_id):
        shown = audience.narrow(notice.component_ids)
        if shown is not None:
            written += await _enqueue_for(conn, narrow_notice(notice, shown), audience, now)
    if written:
        mark_enqueued(conn)
    return written


def narrow_notice(notice: Notice, shown: tuple[str, ...]) -> Notice:
    if shown == notice.component_ids:
        return notice
    changes = tuple(c for c in notice.changes if c.component_id in shown)
    return replace(notice, component_ids=shown, changes=changes)


async def _enqueue_for(
    conn: AsyncConnection, notice: Notice, audience: Audience, now: datetime
) -> int:
    listed = await _components(conn, notice.component_ids)
    # Subscribing to a group means its members too.
    groups = {c["group_id"] for c in listed if c["group_id"] and audience.offers(c["group_id"])}
    content = {
        "notice": notice.to_json(),
        "page": await _page_context(conn, notice.page_id, audience),
        "components": listed,
    }
    # The instance's own page keeps the key it always had: a restart across an upgrade
    # must not send a notice again.
    key = notice.key(now) if audience.default else f"{notice.key(now)}@{audience.slug}"
    message_id = await store_message(conn, key, notice.kind.value, content, now)
    if message_id is None:
        return 0
    rows = select(
        literal(message_id).label("message_id"),
        (literal(key + "/", String) + subscribers.c.id).label("idempotency_key"),
        subscribers.c.kind.label("transport"),
        subscribers.c.id.label("subscriber_id"),
        literal(OutboxState.PENDING.value, String).label("state"),
        literal(0).label("attempts"),
        literal(now, outbox.c.next_attempt_at.type).label("next_attempt_at"),
        literal(now, outbox.c.created_at.type).label("created_at"),
    ).where(_matching_subscribers(notice, audience, set(notice.component_ids) | groups))
    # One INSERT … SELECT: 10,000 subscribers cost one statement, not 10,000 round trips.
    result = await conn.execute(insert(outbox).from_select(_OUTBOX_COLUMNS, rows))
    return int(result.rowcount)


async def incident_notice(
    conn: AsyncConnection, incident_id: str, update_id: str, body: str, notify: bool
) -> Notice:
    """The notice for an update just posted to an incident (opened, updated or resolved)."""
    row = (
        (await conn.execute(select(incidents).where(incidents.c.id == incident_id)))
        .mappings()
        .one()
    )
    ids = tuple(
        (
            await conn.execute(
                select(incident_components.c.component_id).where(
                    incident_components.c.incident_id == incident_id
                )
            )
        ).scalars()
    )
    count = await conn.execute(
        select(incident_updates.c.id).where(incident_updates.c.incident_id == incident_id)
    )
    first = len(count.all()) == 1
    kind = (
        NoticeKind.INCIDENT_RESOLVED
        if row["resolved_at"] is not None
        else NoticeKind.INCIDENT_OPENED
        if first
        else NoticeKind.INCIDENT_UPDATED
    )
    return Notice(
        kind=kind,
        page_id=row["page_id"],
        title=row["name"],
        body=body,
        component_ids=ids,
        incident_id=incident_id,
        update_id=update_id,
        notify=notify,
        status=row["status"],
        impact=IncidentImpact(row["impact"]),
        starts_at=utc(row["started_at"]),
        ends_at=utc_or_none(row["resolved_at"]),
        created_at=utc(row["created_at"]),
    )


def component_update(
    page_id: str, component_id: str, name: str, old: ComponentStatus, new: ComponentStatus
) -> Notice:
    """Statuspage's "component update" webhook: sent to webhook subscribers of the component."""
    return Notice(
        kind=NoticeKind.COMPONENT_UPDATED,
        page_id=page_id,
        title=f"{name} is now {new.value.replace('_', ' ')}",
        body="",
        component_ids=(component_id,),
        changes=(StatusChange(component_id, old, new),),
    )
