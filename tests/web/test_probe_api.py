"""The probe API: assignments by region, idempotent uploads, probe-only tokens, clear errors."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hiccup.probe.wire import ASSIGNMENTS_PATH, Assignments, WireCertificate
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.certificates import known_certificates
from hiccup.store.tables_results import results
from tests.support.certificates import certificate_ending
from tests.support.probe_helpers import START, probe_rig


async def test_a_probe_gets_the_monitors_of_its_region_with_an_etag(engine: AsyncEngine) -> None:
    async with probe_rig(engine) as rig:
        headers = {"authorization": f"Bearer {rig.tokens['eu-1']}"}
        reply = await rig.client.get(ASSIGNMENTS_PATH, params={"region": "eu"}, headers=headers)
        assert reply.status_code == 200
        assigned = Assignments.model_validate_json(reply.text)
        assert assigned.probe == "eu-1"
        assert sorted(m.name for m in assigned.monitors) == ["flexo", "leela"]
        again = await rig.client.get(
            ASSIGNMENTS_PATH,
            params={"region": "eu"},
            headers={**headers, "if-none-match": reply.headers["etag"]},
        )
        assert again.status_code == 304
        us = await rig.client.get(
            ASSIGNMENTS_PATH,
            params={"region": "us"},
            headers={"authorization": f"Bearer {rig.tokens['us-1']}"},
        )
        assert [m.name for m in Assignments.model_validate_json(us.text).monitors] == ["flexo"]


async def test_a_retried_upload_is_stored_once(engine: AsyncEngine) -> None:
    async with probe_rig(engine) as rig:
        batch = [rig.result("flexo", START, True), rig.result("leela", START, False)]
        first = await rig.upload("eu-1", batch)
        assert first.json() == {"accepted": 2, "duplicates": 0, "ignored": 0}
        second = await rig.upload("eu-1", batch)
        assert second.json() == {"accepted": 0, "duplicates": 2, "ignored": 0}
        assert await rig.stored("flexo") == 1
        async with engine.connect() as conn:
            probe = (await conn.execute(select(results.c.probe))).scalars().all()
        assert set(probe) == {"eu-1"}


async def test_results_for_monitors_not_assigned_are_ignored(engine: AsyncEngine) -> None:
    async with probe_rig(engine) as rig:
        reply = await rig.upload("us-1", [rig.result("leela", START, True)])
        assert reply.json() == {"accepted": 0, "duplicates": 0, "ignored": 1}
        assert await rig.stored("leela") == 0


async def test_only_live_probe_tokens_are_let_in(engine: AsyncEngine) -> None:
    async with probe_rig(engine) as rig:
        path, region = ASSIGNMENTS_PATH, {"region": "eu"}
        assert (await rig.client.get(path, params=region)).status_code == 401
        for token in ("hcp_an-operators-api-token", "hcp_probe_forged", rig.tokens["eu-1"] + "x"):
            reply = await rig.client.get(
                path, params=region, headers={"authorization": f"Bearer {token}"}
            )
            assert reply.status_code == 401
            assert reply.json()["error"]["code"] == "unauthenticated"


async def test_a_bad_batch_is_refused_naming_the_field(engine: AsyncEngine) -> None:
    async with probe_rig(engine) as rig:
        good = rig.result("flexo", START, True).model_dump(mode="json")
        bad = {**good, "at": "yesterday"}
        reply = await rig.client.post(
            "/api/v1/probe/results",
            params={"region": "eu"},
            headers={"authorization": f"Bearer {rig.tokens['eu-1']}"},
            json={"results": [good, bad]},
        )
        assert reply.status_code == 422
        assert "results.1.at" in reply.json()["error"]["fields"]
        assert await rig.stored("flexo") == 0  # nothing of a refused batch is kept
        huge = await rig.client.post(
            "/api/v1/probe/results",
            params={"region": "eu"},
            headers={"authorization": f"Bearer {rig.tokens['eu-1']}"},
            content=b"[" + b" " * (5 * 1024 * 1024) + b"]",
        )
        assert huge.status_code == 413
        no_region = await rig.client.post(
            "/api/v1/probe/results",
            headers={"authorization": f"Bearer {rig.tokens['eu-1']}"},
            json={"results": []},
        )
        assert no_region.status_code == 422
        assert no_region.json()["error"]["fields"] == {"region": "region: a-z, 0-9, _ and -"}


async def test_the_certificate_a_probe_read_is_kept_for_its_monitor(engine: AsyncEngine) -> None:
    cert = certificate_ending(START + timedelta(days=40))
    async with probe_rig(engine) as rig:
        sent = rig.result("flexo", START, True).model_copy(
            update={"certificate": WireCertificate.of(cert)}
        )
        reply = await rig.upload("eu-1", [sent])
        assert reply.json() == {"accepted": 1, "duplicates": 0, "ignored": 0}
        monitor_id = rig.specs["flexo"].id
        async with engine.connect() as conn:
            kept = (await known_certificates(conn, [monitor_id]))[monitor_id]
        assert (kept.fingerprint, kept.not_after, kept.alt_names) == (
            cert.fingerprint,
            cert.not_after,
            cert.alt_names,
        )
