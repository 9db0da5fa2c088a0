"""A counter that readers wait past: something changed, look again.

The recorder pokes it when monitors change state; each open console stream waits for the
version it last told its reader about to move on. Pokes between two looks merge into one,
which is the point: a reader refetches once however many monitors moved meanwhile.
"""

from __future__ import annotations

import asyncio


class Signal:
    def __init__(self) -> None:
        self.version = 0
        self._moved = asyncio.Event()
        self._closing = asyncio.Event()

    def poke(self) -> None:
        self.version += 1
        moved, self._moved = self._moved, asyncio.Event()
        moved.set()

    async def moved_past(self, seen: int) -> int:
        """Wait until the version is not `seen` any more; the version then."""
        while self.version == seen:
            await self._moved.wait()
        return self.version

    @property
    def closed(self) -> bool:
        return self._closing.is_set()

    async def wait_closed(self) -> None:
        await self._closing.wait()

    def close(self) -> None:
        """End every wait on it for good (the server is stopping). Safe from a signal
        handler or another thread, as hiccup.web.public.live.LiveStream.close is."""
        try:
            asyncio.get_running_loop().call_soon_threadsafe(self._closing.set)
        except RuntimeError:  # no loop running here: nothing is waiting on one
            self._closing.set()
