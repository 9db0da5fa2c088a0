"""One Hiccup process: migrate, sync config, then run scheduler, recorder, status service and
snapshot builder side by side. Started and stopped by the web app's lifespan."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp

from hiccup.checks.base import CheckResult
from hiccup.checks.registry import CheckSet, scheduled_only
from hiccup.clock import Clock, SystemClock
from hiccup.config import HiccupConfig
from hiccup.core.monitors import MonitorSpec
from hiccup.engine.heartbeats import HeartbeatWatcher, PingDesk, sync_heartbeats
from hiccup.engine.maintenance import MaintenanceWorker
from hiccup.engine.recorder import Recorder
from hiccup.engine.rollups import HistoryWorker, settings_from
from hiccup.engine.scheduler import Scheduler
from hiccup.notify.maintenance_notices import maintenance_notice
from hiccup.notify.service import Notifications
from hiccup.notify.web.subscribe import SubscribeRoutes
from hiccup.snapshot import SnapshotBuilder, SnapshotHolder
from hiccup.snapshot_disk import SnapshotDisk, mark_stale
from hiccup.startup import start_or_retry
from hiccup.status_service import StatusService
from hiccup.store.database import migrate
from hiccup.store.monitors import load_specs, load_tracks
from hiccup.store.sync import SyncReport, sync_config
from hiccup.web.app import Lifespan, create_app
from hiccup.web.ping import ping_router
from hiccup.web.public.serve import PublicServer
from hiccup.web.public.site import site_from_config
from hiccup.web.site import AdminSite

log = logging.getLogger(__name__)


@dataclass
class Settings:
    page_slug: str = "default"
    flush_seconds: float = 1.0
    concurrency: int = 256
    per_host_concurrency: int = 8
    snapshot_refresh_seconds: float = 60.0
    snapshot_dir: Path | None = None  # where the snapshot survives restarts; None: memory only


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
        )
        self.status = StatusService(engine, self.clock, self.snapshots.request)
        self.checks = CheckSet()
        self.history = HistoryWorker(engine, self.clock, settings_from(config))
        self.maintenance = MaintenanceWorker(
            engine, self.clock, self.snapshots.request, maintenance_notice
        )
        self.recorder: Recorder | None = None
        self.scheduler: Scheduler | None = None
        self.heartbeats = HeartbeatWatcher(engine, self.clock, self._submit)
        self.pings = PingDesk(engine, self.clock, self._submit, self.heartbeats)
        self.notifications = Notifications(engine, self.clock, config)
        self.admin = AdminSite(
            engine,
            self.clock,
            page_slug=self.settings.page_slug,
            public_url=config.page.url if config else "",
            reload_monitors=self.reload_monitors,
            refresh_public=self.snapshots.request,
            wake_maintenance=self.maintenance.wake.set,
        )
        self._tasks: list[asyncio.Task[None]] = []

    async def prepare(self) -> SyncReport:
        """Migrate and sync the config; run before anything else touches the database."""
        await migrate(self.engine)
        report = SyncReport()
        if self.config is not None:
            async with self.engine.begin() as conn:
                report = await sync_config(conn, self.config, self.clock.now())
                for change in await self.notifications.sync(conn, self.clock.now()):
                    log.info("notifications config: %s", change)
        return report

    def _submit(self, spec: MonitorSpec, result: CheckResult, at: datetime) -> None:
        # Heartbeat results come from web requests and the watcher, which exist before start().
        if self.recorder is None:
            raise RuntimeError("Hiccup is not started")
        self.recorder.submit(spec, result, at)

    async def _sync_heartbeats(self, specs: list[MonitorSpec]) -> None:
        async with self.engine.begin() as conn:
            await sync_heartbeats(conn, specs, self.clock.now())

    def _spawn(self, name: str, work: Coroutine[Any, Any, None]) -> None:
        self._tasks.append(asyncio.create_task(work, name=name))

    async def start(self) -> None:
        report = await self.prepare()
        if report.changed:
            log.info("config synced: %s", report)
        await self.admin.announce_setup()
        async with self.engine.connect() as conn:
            specs, tracks = await load_specs(conn), await load_tracks(conn)
        await self._sync_heartbeats(specs)
        await self.notifications.prepare()
        self.recorder = Recorder(
            self.engine,
            self.clock,
            tracks,
            self.status.wake.set,
            flush_seconds=self.settings.flush_seconds,
        )
        self.scheduler = Scheduler(
            self.checks.run,
            self.recorder.submit,
            concurrency=self.settings.concurrency,
            per_host=self.settings.per_host_concurrency,
        )
        self.scheduler.set_monitors(scheduled_only(specs))
        await self.status.process_pending()
        await self.snapshots.rebuild()
        self._spawn("recorder", self.recorder.run())
        self._spawn("status", self.status.run())
        self._spawn("snapshot", self.snapshots.run(self.settings.snapshot_refresh_seconds))
        self._spawn("scheduler", self.scheduler.run())
        self._spawn("history", self.history.run())
        self._spawn("maintenance", self.maintenance.run())
        self._spawn("heartbeats", self.heartbeats.run())
        for name, work in self.notifications.tasks().items():
            self._spawn(name, work)

    async def reload_monitors(self) -> None:
        async with self.engine.connect() as conn:
            specs = await load_specs(conn)
        await self._sync_heartbeats(specs)
        self.heartbeats.wake()
        if self.scheduler is not None:
            self.scheduler.set_monitors(scheduled_only(specs))

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
        with contextlib.suppress(Exception):
            await self.status.process_pending()
        await self.notifications.close()
        await self.checks.close()
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
        return PublicServer(self.holder, self._fastapi(lifespan))

    def _fastapi(self, lifespan: Lifespan) -> FastAPI:
        return create_app(
            self.holder,
            lifespan,
            ping_router=ping_router(self.pings),
            extra_routes=[*SubscribeRoutes(self.notifications).routes(), *self.admin.routes()],
        )
