"""A scrape answers promptly when the database hangs or is gone: the outbox figures are left
out (hiccup_outbox_readable 0) and everything held in memory is still there."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from hiccup.core.clock import SystemClock
from hiccup.engine.check_stats import CheckStats
from hiccup.server.metrics import OUTBOX_TIMEOUT_S, Sources, scrape
from hiccup.snapshot.builder import SnapshotHolder
from hiccup.store.database import create_engine
from hiccup.store.errors import DatabaseErrors
from tests.support.targets import reserve_port


def sources_for(url: str) -> Sources:
    engine = create_engine(url)
    return Sources(
        engine,
        SystemClock(),
        SnapshotHolder(),
        CheckStats(),
        DatabaseErrors(engine),
        monitors=lambda: [],
        tracks=lambda _id: None,
        scheduler=lambda: None,
    )


def samples(text: bytes) -> dict[str, float]:
    return {
        s.name: s.value
        for family in text_string_to_metric_families(text.decode())
        for s in family.samples
    }


@pytest.fixture
async def silent_port() -> AsyncIterator[int]:
    """A port that accepts connections and never says a word: a hung database server."""
    held: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    for writer in held:
        writer.close()
    server.close()
    await server.wait_closed()


async def test_a_scrape_answers_within_its_bound_while_the_database_hangs(
    silent_port: int,
) -> None:
    sources = sources_for(f"postgresql://hiccup:secret@127.0.0.1:{silent_port}/hiccup")
    try:
        began = time.monotonic()
        found = samples(await scrape(sources))
        assert time.monotonic() - began < OUTBOX_TIMEOUT_S + 2
    finally:
        sources.db_errors.close()
        await sources.engine.dispose()
    assert found["hiccup_outbox_readable"] == 0
    assert found["hiccup_build_info"] == 1


async def test_a_refused_database_connection_counts_as_a_database_error() -> None:
    sources = sources_for(f"postgresql://hiccup:secret@127.0.0.1:{reserve_port()}/hiccup")
    try:
        found = samples(await scrape(sources))
    finally:
        sources.db_errors.close()
        await sources.engine.dispose()
    assert found["hiccup_outbox_readable"] == 0
    assert found["hiccup_database_errors_total"] >= 1
