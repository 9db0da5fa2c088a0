"""`hiccup demo`: a live page with no network. Local targets fail now and then, so a newcomer
sees an incident open and resolve within a couple of minutes; past incidents fill the history."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import uvicorn
import yaml
from aiohttp import web
from pydantic import BaseModel
from sqlalchemy import update

from hiccup.cli.say import Say
from hiccup.config.load import parse_config
from hiccup.core.clock import SystemClock
from hiccup.core.incidents import IncidentStatus
from hiccup.core.status import IncidentImpact
from hiccup.server.runtime import Hiccup, Settings
from hiccup.server.serving_uvicorn import GracefulServer
from hiccup.status.incidents import open_incident, post_update
from hiccup.store.asyncio_engine import AsyncConnection, AsyncEngine
from hiccup.store.database import create_engine, data_dir
from hiccup.store.tables import components, monitors, outages, pages
from hiccup.web.limits import ServeLimits
from hiccup.web.uvicorn_guard import guarded_protocol

HISTORY = Path(__file__).parents[1] / "resources" / "demo-history.yaml"

# flexo answers 503 for 45 s of every 150 s; leela is slow for 30 s of every 150 s.
CYCLE = 150.0
FLEXO_DOWN = (30.0, 75.0)
LEELA_SLOW = (100.0, 130.0)

DEMO_CONFIG = """
page:
  name: Hiccup Demo Hosting
  time_zone: UTC
components:
  - name: Web servers
    key: web
    show_response_time: true
    components:
      - name: amy
      - name: flexo
      - name: leela
  - name: E-mail
    key: mail
monitors:
  - {{name: amy website, kind: http, target: "{base}/amy", component: amy,
      interval: 5s, timeout: 3s}}
  - {{name: flexo website, kind: http, target: "{base}/flexo", component: flexo,
      interval: 5s, timeout: 3s}}
  - {{name: leela website, kind: http, target: "{base}/leela", component: leela, interval: 5s,
      timeout: 4s, degraded_latency: 1s}}
  - {{name: mail SMTP, kind: tcp, target: "127.0.0.1:{smtp}", component: mail,
      interval: 10s, timeout: 3s}}
maintenance:
  - name: Mail server upgrade
    components: [mail]
    start: {maintenance_start}
    duration: 3m
    time_zone: UTC
    message: The mail server is upgraded; mail may be delayed for a few minutes.
"""


@dataclass
class DemoTargets:
    started: float = field(default_factory=time.monotonic)
    runners: list[web.AppRunner] = field(default_factory=list)
    http_port: int = 0
    smtp_port: int = 0
    smtp: asyncio.Server | None = None

    def phase(self) -> float:
        return (time.monotonic() - self.started) % CYCLE

    async def _flexo(self, _request: web.Request) -> web.Response:
        low, high = FLEXO_DOWN
        if low <= self.phase() < high:
            return web.Response(status=503, text="Service Unavailable")
        return web.Response(text="flexo: Welcome")

    async def _leela(self, _request: web.Request) -> web.Response:
        low, high = LEELA_SLOW
        if low <= self.phase() < high:
            await asyncio.sleep(1.5)
        return web.Response(text="leela: Welcome")

    async def _amy(self, _request: web.Request) -> web.Response:
        return web.Response(text="amy: Welcome")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/amy", self._amy)
        app.router.add_get("/flexo", self._flexo)
        app.router.add_get("/leela", self._leela)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.runners.append(runner)
        self.http_port = runner.addresses[0][1]
        self.smtp = await asyncio.start_server(self._greet, "127.0.0.1", 0)
        self.smtp_port = self.smtp.sockets[0].getsockname()[1]

    async def _greet(self, _reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 mail.demo ESMTP\r\n")
        await writer.drain()
        writer.close()

    async def stop(self) -> None:
        for runner in self.runners:
            await runner.cleanup()
        if self.smtp is not None:
            self.smtp.close()


class PastUpdate(BaseModel):
    after: int  # minutes after the start
    status: IncidentStatus
    body: str


class PastIncident(BaseModel):
    days_ago: int
    hour: int
    minutes: int
    component: str
    name: str
    impact: IncidentImpact
    updates: list[PastUpdate]


def _past_incidents() -> list[PastIncident]:
    raw = yaml.safe_load(HISTORY.read_text(encoding="utf-8"))
    return [PastIncident.model_validate(item) for item in raw]


async def _seed_incident(
    conn: AsyncConnection, ids: tuple[str, str, str], past: PastIncident, now: datetime
) -> None:
    page_id, component_id, monitor_id = ids
    day = now - timedelta(days=past.days_ago)
    start = day.replace(hour=past.hour, minute=0, second=0, microsecond=0)
    end = start + timedelta(minutes=past.minutes)
    outage = {"monitor_id": monitor_id, "state": "down", "started_at": start, "ended_at": end}
    await conn.execute(outages.insert().values(**outage))
    first, *rest = past.updates
    incident_id = await open_incident(
        conn,
        page_id=page_id,
        name=past.name,
        impact=past.impact,
        body=first.body,
        started_at=start,
        now=start,
        component_ids=[component_id],
    )
    for update_ in rest:
        resolved_at = end if update_.status is IncidentStatus.RESOLVED else None
        at = start + timedelta(minutes=update_.after)
        await post_update(
            conn, incident_id, update_.status, update_.body, at, resolved_at=resolved_at
        )


async def _seed_history(engine: AsyncEngine, now: datetime) -> None:
    """Backdate monitoring by 90 days and add past incidents with their measured outages."""
    async with engine.begin() as conn:
        await conn.execute(update(monitors).values(created_at=now - timedelta(days=90)))
        page_id = (await conn.execute(pages.select())).mappings().one()["id"]
        keys = {r["key"]: r["id"] for r in (await conn.execute(components.select())).mappings()}
        rows = (await conn.execute(monitors.select())).mappings()
        owners = {r["component_id"]: r["id"] for r in rows}
        for past in _past_incidents():
            component_id = keys[past.component]
            ids = (page_id, component_id, owners[component_id])
            await _seed_incident(conn, ids, past, now)


async def _demo(host: str, port: int, console: Say) -> None:
    targets = DemoTargets()
    await targets.start()
    base = f"http://127.0.0.1:{targets.http_port}"
    # A maintenance window a few minutes in, so the demo shows it announced, running and done.
    soon = (SystemClock().now() + timedelta(minutes=4)).replace(tzinfo=None, microsecond=0)
    text = DEMO_CONFIG.format(base=base, smtp=targets.smtp_port, maintenance_start=soon.isoformat())
    config = parse_config(text, Path("<demo>"))
    database = data_dir() / "demo.db"
    database.parent.mkdir(parents=True, exist_ok=True)
    for stale in database.parent.glob("demo.db*"):
        stale.unlink()
    engine = create_engine(f"sqlite:///{database}")
    hiccup = Hiccup(engine, config, settings=Settings(snapshot_refresh_seconds=15))
    # The one-time setup link is printed as an address a person can open, as `serve` does.
    hiccup.admin.base_url = f"http://{host}:{port}"
    await hiccup.prepare()
    await _seed_history(engine, SystemClock().now())
    console.print(
        f"[bold]Hiccup demo[/bold] on [link]http://{host}:{port}/[/link]: flexo fails for 45 s "
        "every 2.5 minutes; leela slows down now and then. Ctrl-C stops."
    )
    settings = uvicorn.Config(
        hiccup.app(),
        host=host,
        port=port,
        http=guarded_protocol(ServeLimits()),  # the header timeout and cap `serve` has
        log_level="warning",
        timeout_graceful_shutdown=5,
    )
    server = GracefulServer(settings)  # Ctrl-C ends open pages' live streams first
    try:
        await server.serve()
    finally:
        await targets.stop()
        await engine.dispose()


def run_demo(host: str, port: int, console: Say) -> None:
    asyncio.run(_demo(host, port, console))
