"""Quorum over real uploads: a lonely probe is outvoted and flagged, never an outage; a target
down for every probe is confirmed once."""

from __future__ import annotations

from sqlalchemy import func, select

from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.page_figures import read_figures
from hiccup.store.tables import pages
from hiccup.store.tables_notify import notify_messages
from hiccup.store.tables_probes import probe_events, probes
from tests.support.probe_helpers import CONFIG, probe_rig

CONFIG_WITH_COMPONENT = CONFIG.replace(
    "monitors:\n", "components:\n  - name: Web\nmonitors:\n"
).replace("    probes: [eu, us, ap]\n", "    probes: [eu, us, ap]\n    component: web\n")

ALL_OK = {"eu-1": True, "us-1": True, "ap-1": True}


async def test_a_target_only_one_probe_cannot_reach_stays_up_and_flags_that_probe(
    engine: AsyncEngine,
) -> None:
    async with probe_rig(engine) as rig:
        await rig.rounds("flexo", 3, ALL_OK)
        await rig.rounds("flexo", 8, {"eu-1": False, "us-1": True, "ap-1": True})
        assert await rig.state("flexo") == "up"
        assert await rig.transitions() == 1  # unknown → up only
        healthy = dict(await rig.scalar_rows(select(probes.c.name, probes.c.healthy)))
        assert healthy == {"eu-1": False, "us-1": True, "ap-1": True}
        flagged = await rig.scalar(select(func.count()).select_from(probe_events))
        assert flagged == 1
        headlines = await rig.scalar_rows(select(notify_messages.c.content))
        assert [c["headline"] for (c,) in headlines] == ["Probe eu-1 unhealthy"]
        # Once it agrees again for a few rounds, it votes again and says so once.
        await rig.rounds("flexo", 4, ALL_OK)
        healthy = dict(await rig.scalar_rows(select(probes.c.name, probes.c.healthy)))
        assert healthy["eu-1"] is True
        headlines = await rig.scalar_rows(select(notify_messages.c.content))
        assert [c["headline"] for (c,) in headlines][-1] == "Probe eu-1 healthy again"


async def test_a_target_down_for_every_probe_is_confirmed_once(engine: AsyncEngine) -> None:
    async with probe_rig(engine) as rig:
        await rig.rounds("flexo", 3, ALL_OK)
        await rig.rounds("flexo", 6, {"eu-1": False, "us-1": False, "ap-1": False})
        assert await rig.state("flexo") == "down"
        assert await rig.transitions() == 2  # unknown → up, up → down
        flagged = await rig.scalar(select(func.count()).select_from(probe_events))
        assert flagged == 0


async def test_two_of_three_down_is_an_outage(engine: AsyncEngine) -> None:
    async with probe_rig(engine) as rig:
        await rig.rounds("flexo", 3, ALL_OK)
        await rig.rounds("flexo", 4, {"eu-1": False, "us-1": False, "ap-1": True})
        assert await rig.state("flexo") == "down"


async def test_one_step_per_round_so_thresholds_count_rounds(engine: AsyncEngine) -> None:
    async with probe_rig(engine) as rig:
        await rig.rounds("flexo", 3, ALL_OK)
        # failure_threshold 3: two bad rounds (six bad reports) are not enough.
        await rig.rounds("flexo", 2, {"eu-1": False, "us-1": False, "ap-1": False})
        assert await rig.state("flexo") == "up"


async def test_a_monitor_on_one_probe_is_judged_by_it_alone(engine: AsyncEngine) -> None:
    async with probe_rig(engine) as rig:
        await rig.rounds("leela", 3, {"eu-1": False})
        assert await rig.state("leela") == "down"


async def test_the_page_figures_show_the_latest_latency_per_region(engine: AsyncEngine) -> None:
    async with probe_rig(engine, CONFIG_WITH_COMPONENT) as rig:
        await rig.rounds("flexo", 2, ALL_OK)
        async with engine.connect() as conn:
            page_id = (await conn.execute(select(pages.c.id))).scalar_one()
            figures = await read_figures(conn, page_id, rig.clock.now())
        [(_key, shown)] = figures.values()
        assert [region for region, _ms in shown.regions] == ["ap", "eu", "us"]
        assert all(ms == 20.0 for _region, ms in shown.regions)
