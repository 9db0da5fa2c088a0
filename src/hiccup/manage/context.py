"""The running parts an operation needs, and who is acting."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from hiccup.auth.principal import Principal
from hiccup.core.clock import Clock
from hiccup.core.confirmations import ConfirmationTarget
from hiccup.core.engine_health import EngineHealth
from hiccup.store import audit
from hiccup.store.asyncio_engine import AsyncConnection, AsyncEngine
from hiccup.store.leases import serialize_status_changes


async def _nothing() -> None:
    return None


def _no_health() -> EngineHealth | None:
    return None


def _ignore() -> None:
    return None


class NotifyDesk(Protocol):
    """What the admin needs of the running notifications (notify.service.Notifications)."""

    async def send_test(self, key: str, actor: str) -> str | None:
        """Send a test alert through channel `key` now: None when accepted, else the error."""
        ...

    async def mail_confirmation(
        self, conn: AsyncConnection, subscriber: ConfirmationTarget, now: datetime
    ) -> None:
        """Queue a confirmation mail for the subscriber's current nonce, in `conn`."""
        ...

    def wake(self) -> None:
        """Rows were queued or re-queued: deliver them now rather than at the next poll."""
        ...


class NoNotifications:
    """Before the runtime wires the real one (and in tests of other parts)."""

    async def send_test(self, key: str, actor: str) -> str | None:
        return "notifications are not running in this process"

    async def mail_confirmation(
        self, conn: AsyncConnection, subscriber: ConfirmationTarget, now: datetime
    ) -> None:
        raise RuntimeError("notifications are not running in this process")

    def wake(self) -> None:
        return None


@dataclass
class Ops:
    engine: AsyncEngine
    clock: Clock
    default_page_slug: str = "default"
    # Called after a commit: the scheduler re-reads monitors, the snapshot is rebuilt, the
    # maintenance worker re-reads its deadlines.
    reload_monitors: Callable[[], Awaitable[None]] = _nothing
    refresh_public: Callable[[], None] = _ignore
    wake_maintenance: Callable[[], None] = _ignore
    # How this server's checks keep up (None: it runs none, e.g. before start).
    engine_health: Callable[[], EngineHealth | None] = _no_health
    # Test sends and confirmation mails (channels and subscribers in the admin).
    notify: NotifyDesk = field(default_factory=NoNotifications)


@dataclass(frozen=True)
class Actor:
    principal: Principal
    address: str = ""


@dataclass
class Change:
    """One transaction with its audit entries; everything commits together or not at all."""

    conn: AsyncConnection
    now: datetime
    actor: Actor
    audited: list[str] = field(default_factory=list)

    async def audit(self, action: str, target: str = "", summary: str = "") -> None:
        self.audited.append(action)
        await audit.record(
            self.conn,
            self.now,
            self.actor.principal.actor,
            action,
            target,
            summary,
            self.actor.address,
        )


@asynccontextmanager
async def change(ops: Ops, actor: Actor) -> AsyncIterator[Change]:
    now = ops.clock.now()
    async with ops.engine.begin() as conn:
        # Changes may re-derive component statuses (see status_service.refresh_component):
        # taking that lock first, before any write, keeps two servers from deadlocking on it.
        await serialize_status_changes(conn)
        yield Change(conn, now, actor)
