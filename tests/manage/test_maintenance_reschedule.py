"""Changing a maintenance made in the admin: future windows move (and are announced again),
an overrunning one is extended in place with an update saying when it now ends, and one
declared in the config file is refused."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from hiccup.auth.principal import Principal
from hiccup.auth.roles import Permission, Role, Scope
from hiccup.core.maintenance import MaintenanceStatus
from hiccup.engine.maintenance import MaintenanceWorker
from hiccup.manage import maintenance
from hiccup.manage.context import Actor, Ops
from hiccup.manage.errors import Conflict, Invalid
from hiccup.manage.models import MaintenanceIn, MaintenanceOut
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.maintenance import WindowRow
from hiccup.store.tables import components
from hiccup.store.tables_maintenance import maintenance_updates, maintenances
from tests.support.admin_helpers import (
    add_user,
    bearer,
    client_for,
    component_ids,
    log_in,
    running,
    session_csrf,
)
from tests.support.store_helpers import CONFIG, START, Pipeline, pipeline

ACTOR = Actor(Principal("u1", "olga", Role.OWNER, frozenset(Permission)))
DECLARED = """\
maintenance:
  - {name: Kernel updates, components: [amy], start: "2026-11-10T06:00:00", duration: 30m}
"""


async def setup(engine: AsyncEngine) -> tuple[Pipeline, Ops, MaintenanceWorker, list[str]]:
    flow = await pipeline(engine, CONFIG + DECLARED)
    told: list[str] = []

    async def notice(
        _conn: object, row: WindowRow, phase: str, body: str, _update: str, _now: datetime
    ) -> None:
        # The window goes with the notice (mail, chat, webhook), not in the update's body.
        when = f"{row.window.start:%H:%M}–{row.window.end:%H:%M} UTC"
        told.append(f"{phase}: {when} {body}")

    worker = MaintenanceWorker(engine, flow.clock, lambda: None, notice)
    return flow, Ops(engine, flow.clock), worker, told


async def flexo_id(engine: AsyncEngine) -> str:
    async with engine.connect() as conn:
        query = select(components.c.id).where(components.c.name == "flexo")
        return str((await conn.execute(query)).scalar_one())


def plan(flexo: str, start: datetime, minutes: float, name: str = "Move flexo") -> MaintenanceIn:
    return MaintenanceIn(name=name, components=[flexo], start=start, duration_s=minutes * 60)


def windows(found: MaintenanceOut) -> list[tuple[str, str, str]]:
    return [
        (w.status, f"{w.scheduled_for:%H:%M}", f"{w.scheduled_until:%H:%M}") for w in found.windows
    ]


async def test_a_window_not_yet_started_moves_and_is_announced_again(engine: AsyncEngine) -> None:
    flow, ops, worker, told = await setup(engine)
    flexo = await flexo_id(engine)
    made = await maintenance.schedule(ops, ACTOR, plan(flexo, START.replace(hour=18), 30))
    await worker.run_pass()
    moved = await maintenance.reschedule(
        ops, ACTOR, made.id, plan(flexo, START.replace(hour=20), 45, "Move flexo, later")
    )
    assert moved.windows == [], "the old window is gone before the worker makes the new one"
    await worker.run_pass()
    found = await maintenance.get_maintenance(ops, made.id)
    assert windows(found) == [("scheduled", "20:00", "20:45")]
    about_flexo = [t.split(":")[0] for t in told if "18:00–18:30" in t or "20:00–20:45" in t]
    assert about_flexo == ["scheduled", "scheduled"]
    assert "20:00–20:45 UTC" in told[-1]
    flow.clock.set(START.replace(hour=18, minute=10))
    await worker.run_pass()
    assert windows(await maintenance.get_maintenance(ops, made.id))[0][0] == "scheduled"


RUNNING_SINCE = START.replace(hour=16, minute=30)


async def running_window(
    engine: AsyncEngine, minutes: float
) -> tuple[Pipeline, Ops, MaintenanceWorker, str, MaintenanceOut]:
    """A maintenance of flexo from 16:30 for `minutes`, started by the worker at 16:45."""
    flow, ops, worker, _ = await setup(engine)
    flexo = await flexo_id(engine)
    made = await maintenance.schedule(ops, ACTOR, plan(flexo, RUNNING_SINCE, minutes))
    flow.clock.set(RUNNING_SINCE + timedelta(minutes=15))
    await worker.run_pass()
    return flow, ops, worker, flexo, made


async def test_an_overrunning_window_is_extended_in_place(engine: AsyncEngine) -> None:
    flow, ops, worker, flexo, made = await running_window(engine, 20)
    start = RUNNING_SINCE
    assert windows(await maintenance.get_maintenance(ops, made.id)) == [
        ("in_progress", "16:30", "16:50")
    ]
    extended = await maintenance.reschedule(ops, ACTOR, made.id, plan(flexo, start, 50))
    assert windows(extended) == [("in_progress", "16:30", "17:20")]
    async with engine.connect() as conn:
        bodies = (await conn.execute(select(maintenance_updates.c.body))).scalars().all()
    assert "This maintenance now ends at 4 Nov 2026, 17:20 UTC." in bodies
    flow.clock.set(start + timedelta(minutes=25))  # past the old end: still running
    await worker.run_pass()
    assert windows(await maintenance.get_maintenance(ops, made.id))[0][0] == "in_progress"
    flow.clock.set(start + timedelta(minutes=50))
    await worker.run_pass()
    assert windows(await maintenance.get_maintenance(ops, made.id))[0][0] == "completed"


async def test_shortening_a_running_window_into_the_past_completes_it(
    engine: AsyncEngine,
) -> None:
    _, ops, worker, flexo, made = await running_window(engine, 60)
    await maintenance.reschedule(ops, ACTOR, made.id, plan(flexo, RUNNING_SINCE, 10))
    await worker.run_pass()
    [window] = (await maintenance.get_maintenance(ops, made.id)).windows
    assert window.status == MaintenanceStatus.COMPLETED


async def test_a_maintenance_from_the_config_file_is_changed_there_only(
    engine: AsyncEngine,
) -> None:
    _, ops, _, _ = await setup(engine)
    async with engine.connect() as conn:
        declared = (await conn.execute(select(maintenances.c.id))).scalar_one()
    with pytest.raises(Conflict):
        await maintenance.reschedule(
            ops, ACTOR, declared, plan(await flexo_id(engine), START.replace(hour=20), 10)
        )


async def test_bad_values_are_refused_and_nothing_changes(engine: AsyncEngine) -> None:
    _, ops, worker, _ = await setup(engine)
    flexo = await flexo_id(engine)
    made = await maintenance.schedule(ops, ACTOR, plan(flexo, START.replace(hour=18), 30))
    await worker.run_pass()
    bad = plan(flexo, START.replace(hour=19), 30).model_copy(update={"rrule": "FREQ=SOMETIMES"})
    with pytest.raises(Invalid) as refused:
        await maintenance.reschedule(ops, ACTOR, made.id, bad)
    assert "rrule" in refused.value.fields
    assert windows(await maintenance.get_maintenance(ops, made.id)) == [
        ("scheduled", "18:00", "18:30")
    ]


async def test_an_editor_reschedules_in_the_admin_and_over_the_api(engine: AsyncEngine) -> None:
    async with running(engine) as hiccup, client_for(hiccup) as client:
        editor = await add_user(engine, "olga", Role.EDITOR)
        flexo = (await component_ids(engine))["flexo"]
        headers = await bearer(engine, editor, [Scope.WRITE])
        first = {"name": "Move flexo", "components": [flexo], "start": "2030-01-05T10:00:00Z"}
        made = await client.post(
            "/api/v1/maintenance", json=first | {"duration_s": 1800}, headers=headers
        )
        assert made.status_code == 201
        item = made.json()["id"]
        moved = await client.put(
            f"/api/v1/maintenance/{item}", json=first | {"duration_s": 3600}, headers=headers
        )
        assert moved.status_code == 200
        assert moved.json()["duration_s"] == 3600
        bad = await client.put(
            f"/api/v1/maintenance/{item}",
            json=first | {"duration_s": 60, "time_zone": "Mars/Olympus"},
            headers=headers,
        )
        assert bad.status_code == 422
        assert "time_zone" in bad.text

        assert (await log_in(client, "olga")).status_code == 303
        listing = await client.get("/admin/maintenance")
        assert f"/maintenance/{item}/edit" in listing.text
        form = await client.get(f"/admin/maintenance/{item}/edit")
        assert form.status_code == 200
        assert 'value="2030-01-05T10:00"' in form.text
        saved = await client.post(
            f"/admin/maintenance/{item}/edit",
            data={
                "name": "Move flexo to the new rack",
                "components": flexo,
                "start": "2030-01-06T22:00",
                "duration_s": "5400",
                "message": "About ten minutes of 503s.",
                "csrf_token": session_csrf(form.text),
            },
        )
        assert saved.status_code == 303
        found = (await client.get(f"/api/v1/maintenance/{item}", headers=headers)).json()
        assert found["name"] == "Move flexo to the new rack"
        assert found["start_local"].startswith("2030-01-06T22:00")
        assert found["duration_s"] == 5400
