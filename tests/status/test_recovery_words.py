"""An incident's resolution is told in the words of the monitors' kind: a job that ran again,
a certificate that is fine again; only a service "is answering normally again". Times are in
the page's zone."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hiccup.checks.base import CheckResult
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.public_read import read_public_state
from tests.support.store_helpers import CONFIG, pipeline

BERLIN = CONFIG.replace("time_zone: UTC", "time_zone: Europe/Berlin")
JOBS = (
    "  - name: Backups\n"
    "    key: backups\n"
    "    components: [{name: nightly, key: nightly}]\n"
    "  - name: Shop\n"
    "    key: shop\n"
    "    components: [{name: certificate, key: cert}]\n"
)
MONITORS = (
    "  - {name: Backups job, kind: heartbeat, period: 1d, component: nightly, public: true}\n"
    "  - {name: Shop TLS, kind: tls, target: '127.0.0.1:4', component: cert, public: true}\n"
)
TEXT = BERLIN.replace("monitors:\n", JOBS + "monitors:\n") + MONITORS


async def _trouble_then_recovery(engine: AsyncEngine, monitor: str, error: str) -> str:
    flow = await pipeline(engine, TEXT)
    spec = flow.spec(monitor)
    for _ in range(3):  # enough to confirm for every kind (heartbeats need 1)
        flow.recorder.submit(spec, CheckResult(ok=False, error=error), flow.clock.now())
        await flow.recorder.flush()
        await flow.status.process_pending()
    flow.clock.advance(timedelta(minutes=63))
    for _ in range(2):  # success_threshold: 2
        flow.recorder.submit(spec, CheckResult(ok=True, latency_ms=5.0), flow.clock.now())
        await flow.recorder.flush()
        await flow.status.process_pending()
    async with engine.connect() as conn:
        state = await read_public_state(conn, "default", flow.clock.now())
    [incident] = state.recent_incidents
    return next(u.body for u in incident.updates if u.body.startswith("Resolved"))


@pytest.mark.parametrize(
    ("monitor", "error", "ending"),
    [
        # 16:00 UTC start, 63 minutes on: 18:03 in Berlin (CET).
        ("Backups", "missed its 17:00 CET run", "nightly ran again at 18:03 CET."),
        ("Shop", "certificate expires in 9 days", "Its certificate was fine again at 18:03 CET."),
        ("flexo", "connection refused", "It is answering normally again."),
    ],
)
async def test_the_resolution_ends_in_the_kinds_own_words(
    engine: AsyncEngine, monitor: str, error: str, ending: str
) -> None:
    body = await _trouble_then_recovery(engine, monitor, error)
    assert body.startswith("Resolved: ")
    assert body.endswith(ending)
    assert "answering normally" not in body or monitor == "flexo"
