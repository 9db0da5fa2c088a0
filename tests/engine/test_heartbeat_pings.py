"""Pings to /ping/<token> become results through the recorder, like any check's."""

from __future__ import annotations

from datetime import timedelta

from hiccup.core.status import Verdict
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.codec import utc
from tests.support.heartbeat_helpers import BACKUP_TOKEN, START, heartbeat_rig


async def test_it_records_a_good_result_for_a_ping(engine: AsyncEngine) -> None:
    async with heartbeat_rig(engine) as rig:
        rig.clock.advance(timedelta(minutes=2))
        response = await rig.get(f"/ping/{BACKUP_TOKEN}")
        assert response.status_code == 200
        assert response.text == "OK\n"
        assert response.headers["cache-control"] == "no-store"
        [result] = await rig.results("backup")
        assert result["verdict"] == Verdict.OK.value
        assert result["latency_ms"] is None
        assert await rig.state("backup") == "up"


async def test_it_accepts_a_post_and_ignores_the_body(engine: AsyncEngine) -> None:
    async with heartbeat_rig(engine) as rig:
        response = await rig.client.post(f"/ping/{BACKUP_TOKEN}", content=b"x" * 10_000)
        assert response.status_code == 200
        assert len(await rig.results("backup")) == 1


async def test_it_sets_the_next_deadline_from_the_ping(engine: AsyncEngine) -> None:
    async with heartbeat_rig(engine) as rig:
        rig.clock.advance(timedelta(minutes=3))
        await rig.get(f"/ping/{BACKUP_TOKEN}")
        row = await rig.heartbeat_row("backup")
        assert utc(row["last_ping_at"]) == START + timedelta(minutes=3)
        # The next ping is expected 5m after this one, plus 1m of grace.
        assert utc(row["due_at"]) == START + timedelta(minutes=9)


async def test_it_times_the_run_from_start_to_ping(engine: AsyncEngine) -> None:
    async with heartbeat_rig(engine) as rig:
        assert (await rig.get(f"/ping/{BACKUP_TOKEN}/start")).status_code == 200
        assert await rig.results("backup") == []  # a start is not a result
        rig.clock.advance(timedelta(seconds=90))
        await rig.get(f"/ping/{BACKUP_TOKEN}")
        [result] = await rig.results("backup")
        assert result["verdict"] == Verdict.OK.value
        assert result["latency_ms"] == 90_000
        # The start is used up: the next ping alone has no duration.
        rig.clock.advance(timedelta(minutes=5))
        await rig.get(f"/ping/{BACKUP_TOKEN}")
        assert (await rig.results("backup"))[-1]["latency_ms"] is None


async def test_it_records_a_failure_the_job_reports(engine: AsyncEngine) -> None:
    async with heartbeat_rig(engine) as rig:
        await rig.get(f"/ping/{BACKUP_TOKEN}/start")
        rig.clock.advance(timedelta(seconds=12))
        response = await rig.client.post(f"/ping/{BACKUP_TOKEN}/fail")
        assert response.status_code == 200
        [result] = await rig.results("backup")
        assert result["verdict"] == Verdict.FAILED.value
        assert result["error"] == "job reported failure"
        assert result["latency_ms"] == 12_000


async def test_it_confirms_an_outage_after_reported_failures(engine: AsyncEngine) -> None:
    async with heartbeat_rig(engine) as rig:
        for _ in range(2):  # failure_threshold: 2
            await rig.get(f"/ping/{BACKUP_TOKEN}/fail")
            rig.clock.advance(timedelta(minutes=5))
        assert await rig.state("backup") == "down"
        await rig.get(f"/ping/{BACKUP_TOKEN}")
        assert await rig.state("backup") == "up"  # success_threshold: 1


async def test_it_answers_404_in_plain_text_for_an_unknown_token(engine: AsyncEngine) -> None:
    async with heartbeat_rig(engine) as rig:
        for path in ("/ping/nope-nope-nope-nope", "/ping/nope-nope-nope-nope/start"):
            response = await rig.get(path)
            assert response.status_code == 404
            assert response.headers["content-type"].startswith("text/plain")
            assert response.text == "unknown ping token\n"
        response = await rig.client.post("/ping/nope-nope-nope-nope/fail")
        assert response.status_code == 404
