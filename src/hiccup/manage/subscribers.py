"""Subscribers of the main page from the admin and API: search, counts per component,
unsubscribe, a new confirmation mail, and CSV export and import.

An imported address is mailed a confirmation link like a sign-up on the page, unless the
operator states that its owner already opted in (a list moved from another service); that
statement is written to the audit log with the count, as the operator's word for it.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from hiccup.config.notifications import check_email
from hiccup.core.confirmations import ConfirmationTarget
from hiccup.core.ids import new_id
from hiccup.manage.context import Actor, Ops, change
from hiccup.manage.errors import Invalid, ManageError, NotFound
from hiccup.store import subscriber_rows
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.subscriber_rows import (
    ComponentCount,
    Found,
    NewSubscriber,
    SubscriberRow,
    SubscriberStatus,
)

CSV_COLUMNS = ("address", "kind", "components", "status", "created_at", "confirmed_at")
MAX_IMPORT_ROWS = 50_000


@dataclass(frozen=True, slots=True)
class Counts:
    by_status: dict[str, int]
    per_component: list[ComponentCount]


@dataclass(frozen=True, slots=True)
class Imported:
    added: int
    skipped: int  # already subscribed (any state): left as they are
    confirmations: int  # mails queued (0 when the operator stated they opted in)
    # "line N: why" for each line left out (only when asked to skip bad lines).
    problems: tuple[str, ...] = ()


async def _page_id(ops: Ops, conn: AsyncConnection) -> str:
    page_id = await subscriber_rows.page_id_of(conn, ops.default_page_slug)
    if page_id is None:
        raise NotFound("page")
    return page_id


async def search(
    ops: Ops, text: str = "", component: str = "", offset: int = 0, limit: int = 100
) -> Found:
    async with ops.engine.connect() as conn:
        page_id = await _page_id(ops, conn)
        component_id = None
        if component:
            component_id = (await subscriber_rows.component_keys(conn, page_id)).get(component)
            if component_id is None:
                return Found([], 0)  # nobody hears of a component that is not there
        return await subscriber_rows.search(
            conn,
            page_id,
            text=text.strip(),
            component_id=component_id,
            offset=offset,
            limit=limit,
        )


async def counts(ops: Ops) -> Counts:
    async with ops.engine.connect() as conn:
        by_status, per_component = await subscriber_rows.counts(conn, await _page_id(ops, conn))
        return Counts(by_status, per_component)


async def _found(ops: Ops, conn: AsyncConnection, subscriber_id: str) -> tuple[str, SubscriberRow]:
    page_id = await _page_id(ops, conn)
    row = await subscriber_rows.find(conn, page_id, subscriber_id)
    if row is None:
        raise NotFound("subscriber")
    return page_id, row


async def unsubscribe(ops: Ops, actor: Actor, subscriber_id: str) -> None:
    async with change(ops, actor) as c:
        _, row = await _found(ops, c.conn, subscriber_id)
        if row.declared:
            raise ManageError("this subscription is declared in the config file")
        await subscriber_rows.mark_unsubscribed(c.conn, subscriber_id, c.now)
        await subscriber_rows.cancel_deliveries(c.conn, subscriber_id, "unsubscribed by operator")
        await c.audit("subscriber.unsubscribe", f"subscriber {subscriber_id}")


async def resend_confirmation(ops: Ops, actor: Actor, subscriber_id: str) -> None:
    """A fresh link to a pending (or unsubscribed) address; the old link stops working."""
    async with change(ops, actor) as c:
        page_id, row = await _found(ops, c.conn, subscriber_id)
        if row.status is SubscriberStatus.ACTIVE or row.declared:
            raise ManageError("this subscriber is confirmed already")
        email = row.owner_email or row.address
        nonce = secrets.token_hex(8)
        await subscriber_rows.renew_nonce(c.conn, subscriber_id, nonce, c.now)
        keys = await subscriber_rows.component_keys(c.conn, page_id)
        target = ConfirmationTarget(
            page_id,
            row.site_page,
            subscriber_id,
            email,
            tuple(keys[k] for k in row.components if k in keys),
            row.address if row.kind == "webhook" else None,
            nonce,
        )
        await ops.notify.mail_confirmation(c.conn, target, c.now)
        await c.audit("subscriber.confirm_again", f"subscriber {subscriber_id}")
    ops.notify.wake()


def export_csv(rows: Iterable[SubscriberRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow(
            [
                _safe_cell(r.address),
                r.kind,
                " ".join(r.components),
                r.status.value,
                r.created_at.isoformat(),
                r.confirmed_at.isoformat() if r.confirmed_at else "",
            ]
        )
    return out.getvalue()


def _safe_cell(value: str) -> str:
    # A cell starting with = + - @ is run as a formula by spreadsheets (CSV injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


async def export(ops: Ops) -> str:
    async with ops.engine.connect() as conn:
        page_id = await _page_id(ops, conn)
        found = await subscriber_rows.search(conn, page_id, limit=1_000_000)
    return export_csv(found.subscribers)


def _cell(row: list[str], index: int | None) -> str:
    return row[index] if index is not None and index < len(row) else ""


def _parse(text: str, keys: dict[str, str]) -> tuple[list[tuple[str, tuple[str, ...]]], list[str]]:
    """(address, component ids) of each good line, and "line N: why" of each bad one."""
    reader = csv.reader(io.StringIO(text))
    rows = [r for r in reader if any(cell.strip() for cell in r)]
    if rows and rows[0] and rows[0][0].strip().lower() == "address":
        header = [h.strip().lower() for h in rows[0]]
        rows = rows[1:]
        line_offset = 2
    else:
        header = ["address", "components"]
        line_offset = 1
    if len(rows) > MAX_IMPORT_ROWS:
        raise Invalid({"file": f"at most {MAX_IMPORT_ROWS} addresses per import"})
    at = {name: header.index(name) for name in ("address", "components") if name in header}
    parsed: list[tuple[str, tuple[str, ...]]] = []
    problems: list[str] = []
    for number, row in enumerate(rows, line_offset):
        cell = _cell(row, at.get("address")).strip()
        try:
            address = check_email(cell)
        except ValueError as error:
            problems.append(f"line {number}: {error}")
            continue
        picked = _cell(row, at.get("components")).split()
        unknown = [k for k in picked if k not in keys]
        if unknown:
            problems.append(f"line {number}: no component {', '.join(unknown)}")
            continue
        parsed.append((address, tuple(keys[k] for k in picked)))
    return parsed, problems


async def import_csv(
    ops: Ops, actor: Actor, text: str, opted_in: bool, *, skip_bad: bool = False
) -> Imported:
    """Add the file's email addresses (a column `address`, optional `components`: keys
    separated by spaces). Addresses already there are skipped. A bad line refuses the whole
    file (Invalid, naming the first), unless `skip_bad`: then the good lines are added and
    the bad ones come back in `problems`, so the fixed file can simply be imported again."""
    async with change(ops, actor) as c:
        page_id = await _page_id(ops, c.conn)
        keys = await subscriber_rows.component_keys(c.conn, page_id)
        good, problems = _parse(text, keys)
        if problems and not skip_bad:
            raise Invalid({"file": problems[0]})
        wanted = dict(good)  # the last line of an address wins
        slug = ops.default_page_slug
        present = await subscriber_rows.existing_addresses(
            c.conn, page_id, slug, "email", list(wanted)
        )
        new = [
            NewSubscriber(new_id(), address, picked, None if opted_in else secrets.token_hex(8))
            for address, picked in wanted.items()
            if address not in present
        ]
        await subscriber_rows.insert_email_subscribers(c.conn, page_id, slug, new, c.now)
        for s in new if not opted_in else []:
            assert s.nonce is not None
            target = ConfirmationTarget(
                page_id, slug, s.id, s.address, s.component_ids, None, s.nonce
            )
            await ops.notify.mail_confirmation(c.conn, target, c.now)
        statement = "operator stated they opted in" if opted_in else "confirmation mailed"
        left_out = f"; {len(problems)} bad lines left out" if problems else ""
        await c.audit(
            "subscriber.import",
            "subscribers",
            f"{len(new)} added, {len(present)} already there; {statement}{left_out}",
        )
    if new and not opted_in:
        ops.notify.wake()
    return Imported(len(new), len(present), 0 if opted_in else len(new), tuple(problems))
