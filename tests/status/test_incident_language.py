"""The status service writes the automatic incidents of a German page in German: the title,
the first update and the resolution, with German durations. The words are stored once and
shown as written everywhere (page, feeds, API, mail), so they are chosen at writing time."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hiccup.core.language import language, speaking
from hiccup.core.maintenance import completed_body
from hiccup.status.service import StatusService
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.tables import incident_updates, incidents
from tests.support.store_helpers import pipeline


async def test_a_german_pages_automatic_incident_is_written_in_german(
    engine: AsyncEngine,
) -> None:
    made = await pipeline(engine)
    made.status = StatusService(engine, made.clock, lambda: None, language("de"))
    for _ in range(4):
        await made.minute(**{"flexo http": False})
    for _ in range(4):
        await made.minute(**{"flexo http": True})
    async with engine.connect() as conn:
        [incident] = (await conn.execute(select(incidents.c.name, incidents.c.id))).all()
        query = select(incident_updates.c.body).where(incident_updates.c.incident_id == incident.id)
        bodies = list((await conn.execute(query.order_by(incident_updates.c.created_at))).scalars())
    assert incident.name == "flexo ist nicht erreichbar"
    assert bodies[0].startswith("Wir untersuchen das. flexo antwortet seit 16:0")
    assert bodies[-1].startswith("Behoben: flexo war 16:0")
    assert "Minuten" in bodies[-1]
    assert bodies[-1].endswith("Es antwortet wieder normal.")


def test_maintenance_updates_in_the_language_spoken() -> None:
    with speaking(language("es")):
        assert completed_body(timedelta(minutes=3)) == (
            "El mantenimiento programado ha terminado; 3 minutos de interrupción medida."
        )
    assert completed_body(timedelta(0)) == (
        "The scheduled maintenance has been completed; no downtime was measured."
    )
