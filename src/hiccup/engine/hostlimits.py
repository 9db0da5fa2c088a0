"""At most N checks in flight per target host, without a semaphore kept for every host ever seen."""

from __future__ import annotations

import asyncio
from types import TracebackType


class _Slot:
    __slots__ = ("semaphore", "users")

    def __init__(self, limit: int) -> None:
        self.semaphore = asyncio.Semaphore(limit)
        self.users = 0  # holders plus waiters; the slot is dropped when it reaches zero


class _Hold:
    """`async with limits.hold(host)`: a plain object rather than an async generator, since
    every check passes through it (a generator-based context manager cost more than the
    semaphore it wraps)."""

    __slots__ = ("_host", "_limits", "_slot")

    def __init__(self, limits: HostLimits, host: str) -> None:
        self._limits, self._host = limits, host
        self._slot: _Slot | None = None

    async def __aenter__(self) -> None:
        self._slot = await self._limits.acquire(self._host)

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._slot is not None:
            self._limits.release(self._host, self._slot)
            self._slot = None


class HostLimits:
    def __init__(self, per_host: int) -> None:
        if per_host < 1:
            raise ValueError("per_host must be at least 1")
        self._per_host = per_host
        self._slots: dict[str, _Slot] = {}

    def hold(self, host: str) -> _Hold:
        return _Hold(self, host)

    async def acquire(self, host: str) -> _Slot:
        """Wait for one of the host's places; give it back with `release`."""
        slot = self._slots.get(host)
        if slot is None:
            slot = self._slots[host] = _Slot(self._per_host)
        slot.users += 1
        try:
            await slot.semaphore.acquire()
        except BaseException:  # cancelled while waiting: it never held a place
            self._leave(host, slot)
            raise
        return slot

    def release(self, host: str, slot: _Slot) -> None:
        slot.semaphore.release()
        self._leave(host, slot)

    def _leave(self, host: str, slot: _Slot) -> None:
        slot.users -= 1
        if slot.users == 0:
            del self._slots[host]
