"""The operator side of the server: `/admin` (UI) and `/api/v1` (REST), wired to a runtime."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp

from hiccup.core.clock import Clock
from hiccup.core.engine_health import EngineHealth
from hiccup.core.signal import Signal
from hiccup.manage.context import NotifyDesk, Ops
from hiccup.manage.login import announce_setup
from hiccup.store.asyncio_engine import AsyncEngine
from hiccup.web.admin.app import create_admin
from hiccup.web.admin.live import AdminLive
from hiccup.web.api.app import create_api
from hiccup.web.head import HeadAsGet

log = logging.getLogger(__name__)


async def _to_admin(_request: Request) -> RedirectResponse:
    return RedirectResponse("/admin/", status_code=308)


class _Mount(Mount):
    """A mount that also takes paths with an encoded newline (`%0A`) in them: Starlette's
    pattern stops at a newline, and such a request would fall out of our app into the
    outer one and be answered without our error shape."""

    def __init__(self, path: str, app: ASGIApp) -> None:
        super().__init__(path, app=app)
        self.path_regex = re.compile(self.path_regex.pattern, re.DOTALL)


class AdminSite:
    def __init__(
        self,
        engine: AsyncEngine,
        clock: Clock,
        *,
        page_slug: str = "default",
        public_url: str = "",
        reload_monitors: Callable[[], Awaitable[None]] | None = None,
        refresh_public: Callable[[], None] | None = None,
        wake_maintenance: Callable[[], None] | None = None,
        engine_health: Callable[[], EngineHealth | None] | None = None,
        notify: NotifyDesk | None = None,
        monitor_changes: Signal | None = None,
    ) -> None:
        self.ops = Ops(engine, clock, page_slug)
        if notify is not None:
            self.ops.notify = notify
        if engine_health is not None:
            self.ops.engine_health = engine_health
        if reload_monitors is not None:
            self.ops.reload_monitors = reload_monitors
        if refresh_public is not None:
            self.ops.refresh_public = refresh_public
        if wake_maintenance is not None:
            self.ops.wake_maintenance = wake_maintenance
        # Where people reach this server; the setup link is printed with it. `serve` sets the
        # listen address when the page's URL is not configured.
        self.base_url = public_url.rstrip("/")
        # Poked when monitors change state; the open consoles' rows refetch (/admin/live).
        self.monitor_changes = monitor_changes or Signal()
        self.live = AdminLive(self.ops, self.monitor_changes)

    def routes(self) -> list[BaseRoute]:
        secure = self.base_url.startswith("https://")
        return [
            # "/admin" as typed in an address bar: the console lives at "/admin/".
            Route("/admin", _to_admin, methods=["GET", "HEAD"]),
            # Before the admin's mount: a stream that never ends, outside its HEAD-as-GET.
            Route("/admin/live", self.live, methods=["GET", "HEAD"]),
            _Mount("/api/v1", HeadAsGet(create_api(self.ops))),
            _Mount("/admin", HeadAsGet(create_admin(self.ops, secure_cookies=secure))),
        ]

    async def announce_setup(self) -> str | None:
        """With no users yet, log a one-time link that creates the owner; returns its path."""
        token = await announce_setup(self.ops)
        if token is None:
            return None
        path = f"/admin/setup/{token}"
        log.warning(
            "no users yet: open %s%s within 24 hours to create the owner account "
            "(or run `hiccup user add --role owner NAME`)",
            self.base_url,
            path,
        )
        return path
