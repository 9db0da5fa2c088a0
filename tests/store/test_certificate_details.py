"""The certificate each monitor's newest check read (monitor_certs, revision 0026) and the phase
columns of every result (revision 0026_result_phases), on SQLite and PostgreSQL: what they keep,
when a certificate is rewritten, and the upgrade from the heads before them."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from alembic import command
from sqlalchemy import Connection, insert

from hiccup.checks.certificate import CertificateInfo
from hiccup.core.status import Verdict
from hiccup.store.asyncio_engine import AsyncConnection, AsyncEngine
from hiccup.store.certificates import KnownCertificate, known_certificates
from hiccup.store.database import alembic_config, newest_revisions
from hiccup.store.results import (
    RecordedResult,
    StoredResult,
    recent_results,
    stored_results,
    to_ms,
    write_results,
)
from hiccup.store.tables import monitors
from hiccup.store.tables_results import monitor_certs, monitor_keys, result_details, results
from tests.support.certificates import certificate_ending
from tests.support.store_helpers import START

ENDS = START + timedelta(days=60)
NEW = {"0026", "0026_result_phases"}
MONITOR = "m00000000001"


def _ok(
    at_s: int, phases: dict[str, float] | None = None, certificate: CertificateInfo | None = None
) -> RecordedResult:
    at = START + timedelta(seconds=at_s)
    return RecordedResult(MONITOR, at, Verdict.OK, 42.0, 200, None, phases, certificate=certificate)


async def _add_monitor(conn: AsyncConnection) -> None:
    row: dict[str, object] = {"id": MONITOR, "key": "m1", "name": "m1", "kind": "tls"}
    row |= {"target": "example.net"}
    row |= {"interval_s": 60.0, "timeout_s": 5.0, "created_at": START, "updated_at": START}
    await conn.execute(insert(monitors).values(row))


async def _certificate(engine: AsyncEngine) -> KnownCertificate:
    async with engine.connect() as conn:
        return (await known_certificates(conn, [MONITOR]))[MONITOR]


async def test_the_newest_certificate_is_kept_with_its_details(engine: AsyncEngine) -> None:
    first, renewed = certificate_ending(ENDS), certificate_ending(ENDS + timedelta(days=90))
    async with engine.begin() as conn:
        await _add_monitor(conn)
        # Out of order in one batch: the newest check's certificate wins.
        batch = [_ok(20, certificate=renewed), _ok(10, certificate=first), _ok(30)]
        await write_results(conn, batch, START)
    kept = await _certificate(engine)
    assert kept == KnownCertificate(
        not_after=renewed.not_after,
        not_before=renewed.not_before,
        subject_cn="status.example.test",
        issuer_cn="Example Issuing CA",
        issuer_org="Example Trust",
        alt_names=("status.example.test", "127.0.0.1"),
        serial=renewed.serial,
        fingerprint=renewed.fingerprint,
    )


async def test_a_certificate_is_rewritten_only_when_its_fingerprint_changes(
    engine: AsyncEngine,
) -> None:
    first = certificate_ending(ENDS)
    async with engine.begin() as conn:
        await _add_monitor(conn)
        await write_results(conn, [_ok(10, certificate=first)], START)
        # Same fingerprint, other words: not written (the test of "changed" is the fingerprint).
        same = replace(first, subject_cn="changed.example.test")
        await write_results(conn, [_ok(20, certificate=same)], START)
    assert (await _certificate(engine)).subject_cn == "status.example.test"
    # Another certificate with the very same dates (a reissue): rewritten.
    reissued = certificate_ending(ENDS, issued="2")
    async with engine.begin() as conn:
        await write_results(conn, [_ok(30, certificate=reissued)], START)
    kept = await _certificate(engine)
    assert kept.fingerprint == reissued.fingerprint
    assert kept.serial == reissued.serial


async def test_every_result_keeps_its_phases_in_whole_milliseconds(engine: AsyncEngine) -> None:
    phases = {"dns": 1.4, "connect": 3.6, "tls": 12.0, "first_byte": 20.2, "total": 41.7}
    failed = RecordedResult(
        MONITOR,
        START + timedelta(seconds=20),
        Verdict.FAILED,
        None,
        None,
        "connection refused",
        {"dns": 0.4, "connect": 2999.6},
    )
    async with engine.begin() as conn:
        await _add_monitor(conn)
        await write_results(conn, [_ok(10, phases=phases), failed, _ok(30)], START)
        recent = await recent_results(conn, MONITOR, 10)
        stored = await stored_results(conn, MONITOR)
    whole = {"dns": 1.0, "connect": 4.0, "tls": 12.0, "first_byte": 20.0, "total": 42.0}
    assert [r["phases"] for r in recent] == [{}, {"dns": 0.0, "connect": 3000.0}, whole]
    assert [r.phases for r in stored] == [whole, {"dns": 0.0, "connect": 3000.0}, {}]
    assert [r.error for r in stored] == [None, "connection refused", None]


def _upgrade(connection: Connection, revisions: list[str]) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    for revision in revisions:
        command.upgrade(config, revision)


async def test_the_upgrade_keeps_what_the_heads_before_held(bare_engine: AsyncEngine) -> None:
    engine = bare_engine
    at = START + timedelta(milliseconds=123)
    async with engine.begin() as conn:
        # The heads before: 0025 and 0019 were heads until the new revisions built on them.
        before = (newest_revisions() - NEW) | {"0025", "0019"}
        await conn.run_sync(_upgrade, sorted(before))
        await _add_monitor(conn)
        await conn.execute(insert(monitor_certs).values(monitor_id=MONITOR, not_after=ENDS))
        await conn.execute(insert(monitor_keys).values(key=1, monitor_id=MONITOR))
        key = {"monitor_key": 1, "at": to_ms(at), "probe": ""}
        # Written before the phase columns: an ok result without phases, a failure with them.
        await conn.execute(
            results.insert(),
            [
                key | {"verdict": 2, "latency_ms": None, "status_code": None, "reliable": True},
                key
                | {"at": to_ms(at) + 1000, "verdict": 0, "latency_ms": 9, "status_code": 200}
                | {"reliable": True},
            ],
        )
        await conn.execute(
            insert(result_details).values(key | {"error": "refused", "phases": {"connect": 2.5}})
        )
        await conn.run_sync(_upgrade, ["heads"])
    async with engine.connect() as conn:
        assert await stored_results(conn, MONITOR) == [
            StoredResult(
                MONITOR, at, "local", Verdict.FAILED, None, None, "refused", {"connect": 2.5}, True
            ),
            StoredResult(
                MONITOR, at + timedelta(seconds=1), "local", Verdict.OK, 9.0, 200, None, {}, True
            ),
        ]
    old = await _certificate(engine)
    assert (old.not_after, old.fingerprint, old.subject_cn, old.alt_names) == (ENDS, None, None, ())
    # The next check that reads it fills in the details, though the end is the same.
    same_end = certificate_ending(ENDS)
    async with engine.begin() as conn:
        await write_results(conn, [_ok(60, certificate=same_end)], START)
    assert (await _certificate(engine)).fingerprint == same_end.fingerprint
