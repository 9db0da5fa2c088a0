"""Subscribers: sign-up with double opt-in, confirmation, one-click unsubscribe.

A confirmation link carries the subscriber, a nonce and an expiry, signed; confirming clears
the nonce, so the link works once. Unsubscribe links never expire. Nothing is sent to an
address until its owner confirmed it, so the form cannot be used to mail strangers more than
one confirmation.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, delete, insert, select, update

from hiccup.core.ids import new_id
from hiccup.core.language import N_
from hiccup.notify.outbox import cancel_pending, enqueue_rows, pending_row, store_message
from hiccup.notify.tokens import Signer, TokenError
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.codec import utc
from hiccup.store.site_pages import audience
from hiccup.store.tables import components, pages
from hiccup.store.tables_notify import subscriber_components, subscribers

CONFIRM = "confirm"
UNSUBSCRIBE = "unsubscribe"


class SubscriberKind(StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"
    APPRISE = "apprise"


@dataclass(frozen=True, slots=True)
class SignUp:
    page_id: str
    site_page: str  # the slug of the page of the site signed up on
    email: str  # where the confirmation goes (and, for a webhook, where failures are told)
    component_ids: tuple[str, ...] = ()  # empty: the whole page
    webhook: str | None = None
    language: str | None = None  # the language the form was read in (None: the page's)


async def _page(conn: AsyncConnection, page_id: str, site_page: str) -> dict[str, Any]:
    """The page as its subscribers know it: a private page's own name and address."""
    row = (await conn.execute(select(pages).where(pages.c.id == page_id))).mappings().one()
    seen = await audience(conn, page_id, site_page)
    name, url, prefix = (
        (seen.name, seen.url, seen.prefix) if seen else (row["name"], row["url"], "")
    )
    return {
        "id": row["id"],
        "name": name,
        "url": url,
        "prefix": prefix,
        "time_zone": row["time_zone"],
    }


async def _component_names(conn: AsyncConnection, ids: Sequence[str]) -> list[str]:
    if not ids:
        return []
    query = select(components.c.name).where(components.c.id.in_(ids))
    return list((await conn.execute(query.order_by(components.c.position))).scalars())


async def _existing(conn: AsyncConnection, sign_up: SignUp, kind: str, address: str) -> Any:
    query = select(subscribers).where(
        subscribers.c.page_id == sign_up.page_id,
        subscribers.c.site_page == sign_up.site_page,
        subscribers.c.kind == kind,
        subscribers.c.address == address,
    )
    return (await conn.execute(query)).mappings().first()


def _active(row: Any) -> bool:
    return bool(row["confirmed_at"] and not row["unsubscribed_at"] and not row["disabled_reason"])


def _mailed_lately(row: Any, now: datetime, resend_after: timedelta) -> bool:
    pending = row["confirm_nonce"] is not None and row["unsubscribed_at"] is None
    return pending and now - utc(row["updated_at"]) < resend_after


async def _save(
    conn: AsyncConnection, sign_up: SignUp, existing: Any, nonce: str, now: datetime
) -> str:
    kind = SubscriberKind.WEBHOOK if sign_up.webhook else SubscriberKind.EMAIL
    values = {
        "owner_email": sign_up.email,
        "all_components": not sign_up.component_ids,
        "confirm_nonce": nonce,
        "confirmed_at": None,
        "unsubscribed_at": None,
        "disabled_reason": None,
        "updated_at": now,
    }
    if existing is None:
        subscriber_id = new_id()
        await conn.execute(
            insert(subscribers).values(
                id=subscriber_id,
                page_id=sign_up.page_id,
                site_page=sign_up.site_page,
                kind=kind.value,
                address=sign_up.webhook or sign_up.email,
                created_at=now,
                **values,
            )
        )
    else:
        subscriber_id = existing["id"]
        await conn.execute(
            update(subscribers).where(subscribers.c.id == subscriber_id).values(**values)
        )
        await conn.execute(
            delete(subscriber_components).where(
                subscriber_components.c.subscriber_id == subscriber_id
            )
        )
    if sign_up.component_ids:
        rows = [{"subscriber_id": subscriber_id, "component_id": c} for c in sign_up.component_ids]
        await conn.execute(insert(subscriber_components), rows)
    return subscriber_id


async def subscribe(
    conn: AsyncConnection,
    sign_up: SignUp,
    signer: Signer,
    confirm_within: timedelta,
    now: datetime,
    base_url: str,
    *,
    resend_after: timedelta,
) -> bool:
    """Record a pending subscription and queue its confirmation mail. False when the address
    is already subscribed and active, or was mailed a confirmation less than `resend_after`
    ago (the caller answers the same either way, so the form does not reveal who is
    subscribed, and typing a stranger's address again and again sends them one mail)."""
    kind = SubscriberKind.WEBHOOK if sign_up.webhook else SubscriberKind.EMAIL
    existing = await _existing(conn, sign_up, kind.value, sign_up.webhook or sign_up.email)
    if existing is not None and (_active(existing) or _mailed_lately(existing, now, resend_after)):
        return False
    nonce = secrets.token_hex(8)
    subscriber_id = await _save(conn, sign_up, existing, nonce, now)
    link = ConfirmLink(signer, confirm_within, base_url)
    await queue_confirmation(conn, link, sign_up, subscriber_id, nonce, now)
    return True


@dataclass(frozen=True, slots=True)
class ConfirmLink:
    """What a confirmation link is made of: the signer, its lifetime, the server's address."""

    signer: Signer
    valid_for: timedelta
    base_url: str


async def queue_confirmation(
    conn: AsyncConnection,
    link: ConfirmLink,
    sign_up: SignUp,
    subscriber_id: str,
    nonce: str,
    now: datetime,
) -> None:
    """Queue the mail with the link that confirms `nonce` (stored on the subscriber)."""
    expires = now + link.valid_for
    token = link.signer.sign(CONFIRM, subscriber_id, nonce, int(expires.timestamp()))
    page = await _page(conn, sign_up.page_id, sign_up.site_page)
    link_base = (page["url"] or link.base_url).rstrip("/") + page["prefix"]
    content = {
        "page": page,
        "confirm_url": f"{link_base}/subscribe/confirm?token={token}",
        "components": await _component_names(conn, sign_up.component_ids),
        "webhook": sign_up.webhook,
        "expires": expires.isoformat(),  # in words at render time, in the mail's language
        "language": sign_up.language,
    }
    key = f"confirm:{subscriber_id}:{nonce}"
    message_id = await store_message(conn, key, CONFIRM, content, now)
    assert message_id is not None  # the nonce is new
    row = pending_row(
        message_id, key, "email", now, subscriber_id=subscriber_id, recipient=sign_up.email
    )
    await enqueue_rows(conn, [row])


async def confirm(
    conn: AsyncConnection, token: str, signer: Signer, now: datetime, site_page: str
) -> str:
    """Confirm the subscription the link names; returns its id. Raises TokenError for a link
    that is forged, expired, was used already, or belongs to another page than `site_page`."""
    claims = signer.verify(token, CONFIRM, now)
    result = await conn.execute(
        update(subscribers)
        .where(
            and_(
                subscribers.c.id == claims.subject,
                subscribers.c.site_page == site_page,
                subscribers.c.confirm_nonce == claims.nonce,
                subscribers.c.unsubscribed_at.is_(None),
            )
        )
        .values(confirmed_at=now, confirm_nonce=None, updated_at=now)
    )
    if result.rowcount != 1:
        raise TokenError(N_("This link was used already or is no longer valid."))
    return claims.subject


async def unsubscribe(
    conn: AsyncConnection, token: str, signer: Signer, now: datetime, site_page: str
) -> bool:
    """Unsubscribe the link's subscriber; True if this call did it (False: it was already).
    Raises TokenError for a forged link or one that belongs to another page."""
    claims = signer.verify(token, UNSUBSCRIBE, now)
    query = select(subscribers.c.site_page).where(subscribers.c.id == claims.subject)
    if (await conn.execute(query)).scalar_one_or_none() not in (None, site_page):
        raise TokenError(N_("This link is not valid on this page."))
    result = await conn.execute(
        update(subscribers)
        .where(subscribers.c.id == claims.subject, subscribers.c.unsubscribed_at.is_(None))
        .values(unsubscribed_at=now, updated_at=now)
    )
    await cancel_pending(conn, "unsubscribed", subscriber_id=claims.subject)
    return result.rowcount == 1


async def disable_subscriber(
    conn: AsyncConnection, subscriber: dict[str, Any], reason: str, now: datetime
) -> None:
    """A permanent failure (no such mailbox, webhook answering 4xx): stop sending, and tell
    the owner of a webhook by mail."""
    result = await conn.execute(
        update(subscribers)
        .where(subscribers.c.id == subscriber["id"], subscribers.c.disabled_reason.is_(None))
        .values(disabled_reason=reason[:500], updated_at=now)
    )
    if result.rowcount != 1:
        return  # a parallel delivery to it failed first and did all this
    await cancel_pending(conn, f"subscriber disabled: {reason}", subscriber_id=subscriber["id"])
    if subscriber["kind"] != SubscriberKind.WEBHOOK.value or not subscriber["owner_email"]:
        return
    page = await _page(conn, subscriber["page_id"], subscriber["site_page"])
    content = {"page": page, "webhook": subscriber["address"], "reason": reason}
    key = f"owner:{subscriber['id']}:{now.isoformat()}"
    message_id = await store_message(conn, key, "owner", content, now)
    if message_id is not None:
        # Not tied to the subscriber row: it is disabled, and this mail must still go.
        row = pending_row(message_id, key, "email", now, recipient=subscriber["owner_email"])
        await enqueue_rows(conn, [row])
