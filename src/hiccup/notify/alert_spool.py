"""Operator alerts that do not wait for the database.

When the recorder cannot store a confirmed transition (the database is away), `hold` decides
its alert in memory (`AlertBook`: the rules, channels and triggered states last read from the
database), writes it to the spool directory (fsync, atomic rename) and delivers it at once
through the same channels, under the idempotency key its outbox row would carry.

Reconciling, never twice: the flush that finally stores the transition also writes the
alert's message row in the same transaction, so the status service finds the alert already
said and queues nothing; each spooled delivery becomes an outbox row written as delivered (or
dead) once it has settled. An entry is deleted only after both. After a crash the entries of
the dead process are replayed at start-up, before the detector states are loaded: undelivered
ones are sent, and their transitions (lost with the process's memory) are stored with them, so
the restarted server does not confirm the same outage again under a new key.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path

from hiccup.config.notifications import DeliveryConfig
from hiccup.core.alert_rules import Triggered
from hiccup.core.backoff import RetryPolicy
from hiccup.core.clock import Clock
from hiccup.core.detection import Track
from hiccup.notify.alert_book import AlertBook, StateKey, states_of_rows
from hiccup.notify.channels.base import Channel
from hiccup.notify.errors import NotifyError
from hiccup.notify.outbox import Claimed, message_id_of, record_settled, store_message
from hiccup.notify.spool_files import Delivery, DeliveryState, SpoolDirectory, SpoolEntry
from hiccup.store.alert_book import (
    BookStamp,
    load_alert_rows,
    load_alert_states,
    load_book_stamp,
)
from hiccup.store.asyncio_engine import AsyncConnection, AsyncEngine
from hiccup.store.recording import TrackChange, record_lost_transition

log = logging.getLogger(__name__)

# The book is looked at when alerts change in the database (woken) and at least this often;
# it is read again only when its stamp moved.
_REFRESH_SECONDS = 30.0
# Settled entries are written back to the database this often while it is away.
_SETTLE_SECONDS = 2.0

Identity = tuple[str, str, str]


def _identity(change: TrackChange) -> Identity:
    moved = change.transition
    assert moved is not None
    return change.monitor_id, moved.current.value, moved.started_at.isoformat()


class AlertSpool:
    def __init__(
        self, directory: Path, engine: AsyncEngine, clock: Clock, config: DeliveryConfig
    ) -> None:
        self._disk = SpoolDirectory(directory)
        self._engine = engine
        self._clock = clock
        self._config = config
        self._policy = RetryPolicy(config.max_attempts, config.retry_base, config.retry_cap)
        self._channels: dict[str, Channel] = {}
        self.book = AlertBook()
        self._stamp: BookStamp | None = None  # of the rows the book was last read from
        # Transitions this process decided (None: no alert was due), until the database has them.
        self._held: dict[Identity, SpoolEntry | None] = {}
        # Entries whose message row is in the database, and those an earlier process left.
        self._recorded: list[SpoolEntry] = []
        self._orphans: list[SpoolEntry] = []
        self._sending: set[asyncio.Task[None]] = set()
        self._disk_lock = asyncio.Lock()
        self.wake = asyncio.Event()
        self._stale = False
        self._opened = False

    async def open(self, channels: dict[str, Channel]) -> int:
        """Read the book and what an earlier run left; store those entries' transitions and
        send what they had not sent. Run before the detector states are loaded."""
        self._channels = channels
        await self.refresh()
        if not self._opened:  # a start-up retried after a failure must not send them twice
            self._opened = True
            self._orphans = await asyncio.to_thread(self._disk.open)
            if self._orphans:
                log.warning("%d operator alerts of an earlier run in the spool", len(self._orphans))
            for entry in self._orphans:
                self._send_pending(entry)
        left = len(self._orphans)
        await self.settle()
        return left

    async def refresh(self) -> None:
        """Read the book again where the database changed since the last read (the triggered
        states alone when only they did): an unchanged book costs one small query."""
        async with self._engine.connect() as conn:
            # The stamp first: a change landing between it and the rows is read again later.
            stamp = await load_book_stamp(conn)
            if self._stamp is None or stamp.structure != self._stamp.structure:
                fresh = AlertBook.from_rows(await load_alert_rows(conn))
                fresh.states = self._with_pending(fresh.states)
                self.book = fresh
            elif stamp.states != self._stamp.states:
                stored = states_of_rows(await load_alert_states(conn))
                self.book.states = self._with_pending(stored)
        self._stamp = stamp

    def _with_pending(self, stored: dict[StateKey, Triggered]) -> dict[StateKey, Triggered]:
        # Monitors whose transitions were decided here but are not stored yet: the database
        # does not know the triggered states those decisions left; memory does.
        pending = {monitor_id for monitor_id, _, _ in self._held}
        states = {k: v for k, v in stored.items() if k[0] not in pending}
        return states | {k: v for k, v in self.book.states.items() if k[0] in pending}

    # -- the recorder's side -------------------------------------------------------------

    async def hold(
        self,
        changes: Iterable[TrackChange],
        tracks: Mapping[str, Track],
        reason_of: Callable[[str], str | None],
    ) -> None:
        """The database did not take these changes: alert their transitions from here."""
        now = self._clock.now()
        for change in changes:
            if change.transition is None or _identity(change) in self._held:
                continue
            decided = self.book.decide(change, tracks, reason_of(change.monitor_id), now)
            entry = None
            if decided is not None:
                entry = SpoolEntry(decided.key, decided.content, change)
                entry.deliveries = [Delivery(channel) for channel in decided.channels]
                try:
                    await self._write(entry)
                    log.warning("database unreachable: alert %s sent from the spool", entry.key)
                except OSError:  # the disk failed too: telling the operator comes first
                    log.exception("could not spool alert %s; sending it anyway", entry.key)
                self._send_pending(entry)
            self._held[_identity(change)] = entry

    async def reconcile(
        self, conn: AsyncConnection, changes: Iterable[TrackChange], now: datetime
    ) -> list[Identity]:
        """In the transaction that stores these changes: mark their spooled alerts as said."""
        taken: list[Identity] = []
        for change in changes:
            if change.transition is None or _identity(change) not in self._held:
                continue
            taken.append(_identity(change))
            entry = self._held[_identity(change)]
            if entry is not None:
                await _record(conn, entry, now)
        return taken

    def recorded(self, taken: list[Identity]) -> None:
        """After that transaction committed."""
        for identity in taken:
            entry = self._held.pop(identity, None)
            if entry is not None:
                self._recorded.append(entry)
        if taken:
            self.wake.set()

    # -- delivery --------------------------------------------------------------------------

    def _send_pending(self, entry: SpoolEntry) -> None:
        for delivery in entry.deliveries:
            if delivery.state is DeliveryState.PENDING:
                task = asyncio.create_task(self._deliver(entry, delivery), name="spooled-alert")
                self._sending.add(task)
                task.add_done_callback(self._sending.discard)

    async def _deliver(self, entry: SpoolEntry, delivery: Delivery) -> None:
        while delivery.state is DeliveryState.PENDING:
            error = await self._attempt(entry, delivery)
            delivery.attempts += 1
            if error is None:
                delivery.state, delivery.settled_at = DeliveryState.DELIVERED, self._clock.now()
            elif error.permanent or self._policy.exhausted(delivery.attempts):
                delivery.state, delivery.settled_at = DeliveryState.DEAD, self._clock.now()
                delivery.error = error.message[:500]
                log.warning("spooled alert %s failed for good: %s", entry.key, error.message)
            else:
                delivery.error = error.message[:500]
                await asyncio.sleep(self._policy.delay(delivery.attempts).total_seconds())
                continue
            try:
                await self._write(entry)
            except OSError:  # sent again after a restart, under the same key
                log.exception("could not note the delivery of spooled alert %s", entry.key)
        self.wake.set()

    async def _attempt(self, entry: SpoolEntry, delivery: Delivery) -> NotifyError | None:
        channel = self._channels.get(delivery.channel["kind"])
        if channel is None:
            return NotifyError(f"no {delivery.channel['kind']} channel here", permanent=True)
        item = Claimed(
            0,
            "spool",
            entry.idempotency_key(delivery),
            delivery.channel["kind"],
            delivery.attempts + 1,
            "alert",
            entry.content,
            delivery.channel["target"],
            delivery.channel,
            None,
        )
        seconds = self._config.timeout.total_seconds()
        try:
            async with asyncio.timeout(seconds):
                await channel.send(item, self._clock.now())
        except NotifyError as failure:
            return failure
        except TimeoutError:
            return NotifyError(f"no answer within {seconds:g}s")
        except Exception as failure:
            log.exception("spooled alert %s crashed", entry.key)
            return NotifyError(f"{type(failure).__name__}: {failure}"[:300])
        return None

    async def _write(self, entry: SpoolEntry) -> None:
        async with self._disk_lock:  # one writer: a file is never rewritten from two places
            await asyncio.to_thread(self._disk.write, entry)

    # -- back into the database ------------------------------------------------------------

    async def settle(self) -> None:
        """Write what is settled into the database; forget entries fully written back."""
        if not self._orphans and not self._recorded:
            return
        now = self._clock.now()
        async with self._engine.begin() as conn:
            for entry in self._orphans:
                await _replay(conn, entry, now)
            for entry in self._recorded:
                await _record(conn, entry, now)
        self._recorded += self._orphans
        self._orphans = []
        done = [entry for entry in self._recorded if entry.settled]
        self._recorded = [entry for entry in self._recorded if not entry.settled]
        async with self._disk_lock:
            for entry in done:
                await asyncio.to_thread(self._disk.remove, entry)

    def alerts_changed(self) -> None:
        """Alerts changed in the database (rows queued, deadlines stored): re-read the book."""
        self._stale = True
        self.wake.set()

    async def run(self) -> None:
        refreshed = time.monotonic()
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._next_look(time.monotonic() - refreshed)):
                    await self.wake.wait()
            self.wake.clear()
            try:
                await self.settle()
                since = time.monotonic() - refreshed
                # At most one re-read per settle period, however often alerts change.
                due = (self._stale and since >= _SETTLE_SECONDS) or since > _REFRESH_SECONDS
                if due:
                    self._stale = False
                    await self.refresh()
                    refreshed = time.monotonic()
            except Exception:
                log.debug("alert spool: database still away", exc_info=True)

    def _next_look(self, since_refresh: float) -> float:
        """Seconds until the loop must look again unwoken: every settle period while entries
        wait to be written back or a re-read is owed; else only when the book's refresh is
        due (an idle server with nothing spooled wakes twice a minute, not every 2 s)."""
        if self._orphans or self._recorded or self._stale:
            return _SETTLE_SECONDS
        # Never sooner than a settle period: a re-read failing (database away) retries then.
        return max(_REFRESH_SECONDS - since_refresh, _SETTLE_SECONDS)

    async def close(self) -> None:
        """Deliveries in flight get their timeout to finish; the rest wait on disk."""
        if self._sending:
            await asyncio.wait(self._sending, timeout=self._config.timeout.total_seconds() + 1)
        for task in list(self._sending):
            task.cancel()
        # Bounded: a database that hangs must not hold up shutdown; the entries stay on disk.
        with contextlib.suppress(Exception):
            async with asyncio.timeout(5):
                await self.settle()


def _settled_rows(entry: SpoolEntry) -> list[dict[str, object]]:
    return [
        {
            "idempotency_key": entry.idempotency_key(d),
            "channel_id": d.channel["id"],
            "transport": d.channel["kind"],
            "state": d.state.value,
            "attempts": d.attempts,
            "delivered_at": d.settled_at if d.state is DeliveryState.DELIVERED else None,
            "last_error": d.error,
        }
        for d in entry.deliveries
        if d.state is not DeliveryState.PENDING
    ]


async def _record(conn: AsyncConnection, entry: SpoolEntry, now: datetime) -> None:
    """The alert's message row (what tells the status service it was said) and the rows of
    its settled deliveries."""
    message_id = await message_id_of(conn, entry.key)
    if message_id is None:
        message_id = await store_message(conn, entry.key, "alert", entry.content, now)
    assert message_id is not None
    await record_settled(conn, message_id, _settled_rows(entry), now)


async def _replay(conn: AsyncConnection, entry: SpoolEntry, now: datetime) -> None:
    """An entry of a process that died: unless its message row is there (it died after the
    flush that stored it), its transition never reached the database either."""
    if await message_id_of(conn, entry.key) is None:
        await record_lost_transition(conn, entry.change, now)
    await _record(conn, entry, now)
