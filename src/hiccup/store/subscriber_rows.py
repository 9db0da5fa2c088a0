"""Subscribers as the admin and API see them: search, counts per component, unsubscribe,
a fresh confirmation nonce, and the rows an import adds.

A subscriber "hears of" a component when it takes the whole page or picked that component.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update

from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.codec import utc, utc_or_none
from hiccup.store.tables import components, pages
from hiccup.store.tables_notify import outbox, subscriber_components, subscribers


class SubscriberStatus(StrEnum):
    PENDING = "pending"  # waiting for its confirmation link to be used
    ACTIVE = "active"
    UNSUBSCRIBED = "unsubscribed"
    DISABLED = "disabled"  # a permanent delivery failure


@dataclass(frozen=True, slots=True)
class SubscriberRow:
    id: str
    kind: str
    address: str
    owner_email: str | None
    site_page: str
    components: list[str]  # component keys; empty: the whole page
    status: SubscriberStatus
    disabled_reason: str | None
    declared: bool
    created_at: datetime
    confirmed_at: datetime | None


@dataclass(frozen=True, slots=True)
class ComponentCount:
    key: str
    name: str
    active: int


@dataclass(frozen=True, slots=True)
class Found:
    subscribers: list[SubscriberRow]
    total: int


def status_of(row: Any) -> SubscriberStatus:
    if row["unsubscribed_at"] is not None:
        return SubscriberStatus.UNSUBSCRIBED
    if row["disabled_reason"]:
        return SubscriberStatus.DISABLED
    if row["confirmed_at"] is None:
        return SubscriberStatus.PENDING
    return SubscriberStatus.ACTIVE


_ACTIVE = and_(
    subscribers.c.confirmed_at.is_not(None),
    subscribers.c.unsubscribed_at.is_(None),
    subscribers.c.disabled_reason.is_(None),
)


async def page_id_of(conn: AsyncConnection, slug: str) -> str | None:
    found = await conn.execute(select(pages.c.id).where(pages.c.slug == slug))
    return found.scalar_one_or_none()


async def component_keys(conn: AsyncConnection, page_id: str) -> dict[str, str]:
    """Key → id of the page's components (groups too: one may subscribe to a group)."""
    query = select(components.c.key, components.c.id).where(components.c.page_id == page_id)
    return {str(k): str(i) for k, i in await conn.execute(query)}


def _hears_of(component_id: str) -> Any:
    picked = select(subscriber_components.c.subscriber_id).where(
        subscriber_components.c.component_id == component_id
    )
    return or_(subscribers.c.all_components, subscribers.c.id.in_(picked))


async def _picked(conn: AsyncConnection, ids: Sequence[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {i: [] for i in ids}
    if not ids:
        return found
    query = (
        select(subscriber_components.c.subscriber_id, components.c.key)
        .join(components, components.c.id == subscriber_components.c.component_id)
        .where(subscriber_components.c.subscriber_id.in_(list(ids)))
        .order_by(components.c.position, components.c.key)
    )
    for subscriber_id, key in await conn.execute(query):
        found[subscriber_id].append(key)
    return found


def _row(row: Any, picked: list[str]) -> SubscriberRow:
    return SubscriberRow(
        row["id"],
        row["kind"],
        row["address"],
        row["owner_email"],
        row["site_page"],
        [] if row["all_components"] else picked,
        status_of(row),
        row["disabled_reason"],
        bool(row["declared"]),
        utc(row["created_at"]),
        utc_or_none(row["confirmed_at"]),
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def search(
    conn: AsyncConnection,
    page_id: str,
    *,
    text: str = "",
    component_id: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> Found:
    """Subscribers of the page whose address contains `text` (any case) and who hear of the
    component, newest first."""
    where = [subscribers.c.page_id == page_id]
    if text:
        pattern = f"%{_escape_like(text.lower())}%"
        where.append(func.lower(subscribers.c.address).like(pattern, escape="\\"))
    if component_id is not None:
        where.append(_hears_of(component_id))
    total = await conn.execute(select(func.count()).select_from(subscribers).where(*where))
    query = (
        select(subscribers)
        .where(*where)
        .order_by(subscribers.c.created_at.desc(), subscribers.c.id)
        .offset(offset)
        .limit(limit)
    )
    rows = (await conn.execute(query)).mappings().all()
    picked = await _picked(conn, [r["id"] for r in rows])
    return Found([_row(r, picked[r["id"]]) for r in rows], int(total.scalar_one()))


async def find(conn: AsyncConnection, page_id: str, subscriber_id: str) -> SubscriberRow | None:
    query = select(subscribers).where(
        subscribers.c.page_id == page_id, subscribers.c.id == subscriber_id
    )
    row = (await conn.execute(query)).mappings().first()
    if row is None:
        return None
    return _row(row, (await _picked(conn, [row["id"]]))[row["id"]])


async def counts(
    conn: AsyncConnection, page_id: str
) -> tuple[dict[str, int], list[ComponentCount]]:
    """Subscribers per status, and the active ones who hear of each component."""
    by_status = {s.value: 0 for s in SubscriberStatus}
    rows = await conn.execute(select(subscribers).where(subscribers.c.page_id == page_id))
    for row in rows.mappings():
        by_status[status_of(row).value] += 1
    everything = select(func.count()).select_from(subscribers)
    whole = await conn.execute(
        everything.where(subscribers.c.page_id == page_id, _ACTIVE, subscribers.c.all_components)
    )
    whole_page = int(whole.scalar_one())
    picked: dict[str, int] = dict(
        (
            await conn.execute(
                select(subscriber_components.c.component_id, func.count())
                .join(subscribers, subscribers.c.id == subscriber_components.c.subscriber_id)
                .where(
                    subscribers.c.page_id == page_id,
                    _ACTIVE,
                    subscribers.c.all_components.is_(False),
                )
                .group_by(subscriber_components.c.component_id)
            )
        ).all()
    )
    query = (
        select(components.c.id, components.c.key, components.c.name)
        .where(components.c.page_id == page_id)
        .order_by(components.c.position, components.c.key)
    )
    per_component = [
        ComponentCount(key, name, whole_page + int(picked.get(cid, 0)))
        for cid, key, name in await conn.execute(query)
    ]
    return by_status, per_component


async def mark_unsubscribed(conn: AsyncConnection, subscriber_id: str, now: datetime) -> bool:
    result = await conn.execute(
        update(subscribers)
        .where(subscribers.c.id == subscriber_id, subscribers.c.unsubscribed_at.is_(None))
        .values(unsubscribed_at=now, updated_at=now)
    )
    return result.rowcount == 1


async def renew_nonce(conn: AsyncConnection, subscriber_id: str, nonce: str, now: datetime) -> None:
    """A new confirmation link: the old one stops working, the subscriber is pending again."""
    await conn.execute(
        update(subscribers)
        .where(subscribers.c.id == subscriber_id)
        .values(
            confirm_nonce=nonce,
            confirmed_at=None,
            unsubscribed_at=None,
            disabled_reason=None,
            updated_at=now,
        )
    )


async def existing_addresses(
    conn: AsyncConnection, page_id: str, site_page: str, kind: str, addresses: Sequence[str]
) -> set[str]:
    query = select(subscribers.c.address).where(
        subscribers.c.page_id == page_id,
        subscribers.c.site_page == site_page,
        subscribers.c.kind == kind,
        subscribers.c.address.in_(list(addresses)),
    )
    return set((await conn.execute(query)).scalars())


@dataclass(frozen=True, slots=True)
class NewSubscriber:
    id: str
    address: str
    component_ids: tuple[str, ...]  # empty: the whole page
    nonce: str | None  # None: confirmed already (the operator stated they opted in)


async def insert_email_subscribers(
    conn: AsyncConnection,
    page_id: str,
    site_page: str,
    rows: Sequence[NewSubscriber],
    now: datetime,
) -> None:
    if not rows:
        return
    values = [
        {
            "id": r.id,
            "page_id": page_id,
            "site_page": site_page,
            "kind": "email",
            "address": r.address,
            "owner_email": r.address,
            "all_components": not r.component_ids,
            "confirm_nonce": r.nonce,
            "confirmed_at": None if r.nonce else now,
            "declared": False,
            "created_at": now,
            "updated_at": now,
        }
        for r in rows
    ]
    await conn.execute(insert(subscribers), values)
    picked = [{"subscriber_id": r.id, "component_id": c} for r in rows for c in r.component_ids]
    if picked:
        await conn.execute(insert(subscriber_components), picked)


async def cancel_deliveries(conn: AsyncConnection, subscriber_id: str, reason: str) -> int:
    """Dead-letter what was still queued for the subscriber (they left)."""
    result = await conn.execute(
        update(outbox)
        .where(outbox.c.subscriber_id == subscriber_id, outbox.c.state == "pending")
        .values(state="dead", last_error=reason[:500])
    )
    return int(result.rowcount)
