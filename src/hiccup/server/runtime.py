"""One Hiccup process: migrate, sync config, then run scheduler, recorder, status service and
snapshot builder side by side. Started and stopped by the web app's lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from starlette.routing import BaseRoute
from starlette.types import ASGIApp

from hiccup.auth.page_access import networks
from hiccup.checks.base import CheckResult
from hiccup.checks.registry import CheckSet
from hiccup.config.metrics import MetricsConfig
from hiccup.config.model import HiccupConfig, HttpConfig
from hiccup.core import logs
from hiccup.core.clock import Clock, SystemClock
from hiccup.core.delayed import MemoryStatus
from hiccup.core.engine_health import EngineHealth
from hiccup.core.language import ENGLISH, language
from hiccup.core.monitors import MonitorSpec
from hiccup.core.signal import Signal
from hiccup.engine.changefeed import MAINTENANCE, MONITORS, PAGE, STATES
from hiccup.engine.check_stats import CheckStats
from hiccup.engine.cluster import HeldMonitors, lease_seconds_from_env
from hiccup.engine.heartbeats import HeartbeatWatcher, PingDesk, sync_heartbeats
from hiccup.engine.housekeeping import Housekeeping
from hiccup.engine.maintenance import MaintenanceWorker
from hiccup.engine.ownership import Ownership, OwnsEverything
from hiccup.engine.probe_desk import ProbeDesk
from hiccup.engine.recorder import Recorder
from hiccup.engine.replica import Replica
from hiccup.engine.rollups import HistoryWorker, settings_from
from hiccup.engine.scheduler import Scheduler
from hiccup.notify.maintenance_notices import maintenance_notice
from hiccup.notify.service import Notifications
from hiccup.server.memory import memory_status
from hiccup.server.metrics import Sources, access_from, scrape
from hiccup.server.startup import start_or_retry
from hiccup.snapshot.builder import SnapshotBuilder, SnapshotHolder
from hiccup.snapshot.disk import SnapshotDisk, mark_stale
from hiccup.snapshot.site import site_from_config, site_page_specs
from hiccup.status.service import StatusService
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.store.database import migrate
from hiccup.store.errors import DatabaseErrors
from hiccup.store.leases import setup_lock
from hiccup.store.migrate_child import migrate_apart
from hiccup.store.monitors import load_specs, load_tracks
from hiccup.store.outage import unavailable
from hiccup.store.probe_results import load_votes
from hiccup.store.site_pages import sync_site_pages
from hiccup.store.sync import SyncReport, sync_config
from hiccup.web.admin_site import AdminSite
from hiccup.web.api.probe_intake import probe_routes
from hiccup.web.app import SECURITY_HEADERS, Lifespan, create_app
from hiccup.web.edge import Edge, hsts_value
from hiccup.web.forwarded import TrustedProxies
from hiccup.web.metrics import metrics_route
from hiccup.web.public.ping import ping_router
from hiccup.web.public.serve import PublicServer
from hiccup.web.public.subscribe import SubscribeRoutes

log = logging.getLogger(__name__)


@dataclass
class Settings:
    page_slug: str = "default"
    flush_seconds: float = 2.0  # engine.recorder: why not less
    concurrency: int = 256
    per_host_concurrency: int = 8
    snapshot_refresh_seconds: float = 60.0
    snapshot_dir: Path | None = None  # where the snapshot survives restarts; None: memory only
    # Where operator alerts wait when the database is away (docs/notifications.md); None: off.
    alert_spool_dir: Path | None = None
    # Several servers on PostgreSQL: how long a lease lasts unrenewed (docs/scaling.md).
    lease_seconds: float = field(default_factory=lease_seconds_from_env)
    # How often the status service, the deliveries and the probe inbox look for work nobody
    # woke them for. Alone, this server wakes them itself on every change (the recorder, the
    # outbox's commit hook), so the look is only a safety net; with several servers, work
    # written by another one is found this way.
    poll_alone_seconds: float = 30.0
    poll_shared_seconds: float = 1.0
    # Schema upgrades in a child process (hiccup.store.migrate_child), so that Alembic never
    # stays in this process's memory; `serve` turns it on. Off, they run here (tests,
    # in-memory SQLite databases a child could not reach).
    migrate_apart: bool = False


class Hiccup:
    def __init__(
        self,
        engine: AsyncEngine,
        config: HiccupConfig | None = None,
        *,
        clock: Clock | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.engine = engine
        self.config = config
        self._monitors_released = False  # see _forget_parsed_monitors
        # The database going away is expected: its errors are logged without tracebacks.
        logs.shared().expected = unavailable
        self.clock = clock or SystemClock()
        self.settings = settings or Settings(page_slug=config.page.slug if config else "default")
        self.holder = SnapshotHolder()
        self.site = site_from_config(config)
        self.disk = SnapshotDisk(self.settings.snapshot_dir) if self.settings.snapshot_dir else None
        self.snapshots = SnapshotBuilder(
            engine,
            self.clock,
            self.holder,
            self.settings.page_slug,
            site=self.site,
            disk=self.disk,
            memory=self._memory_status,
        )
        # Several servers on PostgreSQL: leases decide what runs here (docs/scaling.md).
        self.replica = Replica.for_engine(engine, self.clock, self.settings.lease_seconds)
        self.changed = self._everywhere(PAGE, self.snapshots.request)  # rebuild every page
        # The consoles open here and on the other servers refetch their rows.
        self.monitor_changes = Signal()
        self._states_moved = self._everywhere(STATES, self.monitor_changes.poke)
        speaks = language(config.page.language) if config else ENGLISH
        self.status = StatusService(engine, self.clock, self.changed, speaks)
        self.checks = CheckSet()
        self.history = HistoryWorker(engine, self.clock, settings_from(config))
        self.maintenance = MaintenanceWorker(
            engine, self.clock, self.changed, maintenance_notice, language=speaks
        )
        self.housekeeping = Housekeeping(engine, self.clock)
        self.recorder: Recorder | None = None
        self.scheduler: Scheduler | None = None
        self.ownership: Ownership = OwnsEverything()
        if self.replica is not None:
            self.ownership = self.replica.monitors
        self.held: HeldMonitors | None = None
        self.probes = ProbeDesk(
            engine, self.clock, lambda m: self.ownership.holds(m), lambda: self.recorder
        )
        self.heartbeats = HeartbeatWatcher(engine, self.clock, self._submit)
        self.pings = PingDesk(engine, self.clock, self._submit, self.heartbeats)
        self.notifications = Notifications(
            engine, self.clock, config, spool_dir=self.settings.alert_spool_dir
        )
        self.admin = AdminSite(
            engine,
            self.clock,
            page_slug=self.settings.page_slug,
            public_url=config.page.url if config else "",
            reload_monitors=self._reload_everywhere(),
            refresh_public=self.changed,
            wake_maintenance=self._everywhere(MAINTENANCE, self.maintenance.wake.set),
            engine_health=self._engine_health,
            notify=self.notifications,
            monitor_changes=self.monitor_changes,
        )
        # Read by /metrics at scrape time (hiccup.server.metrics).
        self.check_stats = CheckStats()
        self.db_errors = DatabaseErrors(engine)
        self._tasks: list[asyncio.Task[None]] = []

    def _memory_status(self) -> MemoryStatus | None:
        specs = self.held.specs if self.held is not None else ()
        return memory_status(self.recorder, specs, self.ownership.holds)

    def _engine_health(self) -> EngineHealth | None:
        if self.scheduler is None:
            return None
        health = self.scheduler.health()
        skew = self.replica.monitors.clock_skew if self.replica is not None else None
        if skew is None:
            return health
        return replace(health, clock_skew_s=skew.total_seconds())

    def _everywhere(self, channel: str, local: Callable[[], None]) -> Callable[[], None]:
        return local if self.replica is None else self.replica.everywhere(channel, local)

    def _reload_everywhere(self) -> Callable[[], Awaitable[None]]:
        if self.replica is None:
            return self.reload_monitors
        return self.replica.everywhere_async(MONITORS, self.reload_monitors)

    async def prepare(self) -> SyncReport:
        """Migrate and sync the config; run before anything else touches the database."""
        async with setup_lock(self.engine):  # servers started together take turns
            return await self._migrate_and_sync()

    async def _migrate_and_sync(self) -> SyncReport:
        await (migrate_apart(self.engine) if self.settings.migrate_apart else migrate(self.engine))
        report = SyncReport()
        if self._monitors_released:
            # Syncing the config without its monitors would delete every monitor it declares
            # (and their history): a second sync needs the file parsed again.
            raise RuntimeError("the config's monitors were let go after start; parse it again")
        if self.config is not None:
            async with self.engine.begin() as conn:
                report = await sync_config(conn, self.config, self.clock.now())
                await sync_site_pages(conn, self.config.page.slug, site_page_specs(self.site))
                for change in await self.notifications.sync(conn, self.clock.now()):
                    log.info("notifications config: %s", change)
        return report

    def transitions_stored(self) -> None:
        """The recorder stored transitions: apply them, and tell every open console."""
        self.status.wake.set()
        self._states_moved()

    def _submit(self, spec: MonitorSpec, result: CheckResult, at: datetime) -> None:
        # Heartbeat results come from web requests and the watcher, which exist before start().
        if self.recorder is None:
            raise RuntimeError("Hiccup is not started")
        if self.ownership.holds(spec.id):
            self.check_stats.count(spec.id, result)
            self.recorder.submit(spec, result, at)
        else:  # behind a load balancer, the ping reached a server that does not own it
            self.probes.hand_off(spec, result, at)

    async def _sync_heartbeats(self, specs: list[MonitorSpec]) -> None:
        async with setup_lock(self.engine), self.engine.begin() as conn:
            await sync_heartbeats(conn, specs, self.clock.now())

    def _spawn(self, name: str, work: Coroutine[Any, Any, None]) -> None:
        self._tasks.append(asyncio.create_task(work, name=name))

    async def start(self) -> None:
        report = await self.prepare()
        if report.changed:
            log.info("config synced: %s", report.describe())
        await self.admin.announce_setup()
        # Before the detector states are read: alerts a killed process spooled store their
        # transitions now, so the same outage is not confirmed (and told) again.
        await self.notifications.prepare()
        async with self.engine.connect() as conn:
            specs, tracks = await load_specs(conn), await load_tracks(conn)
        await self._sync_heartbeats(specs)
        self.recorder = Recorder(
            self.engine,
            self.clock,
            tracks,
            self.transitions_stored,
            flush_seconds=self.settings.flush_seconds,
            fence=self.replica.monitors.fence if self.replica is not None else None,
            spool=self.notifications.spool,
            on_unwritten=self.snapshots.request,
        )
        async with self.engine.connect() as conn:  # probes' health survives a restart
            self.recorder.quorums.adopt(await load_votes(conn, [s.id for s in specs if s.voted]))
        self.scheduler = Scheduler(
            self.checks.run,
            self.check_stats.tap(self.recorder.submit),
            concurrency=self.settings.concurrency,
            per_host=self.settings.per_host_concurrency,
        )
        self.held = HeldMonitors(self.engine, self.ownership, self.scheduler, self.recorder)
        self.held.apply(specs)
        if self.replica is not None:
            await self.replica.start(self.held)  # claims a first share of the monitors
        await self.status.process_pending()
        await self.snapshots.rebuild()
        poll = self._poll_seconds()
        self.notifications.poll_seconds = max(poll, 2.0)
        self._spawn("recorder", self.recorder.run())
        self._spawn("status", self.status.run(max(poll, 2.0)))
        self._spawn("snapshot", self.snapshots.run(self.settings.snapshot_refresh_seconds))
        workers = {"history": self.history.run, "maintenance": self.maintenance.run}
        self._spawn_workers({**workers, "heartbeats": self.heartbeats.run})
        self._spawn("housekeeping", self.housekeeping.run())  # idempotent: every server
        self._spawn("probe-inbox", self.probes.run(poll))
        if self.notifications.spool is not None:  # every server: its own disk
            self._spawn("alert-spool", self.notifications.spool.run())
        self._spawn_workers(self.notifications.workers())
        if self.replica is not None:
            for name, work in self.replica.tasks().items():
                self._spawn(name, work)
        # Last, once start-up is done: its grid and its lateness count from here.
        self._spawn("scheduler", self.scheduler.run())
        self._forget_parsed_monitors()

    def _forget_parsed_monitors(self) -> None:
        """The monitors are in the database now and read from there (reloads too): the parsed
        config's models of them (about 1.4 KB each) need not stay for the process's life."""
        if self.config is None or not self.config.monitors:
            return
        self.config = self.config.model_copy(update={"monitors": []})
        self.notifications.hiccup_config = self.config
        self._monitors_released = True

    def _poll_seconds(self) -> float:
        alone = self.replica is None
        return self.settings.poll_alone_seconds if alone else self.settings.poll_shared_seconds

    def _spawn_workers(self, workers: dict[str, Callable[[], Coroutine[Any, Any, None]]]) -> None:
        for name, work in workers.items():
            # Several servers: some run on one server at a time, while it holds their lease.
            self._spawn(name, work() if self.replica is None else self.replica.work(name, work))

    async def reload_monitors(self) -> None:
        async with self.engine.connect() as conn:
            specs = await load_specs(conn)
        await self._sync_heartbeats(specs)
        self.heartbeats.wake()
        if self.held is not None:
            self.held.apply(specs)
        self.monitor_changes.poke()  # added, paused, resumed or removed: rows to refetch

    async def stop(self) -> None:
        for task in reversed(self._tasks):
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self.recorder is not None:
            with contextlib.suppress(Exception):
                await self.recorder.flush()
        if self.replica is not None:
            await self.replica.stop()  # after the flush: the next holders read the latest state
        with contextlib.suppress(Exception):
            await self.status.process_pending()
        if self.disk is not None:
            await self.disk.settle()  # a feed rendered just now is on disk for the next start
        await self.notifications.close()
        await self.checks.close()
        self.db_errors.close()
        log.info("hiccup stopped: workers ended, results flushed")

    async def begin(self) -> None:
        """Serve the snapshot from disk at once (marked as the last known status), then start;
        while the database is unreachable, keep serving it and retry in the background."""
        loaded = self.disk.load(self.site.guards()) if self.disk is not None else None
        if loaded is not None:
            self.holder.publish(mark_stale(loaded, loaded.generated_at))
        retrying = await start_or_retry(self.start, serving=loaded is not None)
        if retrying is not None:
            self._tasks.append(retrying)

    def app(self) -> ASGIApp:
        @asynccontextmanager
        async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
            await self.begin()
            try:
                yield
            finally:
                await self.stop()

        # In front: snapshot paths and /live answered without FastAPI's routing.
        public = PublicServer(self.holder, self._fastapi(lifespan))
        public.closers.append(self.monitor_changes.close)
        app: ASGIApp = public
        proxies = networks(self.config.trusted_proxies) if self.config else ()
        if proxies:
            app = TrustedProxies(app, proxies)
        return self._edge(app)

    def _edge(self, app: ASGIApp) -> ASGIApp:
        """Outermost: bodies capped before anything reads them, every answer's headers."""
        http = self.config.http if self.config else HttpConfig()
        headers = dict(SECURITY_HEADERS)
        hsts = hsts_value(
            self.config.page.url if self.config else "",
            http.hsts_max_age,
            include_subdomains=http.hsts_include_subdomains,
        )
        if hsts is not None:
            headers["strict-transport-security"] = hsts
        return Edge(
            app, headers=headers, max_body=http.max_body_bytes, max_form=http.max_form_bytes
        )

    def _judged_here(self) -> list[MonitorSpec]:
        """The monitors this server judges (several servers: those whose lease it holds)."""
        if self.held is None:
            return []
        return [spec for spec in self.held.specs if self.ownership.holds(spec.id)]

    def _metrics_route(self) -> BaseRoute:
        config = self.config.metrics if self.config else MetricsConfig()
        sources = Sources(
            self.engine,
            self.clock,
            self.holder,
            self.check_stats,
            self.db_errors,
            monitors=self._judged_here,
            tracks=lambda i: self.recorder.state_of(i) if self.recorder else None,
            scheduler=lambda: self.scheduler,
        )
        return metrics_route(access_from(config, os.environ), lambda: scrape(sources))

    def _fastapi(self, lifespan: Lifespan) -> FastAPI:
        return create_app(
            self.holder,
            lifespan,
            ping_router=ping_router(self.pings),
            extra_routes=[
                *SubscribeRoutes(self.notifications, self.site).routes(),
                *probe_routes(self.probes),  # before the admin's /api/v1 mount
                self._metrics_route(),
                *self.admin.routes(),
            ],
        )
