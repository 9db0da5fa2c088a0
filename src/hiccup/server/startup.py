"""Start-up that does not need the database to serve the page.

Started with its database unreachable (lost in a hard shutdown, still booting, a network split),
Hiccup serves the snapshot it wrote to disk and keeps trying the database in the background,
with exponential backoff and full jitter so replicas restarted together do not knock together.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy.exc import DBAPIError

from hiccup.core.backoff import Backoff, RetryPolicy
from hiccup.core.logs import Repeats

log = logging.getLogger(__name__)

# What "the database is not there" looks like: refused or reset connections, timeouts, a
# driver error (SQLite cannot open its file; PostgreSQL is starting or gone).
UNREACHABLE: tuple[type[BaseException], ...] = (OSError, DBAPIError, TimeoutError)

# Waits drawn from [0, 1 s], [0, 2 s], … up to [0, 60 s]; start-up never gives up.
STARTUP_RETRY = RetryPolicy(base=timedelta(seconds=1), cap=timedelta(seconds=60))


async def keep_starting(
    start: Callable[[], Awaitable[None]], policy: RetryPolicy = STARTUP_RETRY
) -> None:
    backoff = Backoff(policy)
    failing = Repeats(log, "start-up failed; retrying", level=logging.WARNING)
    while True:
        try:
            await start()
        except Exception as error:  # start-up is retried whatever went wrong; the page stays up
            failing.failed(error)
        else:
            failing.recovered()
            log.info("started; live status resumed")
            return
        await asyncio.sleep(backoff.failed())


async def _finish_or_retry(
    first: asyncio.Task[None], start: Callable[[], Awaitable[None]], policy: RetryPolicy
) -> None:
    try:
        await first
    except Exception as error:
        log.error("start-up failed (%s); retrying in the background", error)
        await keep_starting(start, policy)


async def start_or_retry(
    start: Callable[[], Awaitable[None]],
    *,
    serving: bool,
    patience: float = 5.0,
    policy: RetryPolicy = STARTUP_RETRY,
) -> asyncio.Task[None] | None:
    """Start, and return None once started. With a page to serve already (`serving`), wait at
    most `patience` seconds (a database that hangs must not keep the page from answering),
    then return a task that finishes the start or keeps retrying. Without one, wait; an
    unreachable database also becomes a retrying task, any other error propagates (fail loudly).
    """
    first = asyncio.ensure_future(start())
    await asyncio.wait({first}, timeout=patience if serving else None)
    if not first.done():
        return asyncio.create_task(_finish_or_retry(first, start, policy), name="start")
    error = first.exception()
    if error is None:
        return None
    if not serving and not isinstance(error, UNREACHABLE):
        raise error
    log.error("database unreachable at start-up (%s); retrying in the background", error)
    return asyncio.create_task(keep_starting(start, policy), name="start")
