"""The certificate each monitor's newest check read (`monitor_certs`): noted from a batch of
results, read for the dashboard's days-left column, the monitor page and the API."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from hiccup.checks.certificate import CertificateInfo
from hiccup.store.asyncio_engine import AsyncConnection
from hiccup.store.codec import utc
from hiccup.store.tables_results import monitor_certs
from hiccup.store.upsert import upsert_into


@dataclass(frozen=True, slots=True)
class KnownCertificate:
    """A stored certificate. Only the end is sure: rows noted before revision 0026 have no
    details until the next check reads the certificate again."""

    not_after: datetime
    not_before: datetime | None
    subject_cn: str | None
    issuer_cn: str | None
    issuer_org: str | None
    alt_names: tuple[str, ...]
    serial: str | None
    fingerprint: str | None


def _row(monitor_id: str, info: CertificateInfo) -> dict[str, Any]:
    return {
        "monitor_id": monitor_id,
        "not_after": info.not_after,
        "not_before": info.not_before,
        "subject_cn": info.subject_cn,
        "issuer_cn": info.issuer_cn,
        "issuer_org": info.issuer_org,
        "alt_names": list(info.alt_names),
        "serial": info.serial,
        "fingerprint": info.fingerprint,
    }


async def note_certificates(
    conn: AsyncConnection, read: Iterable[tuple[str, datetime, CertificateInfo | None]]
) -> None:
    """Keep each monitor's newest certificate among (monitor, when checked, certificate): a
    row is rewritten only when the fingerprint differs (a renewal, another server behind the
    name), so a steady certificate costs no write however often it is checked."""
    newest: dict[str, tuple[datetime, CertificateInfo]] = {}
    for monitor_id, at, info in read:
        if info is not None and (monitor_id not in newest or newest[monitor_id][0] <= at):
            newest[monitor_id] = (at, info)
    if not newest:
        return
    insert = upsert_into(conn, monitor_certs)
    columns = [c.name for c in monitor_certs.c if c.name != "monitor_id"]
    upsert = insert.on_conflict_do_update(
        index_elements=[monitor_certs.c.monitor_id],
        set_={name: insert.excluded[name] for name in columns},
        where=monitor_certs.c.fingerprint.is_distinct_from(insert.excluded.fingerprint),
    )
    await conn.execute(upsert, [_row(m, info) for m, (_, info) in sorted(newest.items())])


async def certificate_ends(conn: AsyncConnection, ids: Sequence[str]) -> dict[str, datetime]:
    """When the certificate each monitor's newest check read ends, for those that read one."""
    c = monitor_certs.c
    query = select(c.monitor_id, c.not_after).where(c.monitor_id.in_(ids))
    return {monitor_id: utc(end) for monitor_id, end in await conn.execute(query)}


async def known_certificates(
    conn: AsyncConnection, ids: Sequence[str]
) -> dict[str, KnownCertificate]:
    """The certificate each monitor's newest check read, for those that read one."""
    query = select(monitor_certs).where(monitor_certs.c.monitor_id.in_(ids))
    return {row.monitor_id: _known(row) for row in await conn.execute(query)}


def _known(row: Any) -> KnownCertificate:
    return KnownCertificate(
        not_after=utc(row.not_after),
        not_before=None if row.not_before is None else utc(row.not_before),
        subject_cn=row.subject_cn,
        issuer_cn=row.issuer_cn,
        issuer_org=row.issuer_org,
        alt_names=tuple(row.alt_names or ()),
        serial=row.serial,
        fingerprint=row.fingerprint,
    )
