"""`hiccup config export` writes what `hiccup check` accepts and the sync applies with no
change — for rows from the file and rows made in the admin alike."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from hiccup.auth.principal import Principal
from hiccup.auth.roles import Permission, Role
from hiccup.config.load import parse_config
from hiccup.core.clock import ManualClock
from hiccup.manage import components, maintenance, monitors
from hiccup.manage.context import Actor, Ops
from hiccup.manage.models import ComponentIn, MaintenanceForm, MonitorIn
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.config_export import dump, export_document
from hiccup.store.sync import sync_config

NOW = datetime(2026, 5, 22, 16, 10, tzinfo=UTC)
CONFIG = """
page: {name: Example hosting, slug: default, time_zone: Europe/Berlin}
components:
  - name: Web servers
    key: web
    components:
      - {name: amy}
      - {name: flexo, description: The big one}
  - {name: E-mail, key: mail}
monitors:
  - {name: amy http, kind: http, target: "http://127.0.0.1:9/", component: amy,
     interval: 30s, retry_interval: 10s, degraded_latency: 800ms, tags: [web, eu]}
  - {name: mail smtp, kind: tcp, target: "127.0.0.1:25", component: mail, enabled: false}
maintenance:
  - {name: Kernel updates, components: [amy], start: "2026-06-02T06:00:00",
     duration: 30m, rrule: "FREQ=WEEKLY;BYDAY=TU", message: About five minutes of 503s.}
"""
ACTOR = Actor(Principal("u1", "olga", Role.OWNER, frozenset(Permission)))


async def _made_in_the_admin(ops: Ops) -> None:
    leela = await components.save_component(ops, ACTOR, ComponentIn(name="leela"))
    await monitors.create_monitor(
        ops,
        ACTOR,
        MonitorIn(
            name="leela tcp",
            kind="tcp",
            target="127.0.0.1:443",
            component_id=leela.id,
            interval_s=45,
            timeout_s=2.5,
            tags=["db"],
            options={},
        ),
    )
    await maintenance.schedule(
        ops,
        ACTOR,
        MaintenanceForm(  # as the admin sends it: a wall-clock time
            name="Move leela",
            components=[leela.id],
            start=datetime(2026, 6, 10, 22, 0),
            duration_s=3600,
            message="Expect a short break.",
            remind_before_s=86400,
        ),
    )


async def test_export_then_check_then_sync_changes_nothing(engine: AsyncEngine) -> None:
    ops = Ops(engine, ManualClock(NOW))
    async with engine.begin() as conn:
        first = await sync_config(conn, parse_config(CONFIG, Path("hiccup.yaml")), NOW)
    assert first.changed
    await _made_in_the_admin(ops)
    async with engine.connect() as conn:
        text = dump(await export_document(conn, "default"))
    exported = parse_config(text, Path("exported.yaml"))  # what `hiccup check` does
    assert {m.slug for m in exported.monitors} == {"amy-http", "mail-smtp", "leela-tcp"}
    async with engine.begin() as conn:
        report = await sync_config(conn, exported, NOW)
    assert not report.changed, report
    async with engine.connect() as conn:
        again = dump(await export_document(conn, "default"))
    assert again == text


async def test_sections_the_database_lacks_are_carried_over(engine: AsyncEngine) -> None:
    current = {
        "page": {"name": "Example hosting", "slug": "default", "time_zone": "Europe/Berlin"},
        "history": {"retention": "14d"},
    }
    async with engine.begin() as conn:
        await sync_config(conn, parse_config(CONFIG, Path("hiccup.yaml")), NOW)
    async with engine.connect() as conn:
        document = await export_document(conn, "default", current)
    assert document["history"] == {"retention": "14d"}
    assert parse_config(dump(document), Path("x.yaml")).history.retention.days == 14
