"""An event loop whose clock jumps to its next timer whenever nothing else is ready.

`asyncio.sleep`, `asyncio.timeout` and `call_at` then take no real time, and a test about the
scheduler's timing is exact however loaded the machine is: the ManualClock of the event loop.
For code that waits only on timers and on its own tasks (no sockets, threads or processes);
give the code under test `loop.time` as its monotonic clock (in production they are the same).
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import selectors
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec

P = ParamSpec("P")


class _JumpingSelector(selectors.DefaultSelector):
    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready = super().select(0)  # the loop's own wake-up pipe still works
        if ready:
            return ready
        if timeout is None:
            raise RuntimeError("virtual time: nothing is scheduled and nothing can wake the loop")
        self.now += timeout  # the wait happens at once: time moves to the next timer
        return []


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        self._jumping = _JumpingSelector()
        super().__init__(self._jumping)

    def time(self) -> float:
        return self._jumping.now


def now() -> float:
    """The running loop's clock: virtual time under `on_virtual_time`."""
    return asyncio.get_running_loop().time()


def on_virtual_time(
    test: Callable[P, Coroutine[Any, Any, None]],
) -> Callable[P, None]:
    """Run an async test to the end on a VirtualTimeLoop; its fixtures are passed through."""

    @functools.wraps(test)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
            runner.run(test(*args, **kwargs))

    # pytest must see a plain function (pytest-asyncio leaves it alone) with the test's fixtures.
    del run.__wrapped__
    run.__signature__ = inspect.signature(test)  # type: ignore[attr-defined]
    return run
